/**
 * UDP probe flows on a real lab (two hosts on a Linux bridge): no loss and small gaps at 1 and
 * 10 kHz, the agents' CPU use at 10 kHz, an outage caused by taking the switch port down for
 * ~200 ms measured against the kernel's own record of it, `--both`, `halab probe` in both output
 * modes and its errors, and no agent left after `down`.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { labDir } from '../../src/pipeline/expand.js';
import { runProbe, type AgentInfo, type ProbeFlow, type ProbeOptions } from '../../src/probes/udp/index.js';
import { appendEvent, eventsFile, monotonicMs } from '../../src/runtime/events.js';
import { namespaceName } from '../../src/util/names.js';
import { halab } from '../helpers/cli.js';
import { useLab } from '../helpers/lab.js';

const LAB = 'probe-lab';
const ns = (node: string) => namespaceName(LAB, node);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const h1h2: Pick<ProbeOptions, 'lab' | 'src' | 'dst'> = { lab: LAB, src: { node: 'h1', ns: ns('h1') }, dst: { node: 'h2', ns: ns('h2'), address: '10.0.0.2' } };

/** utime + stime of a process, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // fields 14 and 15 of stat, counted after "pid (comm) "
}

function expectClean(f: ProbeFlow, maxGapMs: number): void {
  expect(f.sent).toBe(f.rateHz * 2);
  expect([f.received, f.lost, f.outageMs, f.firstLossMs, f.recoveredMs, f.duplicated, f.unexpected, f.sendErrors]).toEqual([f.sent, 0, 0, null, null, 0, 0, 0]);
  expect(f.lossWindows).toEqual([]);
  expect(f.maxGapMs).toBeLessThan(maxGapMs);
}

describe('UDP probe flows', () => {
  useLab('test/fixtures/valid/probe-lab.yaml', LAB, { readyTimeoutS: 20 });

  test('1 kHz for 2 s, both ways, no fault: nothing lost, gaps of a few ms at most', async () => {
    const r = await runProbe({ ...h1h2, rateHz: 1000, durationS: 2, both: true });
    expect(r.flows.map((f) => [f.name, f.dstAddress, f.port])).toEqual([
      ['h1->h2', '10.0.0.2', 7500],
      ['h2->h1', '10.0.0.1', 7500], // the address h1 uses toward h2
    ]);
    // Arrival gaps are the two agents' scheduling jitter on 2 shared cores (tests of others run
    // beside): usually under 10 ms, with rare stalls of some tens of ms under load.
    for (const f of r.flows) expectClean(f, 50);
    expect(r).toMatchObject({ relativeTo: 'start', fault: null, events: [] });
    expect(r.refMs).toBe(r.startedMs);
    console.log(`1 kHz: max gap ${r.flows.map((f) => `${f.name} ${f.maxGapMs} ms`).join(', ')}`);
  });

  test('10 kHz for 2 s: nothing lost; sender and receiver each use well under a core', async () => {
    let agents: AgentInfo[] = [];
    const samples: { t: number; cpu: number[] }[] = [];
    const sample = () => samples.push({ t: monotonicMs(), cpu: agents.map((a) => cpuMs(a.pid)) });
    const p = runProbe({ ...h1h2, rateHz: 10_000, durationS: 2, onStarted: (a) => (agents = a) });
    // Steady state, from /proc: between 0.3 s and 1.7 s of the 2 s the sender sends.
    await new Promise<void>((resolve) => {
      const wait = setInterval(() => agents.length && (clearInterval(wait), resolve()), 5);
    });
    await sleep(300);
    sample();
    await sleep(1400);
    sample();
    const r = await p;
    expectClean(r.flows[0]!, 50);
    const [a, b] = samples as [(typeof samples)[0], (typeof samples)[0]];
    const share = agents.map((x, i) => ({ ...x, share: (b.cpu[i]! - a.cpu[i]!) / (b.t - a.t) }));
    console.log(
      `10 kHz CPU (share of one core, /proc utime+stime over ${(b.t - a.t).toFixed(0)} ms): ${share.map((s) => `${s.role} ${(100 * s.share).toFixed(0)} %`).join(', ')}; ` +
        `agents' own count over their active time: ${r.agents.map((x) => `${x.role} ${((100 * x.cpuMs) / x.activeMs).toFixed(0)} %`).join(', ')}; max gap ${r.flows[0]!.maxGapMs} ms`,
    );
    for (const s of share) expect(s.share).toBeLessThan(0.5);
  });

  test.each([1000, 10_000])('switch port down for ~200 ms at %i Hz, both ways: the outage is the time the port did not forward', async (rateHz) => {
    const intervalMs = 1000 / rateHz;
    // Static neighbors: the kernel evicts a host's ARP entries when its link loses carrier, and
    // re-resolving waits for ARP's 1 s retransmit timer, which would add up to seconds to h1's
    // outage. This test calibrates the probe against the port, so ARP stays out of it.
    const mac = async (node: string) => JSON.parse((await execa('ip', ['-n', ns(node), '-j', 'link', 'show', 'eth0'])).stdout)[0].address as string;
    await execa('ip', ['-n', ns('h1'), 'neigh', 'replace', '10.0.0.2', 'lladdr', await mac('h2'), 'dev', 'eth0', 'nud', 'permanent']);
    await execa('ip', ['-n', ns('h2'), 'neigh', 'replace', '10.0.0.1', 'lladdr', await mac('h1'), 'dev', 'eth0', 'nud', 'permanent']);
    // The kernel's record of the port: `bridge monitor` prints each state change with its time.
    const mon = execa('bridge', ['-n', ns('sw'), '-timestamp', 'monitor', 'link'], { reject: false, buffer: false });
    const changes: { monoMs: number; latencyMs: number; line: string }[] = [];
    let stamp = NaN;
    mon.stdout!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        const ts = /^Timestamp: (.+) (\d+) usec$/.exec(line);
        if (ts) stamp = Date.parse(ts[1]!) + Number(ts[2]) / 1000;
        else if (/^\d+: p1/.test(line) && !Number.isNaN(stamp)) {
          // Wall-clock event time onto the monotonic clock (both read now, a µs apart; the
          // stamp has µs, the wall clock here is performance's, also sub-ms).
          const latencyMs = performance.timeOrigin + performance.now() - stamp;
          changes.push({ monoMs: monotonicMs() - latencyMs, latencyMs, line });
        }
      }
    });
    await sleep(200);
    let started!: () => void;
    const go = new Promise<void>((r) => (started = r));
    const p = runProbe({ ...h1h2, rateHz, durationS: 2, both: true, onStarted: () => started() });
    await go;
    await sleep(600);
    const ipLink = (state: string) => execa('ip', ['-n', ns('sw'), 'link', 'set', 'p1', state]);
    const d0 = monotonicMs();
    await ipLink('down');
    const d1 = monotonicMs();
    appendEvent(eventsFile(labDir(LAB)), { tMs: d1, node: 'sw', kind: 'fault', detail: 'port-down p1 (test)' });
    await sleep(200);
    const u0 = monotonicMs();
    await ipLink('up');
    const u1 = monotonicMs();
    const r = await p;
    mon.kill();
    await mon;

    // The port forwards again when the kernel's link watcher handles the carrier change, which
    // it may hold back up to 1 s (here p1 and its peer are ifindex 2 in their namespaces, so the
    // event counts as not urgent): the command interval is a lower bound, the kernel's the truth.
    const fwd = changes.find((c) => c.monoMs > u0 && /state forwarding/.test(c.line));
    expect(fwd, changes.map((c) => c.line).join('\n')).toBeDefined();
    const downMs = fwd!.monoMs - (d0 + d1) / 2;
    // Uncertainty: when in its command's run the port went down (half of d1 - d0 either way),
    // how late the monitor's event stamp is (its latency, a bound), and one sender tick (packets
    // go out in per-ms bursts) on top of the probe interval.
    // A sender that fell behind (a stalled event loop) sends what it owes in a burst: its worst
    // lag (sendLagMs, from the records) shifts a window's edges by up to that much.
    const slack = (f: ProbeFlow) => intervalMs + (d1 - d0) / 2 + Math.abs(fwd!.latencyMs) + f.sendLagMs + 1;
    expect(r.relativeTo).toBe('fault');
    expect(r.fault).toMatchObject({ kind: 'port-down', target: 'sw', detail: 'port-down p1 (test)', tMs: d1 });
    expect(r.events).toContainEqual({ tMs: 0, node: 'sw', kind: 'fault', detail: 'port-down p1 (test)' });
    expect(r.flows.map((f) => f.name)).toEqual(['h1->h2', 'h2->h1']);
    for (const f of r.flows) {
      const slackMs = slack(f);
      const report = `${f.name} at ${rateHz} Hz: outage ${f.outageMs} ms (${f.lost} lost), first loss ${f.firstLossMs} ms, recovered ${f.recoveredMs} ms, max gap ${f.maxGapMs} ms, sender lag ${f.sendLagMs} ms; port down (kernel) ${downMs.toFixed(1)} ms +- ${slackMs.toFixed(1)}, by the commands ${(u0 - d1).toFixed(1)}-${(u1 - d0).toFixed(1)} ms, down command ${(d1 - d0).toFixed(1)} ms, monitor latency ${fwd!.latencyMs.toFixed(2)} ms`;
      console.log(report);
      expect(Math.abs(f.outageMs - downMs), report).toBeLessThanOrEqual(slackMs);
      expect(f.outageMs).toBeGreaterThanOrEqual(u0 - d1 - intervalMs);
      expect(f.lossWindows).toHaveLength(1);
      expect(f.lossWindows[0]!.count).toBe(f.lost);
      // Relative to the fault event (stamped when the down command returned): loss began during
      // that command, and traffic came back when the port forwarded again.
      expect(f.firstLossMs!).toBeGreaterThanOrEqual(d0 - d1 - 1);
      expect(f.firstLossMs!).toBeLessThanOrEqual(intervalMs + f.sendLagMs + 1);
      expect(Math.abs(f.recoveredMs! - (fwd!.monoMs - d1))).toBeLessThanOrEqual(intervalMs + Math.abs(fwd!.latencyMs) + f.sendLagMs + 2);
      expect(f.maxGapMs).toBeGreaterThanOrEqual(f.outageMs - intervalMs - f.sendLagMs);
      expect(f.received + f.lost).toBe(f.sent);
    }
  });

  test('halab probe prints the gap report per direction, or JSON with the result.json flow keys', async () => {
    const t = await halab(['probe', LAB, 'h1', 'h2', '--duration', '1', '--both']);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^probe h1 -> h2 \(10\.0\.0\.2:7500\), both directions: UDP at 1000 Hz for 1 s$/m);
    expect(t.stdout).toContain('no fault event during the probe; times in ms from the probe start');
    expect(t.stdout).toMatch(/flow\s*│\s*sent\s*│\s*received\s*│\s*lost\s*│\s*outage ms\s*│\s*max gap ms\s*│\s*first loss ms\s*│\s*recovered ms\s*│\s*reordered\s*│\s*duplicated/);
    expect(t.stdout).toMatch(/│ h1->h2 +│ 1000 +│ 1000 +│ 0 +│ 0\.0 +│ [\d.]+ +│ - +│ - +│ 0 +│ 0 +│/);
    expect(t.stdout).toMatch(/│ h2->h1 +│ 1000 +│ 1000 +│ 0 +│ 0\.0 +│/);

    const j = await halab(['probe', LAB, 'h2', '10.0.0.1', '--duration', '0.5', '--rate', '2000', '--port', '7601', '--json']);
    expect(j.code).toBe(0);
    const r = JSON.parse(j.stdout) as { lab: string; relativeTo: string; fault: null; events: unknown[]; flows: Record<string, unknown>[] };
    expect(r).toMatchObject({ lab: LAB, relativeTo: 'start', fault: null, events: [] });
    expect(r.flows).toHaveLength(1);
    expect(r.flows[0]).toMatchObject({ name: 'h2->h1', proto: 'udp', rateHz: 2000, sent: 1000, received: 1000, lost: 0, outageMs: 0, firstLossMs: null, recoveredMs: null, dstAddress: '10.0.0.1', port: 7601 });
    expect(r.flows[0]!.maxGapMs).toBeTypeOf('number');
  });

  test('halab probe errors: exit 2 with what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [['nolab', 'h1', 'h2'], /no lab named 'nolab' is up/],
      [[LAB, 'h9', 'h2'], /lab probe-lab has no node 'h9' \(SRC\); did you mean 'h1'\?/],
      [[LAB, 'h1', 'h3'], /'h3' is neither an IP address nor a node of lab probe-lab \(did you mean 'h1'\?\)/],
      [[LAB, 'h1', '10.9.9.9'], /10\.9\.9\.9 is not an address of any node of lab probe-lab/],
      [[LAB, 'h1', 'h1'], /SRC and DST are the same node \(h1\)/],
      [[LAB, 'h1', 'h2', '--rate', 'fast'], /--rate 'fast' is not a number/],
      [[LAB, 'h1', 'h2', '--rate', '0'], /rate 0 Hz must be a whole number from 1 to 50000/],
      [[LAB, 'h1', 'h2', '--duration', '0'], /duration 0 s must be from 0.1/],
      [[LAB, 'h1', 'h2', '--port', '70000'], /port 70000 is not a port number/],
    ];
    for (const [args, msg] of cases) {
      const r = await halab(['probe', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  });
});
