import { expect, test } from 'vitest';
import { tcpDip } from '../../src/probes/iperf3/dip.js';
import type { Iperf3Interval } from '../../src/probes/iperf3/types.js';

const iv = (startS: number, bps: number): Iperf3Interval => ({ startS, endS: startS + 0.1, bytes: bps / 80, bitsPerSecond: bps, omitted: false });

test('the dip: intervals below a tenth of the median, on the lab clock relative to the fault', () => {
  // 20 Mbit/s, then 5 intervals at (almost) nothing from 1.0 s, then back.
  const receiver = Array.from({ length: 30 }, (_, k) => iv(k / 10, k >= 10 && k < 15 ? (k === 14 ? 1e6 : 0) : 20e6));
  const d = tcpDip({ receiver, sender: null, startedMs: 5000 }, 5950);
  expect(d.sent).toBe(30);
  expect(d.lost).toBe(5);
  expect(d.received).toBe(25);
  expect(d.outageMs).toBeCloseTo(500, 6);
  expect(d.maxGapMs).toBeCloseTo(500, 6);
  expect(d.firstLossMs).toBeCloseTo(50, 6); // 5000 + 1000 - 5950
  expect(d.recoveredMs).toBeCloseTo(550, 6);
  expect(d.lossWindows).toHaveLength(1);
  expect(d.intervals[0]).toEqual({ startMs: -950, endMs: -850, bps: 20e6 });
  expect(d.rateHz).toBeCloseTo(10, 6);
});

test('a dip to the end is not recovered; the sender side stands in when the receiver is missing', () => {
  const sender = Array.from({ length: 10 }, (_, k) => iv(k / 10, k >= 7 ? 0 : 10e6));
  const d = tcpDip({ receiver: null, sender, startedMs: 0 }, 0);
  expect(d.lost).toBe(3);
  expect(d.recoveredMs).toBeNull();
});

test('no dip: no loss windows, nothing to recover', () => {
  const d = tcpDip({ receiver: Array.from({ length: 5 }, (_, k) => iv(k / 10, 10e6)), sender: null, startedMs: 0 }, 0);
  expect([d.lost, d.outageMs, d.firstLossMs, d.recoveredMs]).toEqual([0, 0, null, null]);
});

test('a test whose connection broke is down to the end; the threshold comes from before the fault', () => {
  // 2 s at 10 Mbit/s, the fault at 2 s, nothing for 4 s, then iperf3 gave up (no more intervals);
  // the flows stopped at 10 s. Most intervals are 0: the median of all would be 0.
  const receiver = Array.from({ length: 60 }, (_, k) => iv(k / 10, k < 20 ? 10e6 : 0));
  const d = tcpDip({ receiver, sender: null, startedMs: 0 }, 2000, 8000);
  expect(d.intervals.at(-1)!.endMs).toBeCloseTo(8000, 6);
  expect(d.lost).toBe(80); // 40 measured at 0 bit/s, 40 after iperf3 gave up
  expect(d.outageMs).toBeCloseTo(8000, 6);
  expect(d.recoveredMs).toBeNull();
});

test('a test stopped by the harness: its short last interval and the last moments before the stop are no dip', () => {
  // 2 s at 10 Mbit/s, then a 10 ms interval with nothing (the stop cut it); flows stopped 90 ms
  // after the last full interval (times relative to the fault at 1000).
  const receiver = [...Array.from({ length: 20 }, (_, k) => iv(k / 10, 10e6)), { startS: 2, endS: 2.01, bytes: 0, bitsPerSecond: 0, omitted: false }];
  const d = tcpDip({ receiver, sender: null, startedMs: 0 }, 1000, 1090);
  expect(d.lost).toBe(0);
  expect(d.sent).toBe(20);
  // A connection that broke 0.5 s before the stop is down until then.
  const broke = tcpDip({ receiver: receiver.slice(0, 15), sender: null, startedMs: 0 }, 1000, 1000);
  expect(broke.lost).toBe(5);
  expect(broke.recoveredMs).toBeNull();
});

test("the receiver's intervals after the sender's last one are the stop, not a dip; a blocked sender's are not", () => {
  const sender = Array.from({ length: 20 }, (_, k) => iv(k / 10, 10e6));
  // The server went on reporting for 0.3 s after the client stopped: nothing arrived then.
  const receiver = [...Array.from({ length: 20 }, (_, k) => iv(k / 10, 10e6)), iv(2.0, 0), iv(2.1, 0), iv(2.2, 0)];
  const d = tcpDip({ receiver, sender, startedMs: 0 }, 1000);
  expect(d.lost).toBe(0);
  expect(d.sent).toBe(20);
  // A dead path: the sender reports to the end (blocked), the receiver gets nothing from 1.5 s.
  const dead = tcpDip({ receiver: receiver.map((i) => (i.startS >= 1.5 ? { ...i, bitsPerSecond: 0 } : i)), sender: [...sender, iv(2.0, 0), iv(2.1, 0), iv(2.2, 0)], startedMs: 0 }, 1000);
  expect(dead.lost).toBe(8);
  expect(dead.recoveredMs).toBeNull();
});
