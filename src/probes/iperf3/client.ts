/**
 * Runs an iperf3 client inside a lab node's namespace against a server and returns the test as
 * typed records (types.ts), with the monotonic time the client process started, so that its
 * intervals can be placed on the lab's clock next to faults and control-plane events.
 */
import { spawn } from 'node:child_process';
import { monotonicMs } from '../../runtime/events.js';
import { inNetns, LAB_ENV } from '../../runtime/netns/proc.js';
import { classifyIperf3Error, parseIperf3Json, type Iperf3ErrorKind } from './parse.js';
import type { Iperf3Flow, Iperf3Report } from './types.js';

export interface Iperf3ClientOptions {
  /** Network namespace to run the client in. */
  ns: string;
  /** Server address. */
  dst: string;
  /** Default 5201 (iperf3's). */
  port?: number;
  udp?: boolean;
  /**
   * `-b`, e.g. `100M`, `500K`, `0` (unlimited). Default 100M for TCP, since an uncapped TCP flow
   * takes a whole core here and disturbs everything else (DESIGN.md), and 1M (iperf3's) for UDP.
   */
  bitrate?: string;
  /** `-t`, whole seconds (iperf3 3.12 truncates fractions). Default 10. */
  timeS?: number;
  /** `-i`, s (0.1 at least). Default 0.1. */
  intervalS?: number;
  /** `-R`: the server sends. */
  reverse?: boolean;
  /** `--get-server-output`: the server's intervals (the receiving side for a forward test). Default true. */
  serverOutput?: boolean;
  /** `--connect-timeout`, ms. Default 3000. */
  connectTimeoutMs?: number;
  /** Tags the client process with its lab (HALAB_LAB), so that `down` and the census see it. */
  lab?: string;
  /** Ends the test early (SIGINT: iperf3 reports what it measured so far). */
  signal?: AbortSignal;
}

export const DEFAULT_BITRATE = { tcp: '100M', udp: '1M' } as const;
export const DEFAULT_PORT = 5201;
export const DEFAULT_TIME_S = 10;
export const DEFAULT_INTERVAL_S = 0.1;

/** iperf3's rate syntax: a number with an optional K/M/G/T suffix (powers of 1000), in bits/s. */
export function parseBitrate(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([kKmMgGtT]?)$/.exec(text.trim());
  if (!m) return null;
  const mult: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
  return Number(m[1]) * mult[m[2]!.toLowerCase()]!;
}

/** What is wrong with these options, one message each; empty when they are fine. */
export function checkClientOptions(o: Omit<Iperf3ClientOptions, 'ns' | 'dst'>): string[] {
  const bad: string[] = [];
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 1 && o.port <= 65535)) bad.push(`port ${o.port} is not a port number (1-65535)`);
  if (o.bitrate !== undefined && parseBitrate(o.bitrate) === null) bad.push(`bitrate '${o.bitrate}' is not a rate (e.g. 100M, 500K, 1G; 0 for unlimited)`);
  if (o.timeS !== undefined && !(Number.isInteger(o.timeS) && o.timeS >= 1 && o.timeS <= 86400)) bad.push(`time ${o.timeS} must be a whole number of seconds from 1 to 86400 (iperf3 3.12 takes whole seconds)`);
  if (o.intervalS !== undefined && !(o.intervalS >= 0.1 && o.intervalS <= 60)) bad.push(`interval ${o.intervalS} s must be from 0.1 to 60 (iperf3's limits)`);
  if (o.connectTimeoutMs !== undefined && !(Number.isInteger(o.connectTimeoutMs) && o.connectTimeoutMs > 0)) bad.push(`connect timeout ${o.connectTimeoutMs} ms must be a positive whole number`);
  return bad;
}

/** iperf3's TCP write size (`-l`) when none is given: 128 KiB. */
const TCP_BLOCK_BYTES = 128 * 1024;

/**
 * A TCP write size that puts at least 8 writes in each report interval, or null for iperf3's own.
 * A paced sender writes whole blocks: at 10 Mbit/s, 128 KiB blocks come 9.5 times a second, so one
 * 0.1 s interval in 22 sees none, at either end, and would read as a dip to nothing.
 */
