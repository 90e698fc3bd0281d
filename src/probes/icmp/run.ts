/**
 * An ICMP flow: `ping` in a node at a fixed interval until stopped, read back as a flow
 * (parse.ts) and analyzed like a UDP probe direction (round trips: a loss is a request or its
 * reply lost). Its outage is time-based, not lost packets / rate: ping sends less often while
 * nothing answers, so each loss window counts from its first lost request to the next answered one.
 */
import { spawn } from 'node:child_process';
import { monotonicMs } from '../../runtime/events.js';
import { inNetns, LAB_ENV } from '../../runtime/netns/proc.js';
import { analyzeFlow, round3, type FlowStats, type LossWindow } from '../udp/analyze.js';
import type { SentRecord } from '../udp/format.js';
import { parsePing } from './parse.js';

export interface PingFlow {
  /** Replies so far, and ms since the last one. */
  progress(): { received: number; sinceLastMs: number | null };
  stop(refMs: number): Promise<FlowStats>;
}

export function startPing(o: { lab: string; ns: string; dst: string; rateHz: number }): PingFlow {
  const intervalMs = 1000 / o.rateHz;
  const offsetMs = monotonicMs() - Date.now();
  const argv = inNetns(o.ns, ['ping', '-n', '-D', '-O', '-i', (intervalMs / 1000).toFixed(3), '-W', '1', o.dst]);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [LAB_ENV]: o.lab } });
  let out = '';
  let stderr = '';
  let received = 0;
  let lastMs: number | null = null;
  child.stdout.on('data', (d: Buffer) => {
    const s = d.toString();
    out += s;
    const n = s.match(/bytes from/g)?.length ?? 0;
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
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
      const { sent, arrivals } = parsePing(out, intervalMs, offsetMs);
      if (!sent.length) throw new Error(`ping ${o.dst} in ${o.ns} printed nothing${stderr ? `: ${stderr.trim()}` : ''}`);
      const stats = analyzeFlow({ rateHz: o.rateHz, sent, arrivals, refMs });
      return { ...stats, outageMs: timeOutageMs(stats.lossWindows, sent, o.rateHz) };
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
