/**
 * Calibration with each edge shown: where the probe's loss window starts and ends (send times of
 * the first and last lost packet) against the blackhole's edges (its kernel-time window; on an nft
 * without it, the stamps rule in / rule out, later than the rule took effect by some of their
 * round trips). With the window, both edges fall within one probe interval of the loss.
 *   node --import tsx bench/calibrate-edges.ts [LAB] [RATE...]
 */
import { expand } from '../src/pipeline/expand.js';
import { plan } from '../src/pipeline/plan.js';
import { validateText } from '../src/pipeline/validate.js';
import { runProbe } from '../src/probes/udp/run.js';
import { applyPlan } from '../src/runtime/netns/apply.js';
import { injectFault, type InjectedFault } from '../src/runtime/netns/fault.js';
import { teardown } from '../src/runtime/netns/teardown.js';

const name = process.argv[2] ?? 'calib-helper-edges';
const rates = process.argv.slice(3).length ? process.argv.slice(3).map(Number) : [10_000];
const lab = expand(validateText(`name: ${name}
nodes:
  a: { interfaces: { eth0: 10.255.0.1/30 } }
  b: { interfaces: { eth0: 10.255.0.2/30 } }
links:
  - [a:eth0, b:eth0]
`, 'calibrate.yaml'));
const state = await applyPlan(lab, plan(lab), { topologyFile: 'calibrate.yaml' });
const f3 = (x: number) => x.toFixed(3);
try {
  for (const rateHz of rates)
    for (const requestedMs of [50, 200, 1000]) {
      let fault: Promise<InjectedFault> | undefined;
      const r = await runProbe({
        lab: lab.name,
        src: { node: 'a', ns: lab.node('a').ns },
        dst: { node: 'b', ns: lab.node('b').ns, address: '10.255.0.2' },
        rateHz,
        durationS: Math.ceil((requestedMs + 1000) / 1000),
        onStarted: () => (fault = new Promise((res) => setTimeout(res, 300)).then(() => injectFault(lab.name, 'blackhole', 'b:eth0', { durationMs: requestedMs }))),
      });
      const f = await fault!;
      const fl = r.flows[0]!;
      const w = fl.lossWindows;
      const bh = f.endMs! - f.atMs;
      const first = w[0]!.startMs; // relative to the blackhole's start
      const last = w.at(-1)!.endMs - bh; // relative to its end
      console.log(
        `${rateHz} Hz ${requestedMs} ms: error ${f3(fl.outageMs - bh)} | first lost sent ${f3(first)} after the blackhole's start, last lost sent ${f3(last)} after its end` +
          ` | windows ${w.length} sendLag ${fl.sendLagMs}`,
      );
    }
} finally {
  await teardown(state);
}
