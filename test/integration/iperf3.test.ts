/**
 * iperf3 as a lab service and as flows: servers listening after `up`, a capped TCP flow and a UDP
 * flow through a timed blackhole parsed into intervals and totals, `halab iperf` in both output
 * modes and its errors, and no iperf3 left after `down`.
 */
import { describe, expect, test } from 'vitest';
import { iperf3 } from '../../src/plugins/services/iperf3/index.js';
import { runIperf3, type Iperf3Interval } from '../../src/probes/iperf3/index.js';
import { monotonicMs } from '../../src/runtime/events.js';
import { readState } from '../../src/runtime/netns/state.js';
import { namespaceName } from '../../src/util/names.js';
import { halab } from '../helpers/cli.js';
import { inNode, useLab } from '../helpers/lab.js';

const LAB = 'iperf-lab';
const SRV = '10.0.0.3';

const ns = (node: string) => namespaceName(LAB, node);
const sum = (l: Iperf3Interval[], k: 'bytes' | 'packets' | 'lostPackets') => l.reduce((a, i) => a + (i[k] ?? 0), 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('iperf3 service and flows', () => {
  useLab('test/fixtures/valid/iperf3-lab.yaml', LAB, { readyTimeoutS: 20 });

  test('after up both servers listen inside srv; readiness, status and logs say so', async () => {
    const ss = await inNode(LAB, 'srv', ['ss', '-Hltn']);
    expect(ss.stdout).toMatch(/:5001\s/);
    expect(ss.stdout).toMatch(/:5002\s/);
    const node = readState(LAB)!.nodes.find((n) => n.name === 'srv')!;
    const spec = node.services.find((s) => s.kind === 'iperf3')!;
    expect(await iperf3.ready(node, spec)).toEqual({ ready: true, detail: 'listening on 5001, 5002' });
    // A port nobody serves is named, with why.
    const more = { ...spec, options: { ports: [5001, 5002, 5003] } };
    expect(await iperf3.ready(node, more)).toEqual({ ready: false, detail: 'not listening on port 5003 (no server started)' });
    const st = JSON.parse((await halab(['status', LAB, '--json'])).stdout) as { nodes: { name: string; services: { kind: string; summary: string }[] }[] };
    expect(st.nodes.find((n) => n.name === 'srv')!.services[0]!.summary).toBe('iperf3 servers on 5001, 5002');
    const logs = await halab(['logs', LAB, 'srv', 'iperf3']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('server-5001.log');
    expect(logs.stdout).toContain('server-5002.log');
  });

  test('a TCP flow capped at 20M for 2 s: 20 intervals of 0.1 s whose bytes sum to the totals', async () => {
    const t0 = monotonicMs();
    const f = await runIperf3({ ns: ns('h1'), dst: SRV, port: 5001, bitrate: '20M', timeS: 2, intervalS: 0.1, lab: LAB });
    const t1 = monotonicMs();
    expect(f.error).toBeNull();
    expect(f.protocol).toBe('tcp');
    expect(f.sender).toHaveLength(Math.round(2 / 0.1));
    // The service's servers report every 0.1 s too; the receiver may add one short interval at
    // the end, for data still in flight when the sender's last interval closed.
    const rx = f.receiver!;
    // (Its timer is its own: under load a boundary may come some tens of ms late.)
    expect(rx.length === 20 || (rx.length === 21 && rx[20]!.endS - rx[20]!.startS < 0.05)).toBe(true);
    expect(rx[0]!.startS).toBe(0);
    expect(Math.abs(rx[19]!.startS - 1.9)).toBeLessThan(0.1);
    const t = f.totals!;
    expect(Math.abs(sum(f.sender!, 'bytes') - t.sentBytes)).toBeLessThanOrEqual(1);
    expect(Math.abs(sum(f.receiver!, 'bytes') - t.receivedBytes)).toBeLessThanOrEqual(1);
    expect(t.sentBitsPerSecond).toBeGreaterThan(18e6);
    expect(t.sentBitsPerSecond).toBeLessThan(22e6);
    expect(t.retransmits).toBeGreaterThanOrEqual(0);
    for (const i of f.sender!) expect(Math.abs(i.endS - i.startS - 0.1)).toBeLessThan(0.08); // timers run late under load
    expect(f.sender!.at(-1)!.endS).toBeCloseTo(2, 1);
    // On the lab's clock: the process started after t0 and lived for the test's 2 s and a little.
    expect(f.startedMs).toBeGreaterThanOrEqual(t0);
    expect(f.exitedMs).toBeLessThanOrEqual(t1);
    expect(f.exitedMs - f.startedMs).toBeGreaterThanOrEqual(t.seconds * 1000);
    expect(f.exitedMs - f.startedMs).toBeLessThan(t.seconds * 1000 + 500);
  });

  test('a UDP flow at 10M through a 300 ms blackhole: datagrams and losses parsed, loss where traffic resumes', async () => {
    const flow = runIperf3({ ns: ns('h2'), dst: SRV, port: 5002, udp: true, bitrate: '10M', timeS: 2, lab: LAB });
    await sleep(800);
    const rule = ['INPUT', '-p', 'udp', '--dport', '5002', '-j', 'DROP'];
    const tIn = monotonicMs();
    expect((await inNode(LAB, 'srv', ['iptables', '-I', ...rule])).code).toBe(0);
    await sleep(300);
    expect((await inNode(LAB, 'srv', ['iptables', '-D', ...rule])).code).toBe(0);
    const tOut = monotonicMs();
    const f = await flow;
    expect(f.error).toBeNull();
    const t = f.totals!;
    const pps = f.targetBitsPerSecond / (f.blockSize * 8);
    // Every datagram is accounted for: sent = received + lost, in the totals and per interval.
    expect(t.packets).toBeGreaterThan(0.95 * pps * 2);
    expect(sum(f.sender!, 'packets')).toBe(t.packets);
    expect(t.receivedPackets! + t.lostPackets!).toBe(t.packets);
    expect(sum(f.receiver!, 'lostPackets')).toBe(t.lostPackets);
    expect(sum(f.receiver!, 'packets')).toBe(t.packets);
    expect(f.receiver!.every((i) => i.jitterMs !== undefined && i.packets !== undefined)).toBe(true);
    // The loss-derived outage matches the blackhole (its rule in/out stamps, which include the
    // time `ip netns exec iptables` takes) within a few datagrams plus that overhead.
    const outageMs = (t.lostPackets! / pps) * 1000;
    const holeMs = tOut - tIn;
    expect(outageMs).toBeGreaterThan(250);
    expect(outageMs).toBeLessThanOrEqual(holeMs + 20);
    // During the outage the receiver saw nothing and counted no loss; the loss came after.
    const lossAt = f.receiver!.findIndex((i) => (i.lostPackets ?? 0) > 0);
    expect(lossAt).toBeGreaterThan(0);
    expect(f.receiver![lossAt - 1]!.bytes).toBe(0);
    expect(f.receiver![lossAt - 1]!.lostPackets).toBe(0);
    console.log(`iperf3 UDP 10M: blackhole ${holeMs.toFixed(0)} ms (stamps), loss-derived outage ${outageMs.toFixed(0)} ms (${t.lostPackets} datagrams), counted in ${f.receiver![lossAt]!.startS.toFixed(1)}-${f.receiver![lossAt]!.endS.toFixed(1)} s`);
  });

  test('halab iperf prints a table and totals, or JSON', async () => {
    const r = await halab(['iperf', LAB, 'h2', 'srv', '--port', '5002', '--time', '1', '--bitrate', '20M']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^h2 -> srv 10\.0\.0\.3:5002: TCP, capped at 20\.0 Mbit\/s, 1 s$/m);
    expect(r.stdout).toMatch(/interval s\s*│\s*sent\s*│\s*sent rate\s*│\s*retr\s*│\s*received\s*│\s*recv rate/);
    expect(r.stdout.match(/│ \d+\.\d\d-\d+\.\d\d /g)!.length).toBeOneOf([10, 11]); // 11 with a short receiver tail
    expect(r.stdout).toMatch(/^sent +[\d.]+ MB in 1\.00 s at (19|20|21)\.\d Mbit\/s, \d+ retransmits/m);
    expect(r.stdout).toMatch(/^received +[\d.]+ MB at /m);

    const j = await halab(['iperf', LAB, 'h1', SRV, '--udp', '--bitrate', '5M', '--time', '1', '--json']);
    expect(j.code).toBe(0);
    const f = JSON.parse(j.stdout) as { dstNode: string; dst: string; port: number; protocol: string; startedMs: number; sender: Iperf3Interval[]; receiver: Iperf3Interval[]; totals: { packets: number; lostPackets: number } };
    expect(f).toMatchObject({ dstNode: 'srv', dst: SRV, port: 5001, protocol: 'udp' }); // the service's first port
    expect(f.sender).toHaveLength(10);
    expect(f.receiver.length).toBeGreaterThanOrEqual(10);
    expect(f.receiver[0]!.jitterMs).toBeTypeOf('number');
    expect(f.totals.packets).toBeGreaterThan(400);
    expect(f.startedMs).toBeGreaterThan(0);
  });

  test('two servers take two flows at once; a third client on a busy port is told so', async () => {
    const a = runIperf3({ ns: ns('h1'), dst: SRV, port: 5001, bitrate: '10M', timeS: 2, lab: LAB });
    const b = runIperf3({ ns: ns('h2'), dst: SRV, port: 5002, udp: true, bitrate: '5M', timeS: 2, lab: LAB });
    await sleep(500);
    const busy = await halab(['iperf', LAB, 'h2', 'srv', '--port', '5001', '--time', '1']);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain('the iperf3 server on 10.0.0.3:5001 is busy with another test');
    const [fa, fb] = await Promise.all([a, b]);
    expect(fa.sender).toHaveLength(20);
    expect(fb.sender).toHaveLength(20);
    expect(fb.receiver!.length).toBeGreaterThanOrEqual(20);
  });

  test('halab iperf errors: exit 2 with what is wrong', async () => {
    const cases: [string[], RegExp][] = [
      [['nolab', 'h1', 'srv'], /no lab named 'nolab' is up/],
      [[LAB, 'h9', 'srv'], /lab iperf-lab has no node 'h9' \(SRC\); did you mean 'h1'\?/],
      [[LAB, 'h1', 'srvv'], /'srvv' is neither an IP address nor a node of lab iperf-lab \(did you mean 'srv'\?\)/],
      [[LAB, 'h1', 'srv', '--port', '5003', '--time', '1'], /no iperf3 server listening on 10\.0\.0\.3:5003 \(h1 got: connection refused\); node srv runs iperf3 servers on 5001, 5002/],
      [[LAB, 'h1', 'h2', '--time', '1'], /no iperf3 server listening on 10\.0\.0\.2:5201 .*node h2 runs no iperf3 service/],
      [[LAB, 'h1', 'srv', '--time', '1.5'], /whole number of seconds/],
      [[LAB, 'h1', 'srv', '--bitrate', 'fast'], /bitrate 'fast' is not a rate/],
    ];
    for (const [args, msg] of cases) {
      const r = await halab(['iperf', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
    }
  });
});
