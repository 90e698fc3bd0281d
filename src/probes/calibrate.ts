/**
 * Calibration (`halab calibrate`): in a lab of its own (two hosts on one link), a probe flow
 * runs while a blackhole drops everything on the link for N ms; the outage the probe measures is
 * compared with the blackhole's window, which the kernel keeps to the nanosecond (a `meta time`
 * rule, src/runtime/netns/nft-time.ts). Users run it to trust the numbers: the error
 * should stay within one probe interval + 1 ms.
 */
import { expand } from '../pipeline/expand.js';
import { plan } from '../pipeline/plan.js';
import { validateText } from '../pipeline/validate.js';
import { applyPlan } from '../runtime/netns/apply.js';
import { injectFault, type InjectedFault } from '../runtime/netns/fault.js';
import { checkEnvironment } from '../runtime/netns/requirements.js';
import { teardown } from '../runtime/netns/teardown.js';
import { runProbe } from './udp/run.js';

export interface CalibrationPoint {
  rateHz: number;
  /** What was asked for. */
  requestedMs: number;
  /** How long the blackhole lasted: its kernel-time window (or, on an nft without it, its stamps rule in -> rule out). */
  blackholeMs: number;
  /** The probe's loss-derived outage. */
  measuredMs: number;
  errorMs: number;
  /** One probe interval + 1 ms: the error calibration should stay within. */
  toleranceMs: number;
  /** How late the sender was at worst: packets it owed are sent in a burst, which moves loss edges. */
  sendLagMs: number;
  /** The reference's error bar: microseconds for the kernel-timed window; the two nft round trips for stamps. */
  referenceUncertaintyMs: number;
}

export const CALIBRATION_LAB = 'calibrate';

const topology = (lab: string) => `name: ${lab}
nodes:
  a: { interfaces: { eth0: 10.255.0.1/30 } }
  b: { interfaces: { eth0: 10.255.0.2/30 } }
links:
  - [a:eth0, b:eth0]
`;

export async function calibrate(
  opts: { lab?: string; rates?: number[]; durationsMs?: number[]; onPoint?: (p: CalibrationPoint) => void } = {},
): Promise<CalibrationPoint[]> {
  const lab = expand(validateText(topology(opts.lab ?? CALIBRATION_LAB), 'calibrate.yaml'));
  checkEnvironment(lab);
  const state = await applyPlan(lab, plan(lab), { topologyFile: 'calibrate.yaml' });
  const points: CalibrationPoint[] = [];
  try {
    for (const rateHz of opts.rates ?? [1000, 10_000]) {
      for (const requestedMs of opts.durationsMs ?? [50, 200, 1000]) {
        const p = await measurePoint(lab.name, lab.node('a').ns, lab.node('b').ns, rateHz, requestedMs);
        points.push(p);
        opts.onPoint?.(p);
      }
    }
  } finally {
    await teardown(state);
  }
  return points;
}

/** One probe with a blackhole 300 ms into it. */
async function measurePoint(lab: string, nsA: string, nsB: string, rateHz: number, requestedMs: number): Promise<CalibrationPoint> {
  let fault: Promise<InjectedFault> | undefined;
  const result = await runProbe({
    lab,
    src: { node: 'a', ns: nsA },
    dst: { node: 'b', ns: nsB, address: '10.255.0.2' },
    rateHz,
    durationS: Math.ceil((requestedMs + 1000) / 1000),
    onStarted: () => {
      fault = new Promise((r) => setTimeout(r, 300)).then(() => injectFault(lab, 'blackhole', 'b:eth0', { durationMs: requestedMs }));
    },
  });
  const f = await fault!;
  const blackholeMs = f.endMs! - f.atMs;
  const measuredMs = result.flows[0]!.outageMs;
  return {
    rateHz,
    requestedMs,
    blackholeMs: round(blackholeMs),
    measuredMs: round(measuredMs),
    errorMs: round(measuredMs - blackholeMs),
    toleranceMs: 1000 / rateHz + 1,
    sendLagMs: round(result.flows[0]!.sendLagMs),
    referenceUncertaintyMs: round(f.uncertaintyMs ?? 0),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
