/**
 * Reads `ping -n -D -O` output into sent and arrival records on the monotonic clock. Pure.
 *
 * -D stamps each line with the realtime clock when it is printed: a reply's arrival; its send time
 * is that minus the round trip it reports. Lost requests carry no stamp of their own: they are
 * placed on the ping's schedule (one per interval) from the first answered one. Sequence numbers
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
  const first = [...replies.keys()].reduce((a, b) => Math.min(a, b), Infinity);
  const base = replies.size ? replies.get(first)!.sentMs - (first - 1) * intervalMs : 0;
  const sent: SentRecord[] = [];
  for (let seq = 1; seq <= last; seq++) sent.push({ seq, sentMs: replies.get(seq)?.sentMs ?? base + (seq - 1) * intervalMs });
  const arrivals: Arrival[] = [...replies].map(([seq, r]) => ({ flow: 1, seq, sentMs: r.sentMs, recvMs: r.recvMs })).sort((a, b) => a.recvMs - b.recvMs);
  return { sent, arrivals };
}
