import { describe, expect, test } from 'vitest';
import { parsePing } from '../../src/probes/icmp/parse.js';
import { timeOutageMs } from '../../src/probes/timed-flow.js';
import { analyzeFlow } from '../../src/probes/udp/analyze.js';

/** ping -D lines: realtime seconds with µs, as iputils prints them. */
const reply = (t: number, seq: number, rtt = 0.5) => `[${(t / 1000).toFixed(6)}] 64 bytes from 10.0.0.1: icmp_seq=${seq} ttl=64 time=${rtt} ms`;
const noAnswer = (t: number, seq: number) => `[${(t / 1000).toFixed(6)}] no answer yet for icmp_seq=${seq}`;

describe('parsePing', () => {
  test('replies become arrivals on the monotonic clock, send time = arrival - rtt', () => {
    const out = ['PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.', reply(1_000_000, 1), reply(1_000_010, 2, 1)].join('\n');
    const r = parsePing(out, 10, -999_000);
    expect(r.arrivals.map((a) => [a.seq, a.recvMs, a.sentMs])).toEqual([
      [1, 1000, 999.5],
      [2, 1010, 1009],
    ]);
    expect(r.sent.length).toBe(2);
  });

  test('lost requests are spread between the answered ones around them (ping slows down while unanswered)', () => {
    // 10 ms interval, then 3 unanswered requests over 400 ms (backing off), then answers again.
    const lines = [reply(0, 1, 0), reply(10, 2, 0), noAnswer(20, 3), noAnswer(120, 4), noAnswer(320, 5), reply(420, 6, 0), reply(430, 7, 0)];
    const r = parsePing(lines.join('\n'), 10, 0);
    expect(r.sent.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.sent.slice(2, 5).map((s) => s.sentMs)).toEqual([112.5, 215, 317.5]);
    const stats = analyzeFlow({ rateHz: 100, sent: r.sent, arrivals: r.arrivals, refMs: 0 });
    expect(stats.lost).toBe(3);
    // By count it would be 30 ms; by time it is from the first lost request to the next answered one.
    expect(stats.outageMs).toBe(30);
    expect(timeOutageMs(stats.lossWindows, r.sent, 100)).toBe(420 - 112.5);
  });

  test('sequence numbers wrap at 65536', () => {
    const r = parsePing([reply(0, 65535, 0), reply(10, 0, 0), reply(20, 1, 0)].join('\n'), 10, 0);
    expect(r.arrivals.map((a) => a.seq)).toEqual([65535, 65536, 65537]);
  });

  test('nothing printed: no records', () => {
    expect(parsePing('PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.\n', 10, 0)).toEqual({ sent: [], arrivals: [] });
  });
});
