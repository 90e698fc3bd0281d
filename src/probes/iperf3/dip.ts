/**
 * A TCP (iperf3) flow as a failover-gap record: its per-interval throughput on the lab's clock,
 * and the dip. An interval is "down" when its throughput is below a tenth of the median of the
 * intervals before the reference time (the fault; all intervals when fewer than 3 came before);
 * the outage is the time in down intervals, the longest gap the longest run of them, first loss
 * and recovery the start of the first and the end of the last run, relative to the reference
 * time. A test that ended before `untilMs` (its connection broke; more than two intervals before)
 * is down from its last interval to then. Resolution: one interval (0.1 s by default). Pure.
 */
import { round3 } from '../udp/analyze.js';
import type { Iperf3Flow } from './types.js';

export interface TcpDip {
  /** Intervals counted (sent) and intervals above the threshold (received); lost = down intervals. */
  sent: number;
  received: number;
  lost: number;
  rateHz: number;
  outageMs: number;
  maxGapMs: number;
  firstLossMs: number | null;
  recoveredMs: number | null;
  lossWindows: { startMs: number; endMs: number; count: number }[];
  intervals: { startMs: number; endMs: number; bps: number }[];
}

export const DOWN_FRACTION = 0.1;

export function tcpDip(f: Pick<Iperf3Flow, 'receiver' | 'sender' | 'startedMs'>, refMs: number, untilMs?: number): TcpDip {
  const usable = (l: Iperf3Flow['sender']) => (l ?? []).filter((i) => !i.omitted && i.endS > i.startS);
  const sent = usable(f.sender);
  // The receiver's intervals after the sender's last one are the stop (the client was told to end
  // and sent no more), not the path: a sender blocked by a dead path still reports its intervals.
  const senderEndS = sent.length ? sent.at(-1)!.endS : Infinity;
  const all = f.receiver?.length ? usable(f.receiver).filter((i) => i.startS < senderEndS - 1e-6) : sent;
  const nominal = all.length > 1 ? all[0]!.endS - all[0]!.startS : 0.1;
  // A test stopped by the harness ends with a partial interval (a few ms of a paced sender may
  // carry nothing): one shorter than half an interval says nothing about the path.
  const list = all.length > 1 && all.at(-1)!.endS - all.at(-1)!.startS < nominal / 2 ? all.slice(0, -1) : all;
  const at = (s: number) => round3(f.startedMs + s * 1000 - refMs);
  const intervals = list.map((i) => ({ startMs: at(i.startS), endMs: at(i.endS), bps: i.bitsPerSecond }));
  const step = list.length ? (list.at(-1)!.endS - list[0]!.startS) * 1000 / list.length : 100;
  // A test that ended early (its connection broke) is down until the flows stopped; one whose
  // last report is less than two intervals old merely stopped between reports.
  if (untilMs !== undefined && intervals.length && untilMs - intervals.at(-1)!.endMs > 2 * step) {
    for (let t = intervals.at(-1)!.endMs; t + step / 2 < untilMs; t += step) intervals.push({ startMs: round3(t), endMs: round3(t + step), bps: 0 });
  }
  const before = intervals.filter((i) => i.endMs <= 0);
  const sorted = (before.length >= 3 ? before : intervals).map((i) => i.bps).sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
  const down = intervals.map((i) => i.bps < median * DOWN_FRACTION);
  const windows: TcpDip['lossWindows'] = [];
  down.forEach((d, k) => {
    if (!d) return;
    const last = windows.at(-1);
    if (last && down[k - 1]) {
      last.endMs = intervals[k]!.endMs;
      last.count++;
    } else windows.push({ startMs: intervals[k]!.startMs, endMs: intervals[k]!.endMs, count: 1 });
  });
  const span = (w: { startMs: number; endMs: number }) => w.endMs - w.startMs;
  const lastDown = down.lastIndexOf(true);

  return {
    sent: intervals.length,
    received: down.filter((d) => !d).length,
    lost: down.filter(Boolean).length,
    rateHz: round3(1000 / step),
    outageMs: round3(windows.reduce((s, w) => s + span(w), 0)),
    maxGapMs: round3(Math.max(0, ...windows.map(span))),
    firstLossMs: windows[0]?.startMs ?? null,
    // Recovered when an interval above the threshold follows the last dip.
    recoveredMs: windows.length && lastDown < down.length - 1 ? windows.at(-1)!.endMs : null,
    lossWindows: windows,
    intervals,
  };
}
