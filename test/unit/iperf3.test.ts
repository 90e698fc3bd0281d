/**
 * iperf3: parsing of iperf3 3.12's --json output (captured from runs in a lab on this machine,
 * test/fixtures/iperf3/), the client's command line and option checks, and the service's plan.
 * Pure: no root.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { expand } from '../../src/pipeline/expand.js';
import { plan } from '../../src/pipeline/plan.js';
import { stepCommand } from '../../src/pipeline/plan-render.js';
import { validateText } from '../../src/pipeline/validate.js';
import {
  checkClientOptions,
  classifyIperf3Error,
  clientArgv,
  tcpBlockBytes,
  Iperf3ParseError,
  parseBitrate,
  parseIperf3Json,
  type Iperf3Interval,
} from '../../src/probes/iperf3/index.js';

const sample = (name: string) => parseIperf3Json(readFileSync(`test/fixtures/iperf3/${name}.json`, 'utf8'));
const sum = (l: Iperf3Interval[], k: 'bytes' | 'packets' | 'lostPackets') => l.reduce((a, i) => a + (i[k] ?? 0), 0);

describe('parseIperf3Json', () => {
  test('TCP, 100M cap, 2 s: sender (client) and receiver (server) intervals sum to the totals', () => {
    const r = sample('tcp-100M-2s');
    expect(r).toMatchObject({ version: 'iperf 3.12', protocol: 'tcp', reverse: false, targetBitsPerSecond: 100e6, durationS: 2, error: null });
    expect(r.local).toMatchObject({ host: '10.0.0.1' });
    expect(r.remote).toEqual({ host: '10.0.0.3', port: 5001 });
    expect(r.sender).toHaveLength(20);
    expect(r.receiver).toHaveLength(20);
    expect(r.sender![0]).toEqual({ startS: 0, endS: 0.102677, bytes: 1310720, bitsPerSecond: 102123744.74974011, retransmits: 0, omitted: false });
    expect(r.receiver![0]!.retransmits).toBeUndefined();
    const t = r.totals!;
    expect(sum(r.sender!, 'bytes')).toBe(t.sentBytes);
    expect(sum(r.receiver!, 'bytes')).toBe(t.receivedBytes);
    expect(t.sentBytes).toBe(25034752);
    expect(t.sentBitsPerSecond).toBeCloseTo(100.1e6, -5);
    expect(t.retransmits).toBe(0);
    expect(t.rttUs).toEqual({ min: 80, mean: 99, max: 246 });
    expect(t.packets).toBeUndefined();
  });

  test('TCP reverse: the server is the sender (its retransmits), the client the receiver', () => {
    const r = sample('tcp-reverse-50M-1s');
    expect(r.reverse).toBe(true);
    expect(r.sender).toHaveLength(10);
    expect(r.receiver).toHaveLength(10);
    expect(r.sender!.every((i) => i.retransmits !== undefined)).toBe(true);
    expect(r.receiver!.every((i) => i.retransmits === undefined)).toBe(true);
    expect(sum(r.sender!, 'bytes')).toBe(r.totals!.sentBytes);
    expect(sum(r.receiver!, 'bytes')).toBe(r.totals!.receivedBytes);
  });

  test('UDP: sender intervals count datagrams, receiver intervals add loss and jitter', () => {
    const r = sample('udp-10M-2s');
    expect(r.protocol).toBe('udp');
    expect(r.blockSize).toBe(1448);
    expect(r.sender).toHaveLength(20);
    expect(r.receiver).toHaveLength(20);
    expect(r.sender![1]!.lostPackets).toBeUndefined();
    expect(r.receiver![1]).toMatchObject({ packets: 86, lostPackets: 0 });
    expect(r.receiver![1]!.jitterMs).toBeGreaterThan(0);
    const t = r.totals!;
    expect(t).toMatchObject({ packets: 1726, receivedPackets: 1726, lostPackets: 0, lostPercent: 0 });
    expect(sum(r.sender!, 'packets')).toBe(t.packets);
    expect(sum(r.sender!, 'bytes')).toBe(t.sentBytes);
    expect(sum(r.receiver!, 'bytes')).toBe(t.receivedBytes);
    expect(t.retransmits).toBeUndefined();
  });

  test('UDP through a 300 ms blackhole: 0 bytes during the outage, the loss counted where traffic resumes', () => {
    const r = sample('udp-10M-2s-300ms-blackhole');
    const rx = r.receiver!;
    const silent = rx.filter((i) => i.bytes === 0).map((i) => i.startS.toFixed(1));
    expect(silent).toEqual(['0.8', '0.9']);
    // Nothing is lost in the silent intervals; all of it shows up in the next one.
    expect(rx.filter((i) => i.bytes === 0).every((i) => i.lostPackets === 0)).toBe(true);
    const resumed = rx.find((i) => (i.lostPackets ?? 0) > 0)!;
    expect(resumed.startS.toFixed(1)).toBe('1.0');
    expect(resumed.lostPackets).toBe(268);
    expect(resumed.packets).toBe(300); // received + lost
    const t = r.totals!;
    expect(sum(rx, 'lostPackets')).toBe(t.lostPackets);
    expect(t.packets! - t.receivedPackets!).toBe(t.lostPackets);
    expect(sum(rx, 'bytes')).toBe(t.receivedBytes);
    // 268 datagrams at 10 Mbit/s of 1448 bytes: 268 * 1448 * 8 / 10e6 = 310 ms of outage.
    expect((t.lostPackets! * r.blockSize * 8) / r.targetBitsPerSecond).toBeCloseTo(0.31, 2);
  });

  test('UDP loss at the very end is never counted by iperf3; the totals still show it', () => {
    const r = sample('udp-10M-2s-tail-loss');
    const t = r.totals!;
    expect(t.lostPackets).toBe(0);
    expect(r.receiver!.slice(-4).every((i) => i.bytes === 0 && i.lostPackets === 0)).toBe(true);
    expect(t.packets! - t.receivedPackets!).toBe(350);
  });

  test('UDP reverse: the client receives, so its own intervals carry loss and jitter', () => {
    const r = sample('udp-reverse-5M-1s');
    expect(r.reverse).toBe(true);
    expect(r.receiver!.every((i) => i.jitterMs !== undefined && i.lostPackets !== undefined)).toBe(true);
    expect(r.sender!.every((i) => i.jitterMs === undefined && i.packets !== undefined)).toBe(true);
    expect(sum(r.receiver!, 'packets')).toBe(r.totals!.packets);
  });

  test.each([
    ['error-refused', 'unable to connect to server: Connection refused', 'refused'],
    ['error-busy', 'the server is busy running a test. try again later', 'busy'],
  ] as const)('%s: the error, no intervals, no totals', (name, message, kind) => {
    const r = sample(name);
    expect(r.error).toBe(message);
    expect(classifyIperf3Error(r.error!)).toBe(kind);
    expect(r.sender).toEqual([]);
    expect(r.receiver).toBeNull();
    expect(r.totals).toBeNull();
    expect(r.local).toBeNull();
  });

  test('an interrupted client: the intervals so far, the error, and nothing received reported', () => {
    const r = sample('error-interrupted');
    expect(r.error).toBe('interrupt - the client has terminated');
    expect(classifyIperf3Error(r.error!)).toBe('interrupted');
    expect(r.sender).toHaveLength(11);
    expect(r.receiver).toBeNull(); // the server never sent its output
    expect(r.totals!.receivedBytes).toBe(0);
    expect(sum(r.sender!, 'bytes')).toBe(r.totals!.sentBytes);
  });

  test('the protocol and direction asked for stand in when iperf3 failed before reporting them', () => {
    const text = readFileSync('test/fixtures/iperf3/error-refused.json', 'utf8');
    expect(parseIperf3Json(text, { protocol: 'udp', reverse: true })).toMatchObject({ protocol: 'udp', reverse: true, sender: null, receiver: [] });
  });

  test('text around the JSON is tolerated; anything else is a parse error', () => {
    const text = readFileSync('test/fixtures/iperf3/udp-10M-2s.json', 'utf8');
    expect(parseIperf3Json(`warning: something\n${text}\n`).sender).toHaveLength(20);
    expect(() => parseIperf3Json('iperf3: error - unable to connect')).toThrow(Iperf3ParseError);
    expect(() => parseIperf3Json('{"start": {}, "intervals": [')).toThrow(/not valid JSON/);
    expect(() => parseIperf3Json('{"a": 1}')).toThrow(/no start and intervals/);
    expect(() => parseIperf3Json('{"start": {}, "intervals": [{"sum": {"start": 0, "end": 0.1, "bytes": "x"}}], "end": {}}')).toThrow(/intervals\[0\]\.sum\.bytes is not a number/);
  });

  test('classifyIperf3Error', () => {
    expect(classifyIperf3Error('unable to connect to server: Network is unreachable')).toBe('unreachable');
    expect(classifyIperf3Error('unable to connect to server: Connection timed out')).toBe('timeout');
    expect(classifyIperf3Error('control socket has closed unexpectedly')).toBe('other');
  });
});

describe('iperf3 client options', () => {
  test('defaults: TCP capped at 100M, UDP at 1M, 0.1 s intervals, JSON with the server output', () => {
    expect(clientArgv({ dst: '10.0.0.3' })).toEqual(['iperf3', '-c', '10.0.0.3', '-p', '5201', '-b', '100M', '-t', '10', '-i', '0.1', '--json', '--get-server-output', '--connect-timeout', '3000']);
    expect(clientArgv({ dst: '10.0.0.3', port: 5002, udp: true, timeS: 2, reverse: true, serverOutput: false })).toEqual([
      'iperf3', '-c', '10.0.0.3', '-p', '5002', '-u', '-b', '1M', '-t', '2', '-i', '0.1', '-R', '--json', '--connect-timeout', '3000',
    ]);
    expect(clientArgv({ dst: '10.0.0.3', bitrate: '0' })).toContain('0');
    // A capped TCP flow writes blocks small enough for 8 per report interval (10M: 15625 bytes).
    expect(clientArgv({ dst: '10.0.0.3', bitrate: '10M' })).toEqual(['iperf3', '-c', '10.0.0.3', '-p', '5201', '-b', '10M', '-t', '10', '-i', '0.1', '-l', '15625', '--json', '--get-server-output', '--connect-timeout', '3000']);
    expect(clientArgv({ dst: '10.0.0.3', bitrate: '10M', udp: true })).not.toContain('-l');
  });

  test('tcpBlockBytes: iperf3 default (null) at high rates and unlimited; 1 KiB at least', () => {
    expect(tcpBlockBytes('100M', 0.1)).toBeNull();
    expect(tcpBlockBytes('0', 0.1)).toBeNull();
    expect(tcpBlockBytes('10M', 0.1)).toBe(15625);
    expect(tcpBlockBytes('10M', 1)).toBeNull();
    expect(tcpBlockBytes('100K', 0.1)).toBe(1024);
  });

  test('bitrates in iperf3 syntax', () => {
    expect(parseBitrate('100M')).toBe(100e6);
    expect(parseBitrate('1.5g')).toBe(1.5e9);
    expect(parseBitrate('500K')).toBe(500e3);
    expect(parseBitrate('0')).toBe(0);
    expect(parseBitrate('fast')).toBeNull();
    expect(parseBitrate('10Mbit')).toBeNull();
  });

  test('bad options are named', () => {
    expect(checkClientOptions({ port: 5001, timeS: 2, intervalS: 0.1, bitrate: '10M' })).toEqual([]);
    expect(checkClientOptions({ port: 0, timeS: 1.5, intervalS: 0.05, bitrate: 'x' })).toEqual([
      'port 0 is not a port number (1-65535)',
      "bitrate 'x' is not a rate (e.g. 100M, 500K, 1G; 0 for unlimited)",
      'time 1.5 must be a whole number of seconds from 1 to 86400 (iperf3 3.12 takes whole seconds)',
      "interval 0.05 s must be from 0.1 to 60 (iperf3's limits)",
    ]);
  });
});

describe('iperf3 service plan', () => {
  const topo = (opts: string) => `
name: iperf-t
nodes:
  h1: { interfaces: { eth0: 10.0.0.1/24 } }
  srv:
    interfaces: { eth0: 10.0.0.3/24 }
    sysctl: { net.ipv4.ip_nonlocal_bind: 1 }
    services:
      iperf3: ${opts}
links:
  - [h1:eth0, srv:eth0]
`;
  const action = (opts: string) => plan(expand(validateText(topo(opts)))).actions.find((a) => a.id === 'iperf3:srv')!;

  test('one spawned server per port, killed in reverse order by pidfile', () => {
    const a = action('{ ports: [5001, 5002] }');
    expect(a.phase).toBe('services');
    const dir = a.do[0]!.t === 'mkdir' ? a.do[0]!.path : '';
    expect(dir).toMatch(/\/iperf-t\/nodes\/srv\/iperf3$/);
    expect(a.do.slice(1)).toEqual([5001, 5002].map((p) => ({
      t: 'spawn',
      ns: 'halab.iperf-t.srv',
      argv: ['iperf3', '-s', '-p', String(p), '-i', '0.1', '--json'],
      log: `${dir}/server-${p}.log`,
      pidfile: `${dir}/server-${p}.pid`,
    })));
    expect(a.undo).toEqual([{ t: 'kill', pidfile: `${dir}/server-5002.pid` }, { t: 'kill', pidfile: `${dir}/server-5001.pid` }]);
    expect(stepCommand(a.do[1]!)).toBe(`ip netns exec halab.iperf-t.srv iperf3 -s -p 5001 -i 0.1 --json > ${dir}/server-5001.log 2>&1 & echo $! > ${dir}/server-5001.pid`);
  });

  test('defaults to port 5201; bind and interval are passed on', () => {
    expect(action('null').do.slice(1).map((s) => (s.t === 'spawn' ? s.argv.join(' ') : ''))).toEqual(['iperf3 -s -p 5201 -i 0.1 --json']);
    expect(action('{ ports: [5001], bind: 10.0.0.3, interval: 0.5 }').do[1]).toMatchObject({ argv: ['iperf3', '-s', '-p', '5001', '-i', '0.5', '--json', '-B', '10.0.0.3'] });
  });

  test('bind to an address the node does not have yet is allowed with ip_nonlocal_bind (e.g. a VRRP address)', () => {
    expect(action('{ bind: 10.0.0.100 }').do[1]).toMatchObject({ argv: expect.arrayContaining(['-B', '10.0.0.100']) });
  });
});
