/**
 * Pure parsing of iperf3 3.12's `--json` output into typed records (types.ts). Unit-tested on
 * JSON captured from real runs (test/fixtures/iperf3/).
 */
import type { Endpoint, Iperf3Interval, Iperf3Report, Iperf3Totals } from './types.js';

/** The text is not iperf3 JSON at all (iperf3's own errors come as a report with `error`). */
export class Iperf3ParseError extends Error {}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

function num(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Iperf3ParseError(`${where}.${key} is not a number: ${JSON.stringify(v)}`);
  return v;
}

function optNum(o: Obj, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** iperf3 prints one JSON object; tolerate text around it (e.g. a warning line). */
function parseDocument(text: string): Obj {
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first < 0 || last < first) throw new Iperf3ParseError(`no JSON object in iperf3's output: ${JSON.stringify(text.trim().slice(0, 200))}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text.slice(first, last + 1));
  } catch (e) {
    throw new Iperf3ParseError(`iperf3's output is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObj(doc) || !isObj(doc.start) || !Array.isArray(doc.intervals)) throw new Iperf3ParseError('not iperf3 JSON output (no start and intervals)');
  return doc;
}

function intervals(list: unknown, side: 'sender' | 'receiver', udp: boolean, where: string): Iperf3Interval[] {
  if (!Array.isArray(list)) return [];
  return list.map((raw, i) => {
    const at = `${where}[${i}].sum`;
    const s = obj(obj(raw).sum);
    const iv: Iperf3Interval = {
      startS: num(s, 'start', at),
      endS: num(s, 'end', at),
      bytes: num(s, 'bytes', at),
      bitsPerSecond: num(s, 'bits_per_second', at),
      omitted: s.omitted === true,
    };
    if (!udp && side === 'sender') {
      const r = optNum(s, 'retransmits');
      if (r !== undefined) iv.retransmits = r;
    }
    if (udp) {
      const p = optNum(s, 'packets');
      if (p !== undefined) iv.packets = p;
      if (side === 'receiver') {
        const lost = optNum(s, 'lost_packets');
        const jitter = optNum(s, 'jitter_ms');
        if (lost !== undefined) iv.lostPackets = lost;
        if (jitter !== undefined) iv.jitterMs = jitter;
      }
    }
    return iv;
  });
}

/** Round-trip times from the sender's streams (`end.streams[].sender`), where the kernel gave them. */
function rtt(...ends: Obj[]): Iperf3Totals['rttUs'] {
  const senders = ends.flatMap((e) => (Array.isArray(e.streams) ? e.streams : []).map((s) => obj(obj(s).sender))).filter((s) => typeof s.mean_rtt === 'number');
  if (!senders.length) return undefined;
  const all = (k: string) => senders.map((s) => s[k] as number);
  return { min: Math.min(...all('min_rtt')), mean: all('mean_rtt').reduce((a, b) => a + b, 0) / senders.length, max: Math.max(...all('max_rtt')) };
}

function totals(end: Obj, serverEnd: Obj, udp: boolean): Iperf3Totals | null {
  if (!isObj(end.sum_sent) || !isObj(end.sum_received)) return null;
  const sent = end.sum_sent;
  const recv = end.sum_received;
  const t: Iperf3Totals = {
    seconds: num(sent, 'seconds', 'end.sum_sent'),
    sentBytes: num(sent, 'bytes', 'end.sum_sent'),
    sentBitsPerSecond: num(sent, 'bits_per_second', 'end.sum_sent'),
    receivedBytes: num(recv, 'bytes', 'end.sum_received'),
    receivedBitsPerSecond: num(recv, 'bits_per_second', 'end.sum_received'),
  };
  if (!udp) {
    const r = optNum(sent, 'retransmits');
    if (r !== undefined) t.retransmits = r;
    const times = rtt(end, serverEnd);
    if (times) t.rttUs = times;
  } else {
    const packets = optNum(sent, 'packets');
    const counted = optNum(recv, 'packets');
    const lost = optNum(recv, 'lost_packets');
    if (packets !== undefined) t.packets = packets;
    if (counted !== undefined) t.receivedPackets = counted - (lost ?? 0);
    if (lost !== undefined) t.lostPackets = lost;
    const pct = optNum(recv, 'lost_percent');
    if (pct !== undefined) t.lostPercent = pct;
    const jitter = optNum(recv, 'jitter_ms');
    if (jitter !== undefined) t.jitterMs = jitter;
  }
  return t;
}

function endpoints(start: Obj): { local: Endpoint | null; remote: Endpoint | null } {
  const c = Array.isArray(start.connected) ? obj(start.connected[0]) : {};
  const ep = (h: unknown, p: unknown): Endpoint | null => (typeof h === 'string' && typeof p === 'number' ? { host: h, port: p } : null);
  return { local: ep(c.local_host, c.local_port), remote: ep(c.remote_host, c.remote_port) };
}

/**
 * Parse the client's `--json` output. `expect` gives the protocol and direction the client was
 * asked for, used when iperf3 failed before it reported them (e.g. connection refused).
 */
export function parseIperf3Json(text: string, expect: { protocol?: 'tcp' | 'udp'; reverse?: boolean } = {}): Iperf3Report {
  const doc = parseDocument(text);
  const start = obj(doc.start);
  const ts = obj(start.test_start);
  const protocol = typeof ts.protocol === 'string' ? (ts.protocol.toLowerCase() === 'udp' ? 'udp' : 'tcp') : (expect.protocol ?? 'tcp');
  const udp = protocol === 'udp';
  const reverse = typeof ts.reverse === 'number' ? ts.reverse !== 0 : !!expect.reverse;
  const local = reverse ? 'receiver' : 'sender';
  const remote = reverse ? 'sender' : 'receiver';
  // The server's report, when the client asked for it and the server speaks JSON.
  const server = isObj(doc.server_output_json) ? doc.server_output_json : null;
  const mine = intervals(doc.intervals, local, udp, 'intervals');
  const theirs = server ? intervals(server.intervals, remote, udp, 'server_output_json.intervals') : null;
  return {
    version: typeof start.version === 'string' ? start.version : 'unknown',
    protocol,
    reverse,
    ...endpoints(start),
    targetBitsPerSecond: optNum(start, 'target_bitrate') ?? optNum(ts, 'target_bitrate') ?? 0,
    durationS: optNum(ts, 'duration') ?? 0,
    blockSize: optNum(ts, 'blksize') ?? 0,
    sender: local === 'sender' ? mine : theirs,
    receiver: local === 'receiver' ? mine : theirs,
    totals: totals(obj(doc.end), server ? obj(server.end) : {}, udp),
    error: typeof doc.error === 'string' ? doc.error : null,
  };
}

export type Iperf3ErrorKind = 'refused' | 'busy' | 'unreachable' | 'timeout' | 'interrupted' | 'other';

/** What an iperf3 error message means, for a message that says what to do. */
export function classifyIperf3Error(message: string): Iperf3ErrorKind {
  const m = message.toLowerCase();
  if (m.includes('connection refused')) return 'refused';
  if (m.includes('server is busy')) return 'busy';
  if (m.includes('unreachable') || m.includes('no route to host')) return 'unreachable';
  if (m.includes('timed out') || m.includes('timeout')) return 'timeout';
  if (m.includes('interrupt')) return 'interrupted';
  return 'other';
}
