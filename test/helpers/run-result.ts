/**
 * A RunResult as `halab run` writes it, for the report tests: three trials of a VRRP gateway
 * failover, two flows (udp with a loss window, tcp with iperf3 intervals and a dip), faults,
 * control-plane events, passing and failing assertions; trial 3 aborted early.
 */
import type { AssertionResult, FlowResult, RunResult, TrialResult } from '../../src/model/result.js';

export const UDP = 'client-vip:forward';
export const TCP = 'bulk<tcp>&"q"';

function udp(outageMs: number, from: number): FlowResult {
  const lost = Math.round(outageMs); // 1 kHz
  return {
    name: UDP, proto: 'udp', rateHz: 1000, sent: 6000, received: 6000 - lost, lost, outageMs, maxGapMs: outageMs + 1.2,
    firstLossMs: from, recoveredMs: from + outageMs + 0.8, src: 'client', dst: 'server', dstAddress: '10.0.2.10', reordered: 0, duplicated: 0,
    lossWindows: lost ? [{ startMs: from, endMs: from + outageMs - 1, count: lost }] : [],
  };
}

function tcp(dipAt: number): FlowResult {
  const intervals = Array.from({ length: 50 }, (_, i) => {
    const startMs = -2000 + i * 100;
    return { startMs, endMs: startMs + 100, bps: startMs >= dipAt && startMs < dipAt + 300 ? 1e5 : 50e6 + (i % 5) * 1e6 };
  });
  return {
    name: TCP, proto: 'tcp', rateHz: 0, sent: 0, received: 0, lost: 0, outageMs: 0, maxGapMs: 0, firstLossMs: null, recoveredMs: null,
    src: 'client', dst: 'server', dstAddress: '10.0.2.10', reordered: 0, duplicated: 0, lossWindows: [], intervals,
  };
}

function outageAssertion(outageMs: number, limit = 100): AssertionResult {
  const ok = outageMs <= limit;
  return { name: `outage of ${UDP} ${outageMs.toFixed(1)} ms <= ${limit} ms`, ok, detail: ok ? 'within the limit' : `${(outageMs - limit).toFixed(1)} ms over the limit`, measured: outageMs, limit };
}

function trial(index: number, outageMs: number, extra: Partial<TrialResult> = {}): TrialResult {
  const assertions = [outageAssertion(outageMs), { name: `${TCP} recovers`, ok: true, detail: 'throughput back to 50 Mbit/s after 300 ms', measured: 300, limit: 2000 }];
  return {
    index,
    ok: assertions.every((a) => a.ok),
    fault: { kind: 'nic-down', target: 'r1:eth1', atMs: 0 },
    faults: [
      { kind: 'nic-down', target: 'r1:eth1', atMs: 0, detail: 'ip link set dev eth1 down' },
      { kind: 'blackhole', target: 'r2:eth0', atMs: 1500, endMs: 1700, detail: '200 ms' },
    ],
    flowsFromMs: -2000,
    flowsToMs: 3000,
    flows: [udp(outageMs, 2), tcp(0)],
    events: [
      { tMs: -1500, node: 'r1', kind: 'vrrp', detail: 'MASTER' },
      { tMs: 3.5, node: 'r1', kind: 'carrier', detail: 'eth1 down' },
      { tMs: outageMs - 20, node: 'r2', kind: 'vrrp', detail: 'BACKUP -> MASTER <script>alert(1)</script>' },
      { tMs: outageMs - 10, node: 'r2', kind: 'bgp', detail: 'best path via 10.0.9.1' },
      { tMs: 9000, node: 'r1', kind: 'vrrp', detail: 'late' },
    ],
    assertions,
    phases: [
      { name: 'settle', fromMs: -4000, toMs: -2000, ok: true, detail: '' },
      { name: 'flows', fromMs: -2000, toMs: 0, ok: true, detail: 'udp + tcp started' },
      { name: 'fault', fromMs: 0, toMs: 3000, ok: true, detail: '' },
      { name: 'restore', fromMs: 3000, toMs: 4000, ok: true, detail: '' },
    ],
    ...extra,
  };
}

/** trials: 1 passes (80 ms), 2 fails (312 ms), 3 aborted with a failed assertion. */
export function runResult(): RunResult {
  const trials = [
    trial(1, 80),
    trial(2, 312),
    trial(3, 150, {
      ok: false,
      aborted: 'wait for r2 MASTER timed out after 5000 ms',
      flowsToMs: 1000,
      phases: [{ name: 'wait r2 master', fromMs: 0, toMs: 5000, ok: false, detail: 'timed out' }],
      assertions: [{ name: `outage of ${UDP} <= 100 ms`, ok: false, detail: 'not measured: trial aborted', measured: null, limit: 100 }],
    }),
  ];
  return {
    lab: 'vrrp-gw',
    runId: '20261121-101500-ab12',
    ok: false,
    startedAt: '2026-11-21T10:15:00.000Z',
    durationMs: 42_000,
    labFile: 'labs/vrrp-gw.lab.yaml',
    topologyFile: 'topologies/examples/vrrp.yaml',
    description: 'VRRP gateway pair; the master loses its LAN NIC',
    host: { hostname: 'ci-1', kernel: '6.18.0', cpus: 2 },
    trials,
    summary: {
      [UDP]: { outageMs: { min: 80, median: 150, p95: 312, max: 312 } },
      [TCP]: { outageMs: { min: 0, median: 0, p95: 0, max: 0 } },
    },
  };
}

/** The same run with every assertion holding and nothing aborted. */
export function passingRunResult(): RunResult {
  const r = runResult();
  const trials = [trial(1, 80), trial(2, 95)];
  return { ...r, ok: true, trials, summary: { [UDP]: { outageMs: { min: 80, median: 87.5, p95: 95, max: 95 } }, [TCP]: { outageMs: { min: 0, median: 0, p95: 0, max: 0 } } } };
}