export function tcpBlockBytes(bitrate: string, intervalS: number): number | null {
  const bps = parseBitrate(bitrate);
  if (!bps) return null;
  const bytes = Math.max(1024, Math.floor((bps * intervalS) / 8 / 8));
  return bytes < TCP_BLOCK_BYTES ? bytes : null;
}

/** The client's command line (without the namespace). */
export function clientArgv(o: Omit<Iperf3ClientOptions, 'ns' | 'lab'>): string[] {
  const block = o.udp ? null : tcpBlockBytes(o.bitrate ?? DEFAULT_BITRATE.tcp, o.intervalS ?? DEFAULT_INTERVAL_S);
  return [
    'iperf3',
    '-c', o.dst,
    '-p', String(o.port ?? DEFAULT_PORT),
    ...(o.udp ? ['-u'] : []),
    '-b', o.bitrate ?? (o.udp ? DEFAULT_BITRATE.udp : DEFAULT_BITRATE.tcp),
    '-t', String(o.timeS ?? DEFAULT_TIME_S),
    '-i', String(o.intervalS ?? DEFAULT_INTERVAL_S),
    ...(block !== null ? ['-l', String(block)] : []),
    ...(o.reverse ? ['-R'] : []),
    '--json',
    ...(o.serverOutput === false ? [] : ['--get-server-output']),
    '--connect-timeout', String(o.connectTimeoutMs ?? 3000),
  ];
}

/** The client could not run a test (no intervals at all): why, as iperf3 or the system said. */
export class Iperf3Error extends Error {
  constructor(
    readonly kind: Iperf3ErrorKind,
    message: string,
    readonly report: Iperf3Report | null = null,
  ) {
    super(message);
  }
}

/**
 * Run one test. Resolves with the flow when iperf3 reported intervals (then `error` may still
 * be set, e.g. when the test broke off half-way); rejects with an Iperf3Error when no test ran
 * (connection refused, server busy, unreachable, namespace missing...).
 */
export async function runIperf3(o: Iperf3ClientOptions): Promise<Iperf3Flow> {
  const problems = checkClientOptions(o);
  if (problems.length) throw new Iperf3Error('other', problems.join('; '));
  const argv = clientArgv(o);
  const full = inNetns(o.ns, argv);
  const env = { ...process.env, ...(o.lab ? { [LAB_ENV]: o.lab } : {}) };
  let startedMs = NaN;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const { code, exitedMs } = await new Promise<{ code: number | null; exitedMs: number }>((resolve, reject) => {
    const child = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.once('spawn', () => {
      startedMs = monotonicMs();
    });
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    // iperf3 ends by itself after -t; this only guards against a peer that vanished mid-test.
    // SIGINT makes iperf3 print what it has measured so far.
    const limitMs = ((o.timeS ?? DEFAULT_TIME_S) + 15) * 1000 + (o.connectTimeoutMs ?? 3000);
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    }, limitMs);
    o.signal?.addEventListener('abort', () => child.kill('SIGINT'), { once: true });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Iperf3Error('other', `cannot start ${full[0]}: ${e.message}`));
    });
    child.once('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, exitedMs: monotonicMs() });
    });
  });
  const stdout = Buffer.concat(out).toString();
  const stderr = Buffer.concat(err).toString().trim();
  let report: Iperf3Report;
  try {
    report = parseIperf3Json(stdout, { protocol: o.udp ? 'udp' : 'tcp', reverse: !!o.reverse });
  } catch (e) {
    throw new Iperf3Error('other', `iperf3 client failed (exit ${code ?? 'signal'}): ${stderr || (e as Error).message}`);
  }
  if (report.error !== null && !report.sender?.length && !report.receiver?.length) throw new Iperf3Error(classifyIperf3Error(report.error), report.error, report);
  return { ...report, ns: o.ns, dst: o.dst, port: o.port ?? DEFAULT_PORT, argv, startedMs, exitedMs };
}
