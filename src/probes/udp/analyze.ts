/**
 * Failover-gap analysis of one probe flow (one direction), from what the sender sent and what the
 * receiver got. Pure.
 *
 * - lost: packets the sender sent that never arrived; outageMs = lost * 1000 / rateHz (loss-derived
 *   outage, RFC 6413 style): its resolution is one probe interval, and it does not depend on when
 *   the receiver happened to run.
 * - maxGapMs: the longest interval between consecutive arrivals (receiver's clock), with where it
 *   began (`maxGapAtMs`). Only arrivals count: loss after the last arrival is no gap between
 *   arrivals (`recoveredMs` is null then).
 * - firstLossMs: send time of the first lost packet, relative to the reference time (the fault,
 *   or else the probe start); recoveredMs: arrival time of the first packet received after the
 *   last lost one (the end of the last outage), relative to the same reference. Both null when
 *   nothing was lost; recoveredMs also null when the flow never recovered (loss up to the end).
 * - reordered: arrivals whose sequence number is below one that arrived before (RFC 4737's
 *   "reordered" packets); duplicated: arrivals of a packet that had arrived already.
 * - lossWindows: each run of consecutive lost packets, by send time, relative to the reference.
 * - sendLagMs: how late the sender was at worst (actual send time against its schedule, first
 *   packet + seq / rate). A sender that stalls sends the packets it owes in a burst afterwards,
 *   so a loss window measured in packets can be off by that much: the outage's uncertainty is
 *   one probe interval plus this lag.
 *
 * Times are rounded to µs (3 decimals), as the records carry them.
 */
import type { Arrival, SentRecord } from './format.js';

export interface LossWindow {
  /** First and last lost sequence number of the run. */
  fromSeq: number;
  toSeq: number;
  count: number;
  /** Send times of the first and last lost packet, relative to the reference. */
  startMs: number;
  endMs: number;
  /** count * 1000 / rateHz */
  outageMs: number;
}

export interface FlowStats {
  rateHz: number;
  sent: number;
  /** Distinct packets received (duplicates not counted). */
  received: number;
  lost: number;
  outageMs: number;
  maxGapMs: number;
  /** Arrival time (relative) of the packet that began the longest gap; null with fewer than 2 arrivals. */
  maxGapAtMs: number | null;
  firstLossMs: number | null;
  recoveredMs: number | null;
  reordered: number;
  duplicated: number;
  /** Worst lateness of a send against the sender's schedule, ms (0: on time). */
  sendLagMs: number;
  /** Arrivals whose sequence number the sender never recorded (not counted as received). */
  unexpected: number;
  lossWindows: LossWindow[];
}

export interface FlowInput {
  rateHz: number;
  sent: readonly SentRecord[];
  /** This flow's arrivals, in arrival order. */
  arrivals: readonly Arrival[];
  /** Times are reported relative to this (monotonic ms): the fault, or else the probe start. */
  refMs: number;
}

export const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Packets still in flight when a probe was stopped are not lost: when nothing sent after the
 * last arrival left before the sender's last `tailMs`, those packets are dropped from `sent`.
 * (Under heavy load a receiver can be stopped before it read the last few; counting them lost
 * made a flow look as if it had never recovered.) A real outage that lasts to the end starts
 * earlier than the tail and is kept whole.
 */
export function trimInFlight(sent: readonly SentRecord[], arrivals: readonly Arrival[], tailMs: number): SentRecord[] {
  if (!sent.length) return [];
  const lastSeq = arrivals.reduce((m, a) => Math.max(m, a.seq), -Infinity);
  const endMs = sent.reduce((m, s) => Math.max(m, s.sentMs), -Infinity);
  const after = sent.filter((s) => s.seq > lastSeq);
  if (!after.length || Math.min(...after.map((s) => s.sentMs)) < endMs - tailMs) return [...sent];
  return sent.filter((s) => s.seq <= lastSeq);
}

export function analyzeFlow({ rateHz, sent, arrivals, refMs }: FlowInput): FlowStats {
  const rel = (t: number) => round3(t - refMs);
  const order = [...sent].sort((a, b) => a.seq - b.seq);
  const sentSeqs = new Set(order.map((s) => s.seq));

  // Arrivals in arrival order: duplicates, reordering, gaps.
  const byArrival = [...arrivals].sort((a, b) => a.recvMs - b.recvMs);
  const seen = new Map<number, number>(); // seq -> first arrival time
  let duplicated = 0;
  let reordered = 0;
  let unexpected = 0;
  let highest = -1;
  let maxGapMs = 0;
  let maxGapAt: number | null = null;
  for (let i = 0; i < byArrival.length; i++) {
    const a = byArrival[i]!;
    if (i > 0) {
      // Rounded to µs before comparing: equal gaps then are equal, and the first one wins.
      const gap = round3(a.recvMs - byArrival[i - 1]!.recvMs);
      if (gap > maxGapMs || maxGapAt === null) {
        maxGapMs = gap;
        maxGapAt = byArrival[i - 1]!.recvMs;
      }
    }
    if (seen.has(a.seq)) {
      duplicated++;
      continue;
    }
    seen.set(a.seq, a.recvMs);
    if (!sentSeqs.has(a.seq)) unexpected++;
    if (a.seq < highest) reordered++;
    else highest = a.seq;
  }

  // Sent packets in send order: loss and its windows.
  const windows: LossWindow[] = [];
  let open: { from: SentRecord; to: SentRecord; count: number } | null = null;
  const close = () => {
    if (!open) return;
    windows.push({ fromSeq: open.from.seq, toSeq: open.to.seq, count: open.count, startMs: rel(open.from.sentMs), endMs: rel(open.to.sentMs), outageMs: round3((open.count * 1000) / rateHz) });
    open = null;
  };
  let lost = 0;
  for (const s of order) {
    if (seen.has(s.seq)) {
      close();
      continue;
    }
    lost++;
    if (open) {
      open.to = s;
      open.count++;
    } else open = { from: s, to: s, count: 1 };
  }
  close();

  let sendLagMs = 0;
  if (order.length) {
    const first = order[0]!;
    for (const s of order) sendLagMs = Math.max(sendLagMs, s.sentMs - (first.sentMs + ((s.seq - first.seq) * 1000) / rateHz));
  }

  let recoveredMs: number | null = null;
  if (windows.length) {
    const lastLost = windows.at(-1)!.toSeq;
    let first = Infinity;
    for (const [seq, t] of seen) if (seq > lastLost && sentSeqs.has(seq) && t < first) first = t;
    if (first < Infinity) recoveredMs = rel(first);
  }

  return {
    rateHz,
    sent: order.length,
    received: seen.size - unexpected,
    lost,
    outageMs: round3((lost * 1000) / rateHz),
    maxGapMs: round3(maxGapMs),
    maxGapAtMs: maxGapAt === null ? null : rel(maxGapAt),
    firstLossMs: windows.length ? windows[0]!.startMs : null,
    recoveredMs,
    reordered,
    duplicated,
    sendLagMs: round3(sendLagMs),
    unexpected,
    lossWindows: windows,
  };
}
