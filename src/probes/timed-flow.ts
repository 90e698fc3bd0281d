/**
 * A flow read from a client program's output (ping, the http-probe agent): started in a node,
 * stopped by a signal, its output turned into sent and arrival records and analyzed like a UDP
 * probe direction. Its outage is time-based, not lost requests / rate: such clients send less
 * often, or not at all, while nothing answers, so each loss window counts from its first lost
 * request to the next answered one.
 */
import { spawn } from 'node:child_process';
import { monotonicMs } from '../runtime/events.js';
import { LAB_ENV } from '../runtime/netns/proc.js';
import { analyzeFlow, round3, type FlowStats, type LossWindow } from './udp/analyze.js';
import type { Arrival, SentRecord } from './udp/format.js';

export interface TimedFlow {
  /** Answers so far, and ms since the last one. */
  progress(): { received: number; sinceLastMs: number | null };
  stop(refMs: number): Promise<TimedFlowStats>;
}

/** An HTTP flow also tells who answered (the first line of each body) and how often. */
export type TimedFlowStats = FlowStats & { answeredBy?: { by: string; count: number }[] };

export interface TimedFlowSpec {
  lab: string;
  /** The client, already wrapped to run in the node's namespace. */
  argv: string[];
  rateHz: number;
  signal: NodeJS.Signals;
  /** How many answers a chunk of output reports (for the live display). */
  answers(chunk: string): number;
  parse(out: string): { sent: SentRecord[]; arrivals: Arrival[]; answeredBy?: { by: string; count: number }[] };
  /** For errors: what ran. */
  what: string;
}

export function startTimedFlow(o: TimedFlowSpec): TimedFlow {
  const child = spawn(o.argv[0]!, o.argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [LAB_ENV]: o.lab } });
  let out = '';
  let stderr = '';
  let received = 0;
  let lastMs: number | null = null;
  child.stdout.on('data', (d: Buffer) => {
    const s = d.toString();
    out += s;
    const n = o.answers(s);
    if (n) {
      received += n;
      lastMs = monotonicMs();
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  return {
    progress: () => ({ received, sinceLastMs: lastMs === null ? null : monotonicMs() - lastMs }),
    async stop(refMs) {
      if (child.exitCode === null) child.kill(o.signal);
      await exited;
      const { sent, arrivals, answeredBy } = o.parse(out);
      if (!sent.length) throw new Error(`${o.what} printed nothing${stderr ? `: ${stderr.trim()}` : ''}`);
      const stats = analyzeFlow({ rateHz: o.rateHz, sent, arrivals, refMs });
      return { ...stats, outageMs: timeOutageMs(stats.lossWindows, sent, o.rateHz), ...(answeredBy ? { answeredBy } : {}) };
    },
  };
}

/** Each loss window from its first lost request to the request after it (answered), summed; ms. */
export function timeOutageMs(windows: readonly LossWindow[], sent: readonly SentRecord[], rateHz: number): number {
  const bySeq = new Map(sent.map((s) => [s.seq, s.sentMs]));
  let total = 0;
  for (const w of windows) {
    const start = bySeq.get(w.fromSeq)!;
    const next = bySeq.get(w.toSeq + 1);
    total += next !== undefined ? next - start : bySeq.get(w.toSeq)! - start + 1000 / rateHz;
  }
  return round3(total);
}
