/**
 * An ICMP flow: `ping` in a node at a fixed interval until stopped, read back as a flow
 * (parse.ts) and analyzed like a UDP probe direction (round trips: a loss is a request or its
 * reply lost).
 */
import { spawn } from 'node:child_process';
import { monotonicMs } from '../../runtime/events.js';
import { inNetns, LAB_ENV } from '../../runtime/netns/proc.js';
import { analyzeFlow, type FlowStats } from '../udp/analyze.js';
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
      return analyzeFlow({ rateHz: o.rateHz, sent, arrivals, refMs });
    },
  };
}
