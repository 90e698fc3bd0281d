/**
 * The orchestrator's decisions, without I/O: what a line of `ping -O` says about the master, when
 * missed replies add up to a failure, what a TOR controller reply means (go on polling, done,
 * give up, retry), and the document's request bodies. The agent (src/agents/orchestrator.ts)
 * does the I/O around it.
 */
import type { OrchestratorConfig } from './options.js';

/** One probe of the master: answered or not, by ICMP sequence number. */
export interface Probe {
  seq: number;
  ok: boolean;
}

/**
 * A line of iputils `ping -O -n`: `64 bytes from 10.0.0.11: icmp_seq=5 ttl=64 time=0.3 ms` is a
 * reply; `no answer yet for icmp_seq=6` (printed when the next echo goes out unanswered) and
 * `From 10.0.0.2 icmp_seq=7 Destination Host Unreachable` are misses. Anything else: null.
 */
export function parsePingLine(line: string): Probe | null {
  const m = /icmp_seq=(\d+)/.exec(line);
  if (!m) return null;
  const seq = Number(m[1]);
  if (/^\d+ bytes from /.test(line.trim()) && !/\(DUP!\)/.test(line)) return { seq, ok: true };
  if (/no answer yet|Unreachable|Time to live exceeded|Redirect/i.test(line)) return { seq, ok: false };
  return null;
}

export interface Detection {
  /** Consecutive probes missed. */
  misses: number;
  /** When the last reply came (monotonic ms); null if none since arming. */
  lastReplyMs: number | null;
  /** When the first of the missed probes was reported missing. */
  firstMissMs: number;
}

/**
 * N consecutive misses = the master has failed. The detector arms on the first reply (a master
 * that was never seen alive is not failing over), counts each sequence number once (ping may
 * report a probe as unanswered and later as unreachable), and fires once.
 */
export class Detector {
  armed = false;
  fired = false;
  consecutive = 0;
  lastReplyMs: number | null = null;
  private firstMissMs = 0;
  private readonly counted = new Set<number>();

  constructor(readonly misses: number) {}

  observe(p: Probe, tMs: number): Detection | null {
    if (this.fired) return null;
    if (p.ok) {
      this.armed = true;
      this.consecutive = 0;
      this.lastReplyMs = tMs;
      this.counted.clear();
      return null;
    }
    if (!this.armed || this.counted.has(p.seq)) return null;
    this.counted.add(p.seq);
    if (this.consecutive === 0) this.firstMissMs = tMs;
    this.consecutive++;
    if (this.consecutive < this.misses) return null;
    this.fired = true;
    return { misses: this.consecutive, lastReplyMs: this.lastReplyMs, firstMissMs: this.firstMissMs };
  }
}

/** What to do with the controller's answer to a request (init or fail-over). */
export type AcceptOutcome = { kind: 'accepted' } | { kind: 'rejected'; reason: string } | { kind: 'retry'; reason: string };

/** What to do with the controller's answer to a result poll. */
export type PollOutcome =
  | { kind: 'pending' }
  | { kind: 'success'; elapsedMs: number | null }
  | { kind: 'failed'; reason: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'retry'; reason: string };

const errorOf = (body: unknown) => (typeof body === 'object' && body !== null && typeof (body as Record<string, unknown>)['error'] === 'string' ? String((body as Record<string, unknown>)['error']) : JSON.stringify(body));

/** `status` null: no HTTP answer at all (connection refused, timeout), described by `error`. */
export function classifyAccept(status: number | null, body: unknown, error?: string): AcceptOutcome {
  if (status === null) return { kind: 'retry', reason: error ?? 'no answer' };
  if (status === 202 || status === 200) return { kind: 'accepted' };
  if (status >= 400 && status < 500) return { kind: 'rejected', reason: `${status}: ${errorOf(body)}` };
  return { kind: 'retry', reason: `${status}: ${errorOf(body)}` };
}

export function classifyPoll(status: number | null, body: unknown, error?: string): PollOutcome {
  if (status === null) return { kind: 'retry', reason: error ?? 'no answer' };
  if (status >= 400 && status < 500) return { kind: 'rejected', reason: `${status}: ${errorOf(body)}` };
  if (status !== 200 || typeof body !== 'object' || body === null) return { kind: 'retry', reason: `${status}: ${errorOf(body)}` };
  const b = body as Record<string, unknown>;
  switch (b['status']) {
    case 'pending':
      return { kind: 'pending' };
    case 'success':
      return { kind: 'success', elapsedMs: typeof b['elapsed_ms'] === 'number' ? b['elapsed_ms'] : null };
    case 'failed':
      return { kind: 'failed', reason: typeof b['reason'] === 'string' ? b['reason'] : 'no reason given' };
    default:
      return { kind: 'retry', reason: `unexpected status ${JSON.stringify(b['status'])}` };
  }
}

/** The document's request body (request_nfv_ha_init and request_nfv_ha_failover take the same). */
export function haRequestBody(c: Pick<OrchestratorConfig, 'vmName' | 'master' | 'slave' | 'currentVlans'>, reqId: string) {
  return {
    req_id: reqId,
    vm_name: c.vmName,
    master_switch_physical_port: c.master.port,
    slave_switch_physical_port: c.slave.port,
    current_vlans: c.currentVlans,
  };
}

/** The k-th result poll (k >= 1) of a request accepted at `acceptedMs`: one period after another. */
export function pollAt(acceptedMs: number, k: number, periodMs: number): number {
  return acceptedMs + k * periodMs;
}

/** A req_id in the document's shape (four groups of four hex digits) from 8 random bytes. */
export function newReqId(bytes: Uint8Array): string {
  const hex = [...bytes.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return hex.match(/.{4}/g)!.join('-');
}
