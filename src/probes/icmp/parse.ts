/**
 * Reads `ping -n -D -O` output into sent and arrival records on the monotonic clock. Pure.
 *
 * -D stamps each line with the realtime clock when it is printed: a reply's arrival; its send time
 * is that minus the round trip it reports. Lost requests carry no stamp of their own, and ping
 * sends less often while nothing answers: they are spread evenly between the answered requests
 * around them (after the last answered one: one interval apart). Sequence numbers
 * wrap at 65536 and are unwrapped. Requests after the last line ping printed were still in flight
 * when it was stopped: they are not counted as sent.
 */
import type { Arrival, SentRecord } from '../udp/format.js';

export interface PingRecords {
  sent: SentRecord[];
  arrivals: Arrival[];
}

const LINE = /^\[(\d+\.\d+)\] (?:\d+ bytes from .*?icmp_seq=(\d+) .*?time=([\d.]+) ms|no answer yet for icmp_seq=(\d+))/;

/** `offsetMs`: monotonic ms minus realtime ms, measured when ping started. */
export function parsePing(text: string, intervalMs: number, offsetMs: number): PingRecords {
  const replies = new Map<number, { recvMs: number; sentMs: number }>();
  const seen: number[] = [];
  let last = -1;
  let wraps = 0;
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    let seq = Number(m[2] ?? m[4]) + wraps * 65536;
    if (last >= 0 && seq < last - 32768) {
      wraps++;
      seq += 65536;
    }
    last = Math.max(last, seq);
    seen.push(seq);
    if (m[2] !== undefined && !replies.has(seq)) {
      const recvMs = Number(m[1]) * 1000 + offsetMs;
      replies.set(seq, { recvMs, sentMs: recvMs - Number(m[3]) });
    }
  }
  if (!seen.length) return { sent: [], arrivals: [] };
  const answered = [...replies.keys()].sort((a, b) => a - b);
  const sent: SentRecord[] = [];
  let k = 0; // answered[k] is the first answered request at or after seq
  for (let seq = 1; seq <= last; seq++) {
    while (k < answered.length && answered[k]! < seq) k++;
    const r = replies.get(seq);
    if (r) {
      sent.push({ seq, sentMs: r.sentMs });
      continue;
    }
    const before = k > 0 ? answered[k - 1]! : undefined;
    const after = answered[k];
    let t: number;
    if (before !== undefined && after !== undefined) {
      const a = replies.get(before)!.sentMs;
      t = a + ((replies.get(after)!.sentMs - a) * (seq - before)) / (after - before);
    } else if (before !== undefined) t = replies.get(before)!.sentMs + (seq - before) * intervalMs;
    else if (after !== undefined) t = replies.get(after)!.sentMs - (after - seq) * intervalMs;
    else t = (seq - 1) * intervalMs; // nothing answered at all: only the count matters
    sent.push({ seq, sentMs: t });
  }
  const arrivals: Arrival[] = [...replies].map(([seq, r]) => ({ flow: 1, seq, sentMs: r.sentMs, recvMs: r.recvMs })).sort((a, b) => a.recvMs - b.recvMs);
  return { sent, arrivals };
}
