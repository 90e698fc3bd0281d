/** UDP probe flows: the wire and record formats, and the gap analysis on synthetic traces. */
import { describe, expect, test } from 'vitest';
import { analyzeFlow, trimInFlight, type FlowStats } from '../../src/probes/udp/analyze.js';
import { decodePacket, encodePacket, formatReceiver, formatSender, PACKET_BYTES, parseReceiver, parseSender, type Arrival, type SentRecord } from '../../src/probes/udp/format.js';

const T0 = 1000;
const LATENCY = 0.2;

/** `n` packets at `rateHz` from T0 (10 kHz: bursts of 10 per ms, 1 µs apart, as a sender on a 1 ms timer sends; the analysis must not depend on pacing). */
function sentAt(n: number, rateHz: number): SentRecord[] {
  return Array.from({ length: n }, (_, seq) => ({ seq, sentMs: rateHz > 1000 ? T0 + Math.floor((seq * 1000) / rateHz) + (seq % (rateHz / 1000)) * 0.001 : T0 + (seq * 1000) / rateHz }));
}

/** Every packet not in `lost` arrives LATENCY ms after it was sent, in order. */
function arrive(sent: SentRecord[], lost: (seq: number) => boolean = () => false): Arrival[] {
  return sent.filter((s) => !lost(s.seq)).map((s) => ({ flow: 1, seq: s.seq, sentMs: s.sentMs, recvMs: s.sentMs + LATENCY }));
}

const inRange = (a: number, b: number) => (seq: number) => seq >= a && seq <= b;

describe('packet and record formats', () => {
  test('a packet is 64 bytes and decodes to what was encoded; other datagrams are not packets', () => {
    const b = encodePacket({ run: 0xdeadbeef, flow: 2, seq: 123456, sentMs: 5255096.992125 });
    expect(b.length).toBe(PACKET_BYTES);
    expect(decodePacket(b)).toEqual({ run: 0xdeadbeef, flow: 2, seq: 123456, sentMs: 5255096.992125 });
    expect(decodePacket(Buffer.from('hello, this is not a probe packet'))).toBeNull();
    expect(decodePacket(Buffer.alloc(10))).toBeNull();
  });

  test('sender and receiver record files round-trip at µs resolution', () => {
    const h = { role: 'send' as const, flow: 1, run: 7, rateHz: 1000, dst: '10.0.0.2', port: 7500, startMs: 10, endMs: 11, sendErrors: 0, cpuUserMs: 1, cpuSystemMs: 2 };
    const text = formatSender(h, { seq: [0, 1], sentMs: [10.0001234, 11], length: 2 });
    expect(text).toBe(`${JSON.stringify(h)}\n0 10.000\n1 11.000\n`);
    expect(parseSender(text)).toEqual({ header: h, sent: [{ seq: 0, sentMs: 10 }, { seq: 1, sentMs: 11 }] });
    const r = { role: 'recv' as const, run: 7, bind: '0.0.0.0', port: 7500, startMs: 9, endMs: 12, foreign: 1, cpuUserMs: 1, cpuSystemMs: 2 };
    const rt = formatReceiver(r, { flow: [1], seq: [0], sentMs: [10], recvMs: [10.1234567], length: 1 });
    expect(parseReceiver(rt)).toEqual({ header: r, arrivals: [{ flow: 1, seq: 0, sentMs: 10, recvMs: 10.123 }] });
    expect(() => parseReceiver(text)).toThrow(/expected a recv record file, got role send/);
    expect(() => parseSender('')).toThrow(/empty/);
  });
});

describe('analyzeFlow', () => {
  const none: Pick<FlowStats, 'firstLossMs' | 'recoveredMs' | 'lossWindows'> = { firstLossMs: null, recoveredMs: null, lossWindows: [] };

  test('no loss at 1 kHz: everything arrived, gaps of one interval', () => {
    const sent = sentAt(1000, 1000);
    expect(analyzeFlow({ rateHz: 1000, sent, arrivals: arrive(sent), refMs: T0 })).toEqual({
      rateHz: 1000, sent: 1000, received: 1000, lost: 0, outageMs: 0, maxGapMs: 1, maxGapAtMs: 0.2, reordered: 0, duplicated: 0, sendLagMs: 0, unexpected: 0, ...none,
    });
  });

  test('one outage of 200 packets: 200 ms, relative to the fault', () => {
    const sent = sentAt(2000, 1000);
    const fault = T0 + 500.3;
    expect(analyzeFlow({ rateHz: 1000, sent, arrivals: arrive(sent, inRange(501, 700)), refMs: fault })).toEqual({
      rateHz: 1000, sent: 2000, received: 1800, lost: 200, outageMs: 200,
      maxGapMs: 201, maxGapAtMs: -0.1, // from packet 500's arrival (T0 + 500.2) to packet 701's (T0 + 701.2)
      firstLossMs: 0.7, // packet 501, sent at T0 + 501
      recoveredMs: 200.9, // packet 701 arrived at T0 + 701.2
      reordered: 0, duplicated: 0, sendLagMs: 0, unexpected: 0,
      lossWindows: [{ fromSeq: 501, toSeq: 700, count: 200, startMs: 0.7, endMs: 199.7, outageMs: 200 }],
    });
  });

  test('two outages: the loss adds up, the longest gap is the longer one, recovery is after the last', () => {
    const sent = sentAt(1000, 1000);
    const s = analyzeFlow({ rateHz: 1000, sent, arrivals: arrive(sent, (q) => inRange(100, 149)(q) || inRange(300, 399)(q)), refMs: T0 + 100 });
    expect(s).toEqual({
      rateHz: 1000, sent: 1000, received: 850, lost: 150, outageMs: 150, maxGapMs: 101, maxGapAtMs: 199.2,
      firstLossMs: 0, recoveredMs: 300.2, reordered: 0, duplicated: 0, sendLagMs: 0, unexpected: 0,
      lossWindows: [
        { fromSeq: 100, toSeq: 149, count: 50, startMs: 0, endMs: 49, outageMs: 50 },
        { fromSeq: 300, toSeq: 399, count: 100, startMs: 200, endMs: 299, outageMs: 100 },
      ],
    });
  });

  test('reordering: late packets are counted once each, are not lost, and widen the gap they leave', () => {
    const sent = sentAt(100, 1000);
    const arrivals = arrive(sent);
    // Packet 10 arrives after 11 (at T0 + 11.5), packet 50 after 53 (at T0 + 53.5).
    arrivals[10]!.recvMs = T0 + 11.5;
    arrivals[50]!.recvMs = T0 + 53.5;
    const shuffled = [...arrivals].sort((a, b) => a.recvMs - b.recvMs);
    expect(analyzeFlow({ rateHz: 1000, sent, arrivals: shuffled, refMs: T0 })).toEqual({
      rateHz: 1000, sent: 100, received: 100, lost: 0, outageMs: 0, maxGapMs: 2, maxGapAtMs: 9.2, reordered: 2, duplicated: 0, sendLagMs: 0, unexpected: 0, ...none,
    });
  });

  test('duplicates: counted apart, not as received twice, not as reordered', () => {
    const sent = sentAt(20, 1000);
    const arrivals = arrive(sent);
    arrivals.push({ flow: 1, seq: 5, sentMs: T0 + 5, recvMs: T0 + 5.4 }, { flow: 1, seq: 7, sentMs: T0 + 7, recvMs: T0 + 7.3 }, { flow: 1, seq: 7, sentMs: T0 + 7, recvMs: T0 + 7.4 });
    expect(analyzeFlow({ rateHz: 1000, sent, arrivals, refMs: T0 })).toEqual({
      rateHz: 1000, sent: 20, received: 20, lost: 0, outageMs: 0, maxGapMs: 1, maxGapAtMs: 0.2, reordered: 0, duplicated: 3, sendLagMs: 0, unexpected: 0, ...none,
    });
  });

  test('loss at the very end: known only from the sender, never recovered, no gap between arrivals', () => {
    const sent = sentAt(1000, 1000);
    expect(analyzeFlow({ rateHz: 1000, sent, arrivals: arrive(sent, inRange(900, 999)), refMs: T0 + 850 })).toEqual({
      rateHz: 1000, sent: 1000, received: 900, lost: 100, outageMs: 100, maxGapMs: 1, maxGapAtMs: -849.8,
      firstLossMs: 50, recoveredMs: null, reordered: 0, duplicated: 0, sendLagMs: 0, unexpected: 0,
      lossWindows: [{ fromSeq: 900, toSeq: 999, count: 100, startMs: 50, endMs: 149, outageMs: 100 }],
    });
  });

  test('nothing arrived: all lost, no gap to measure', () => {
    const sent = sentAt(10, 1000);
    expect(analyzeFlow({ rateHz: 1000, sent, arrivals: [], refMs: T0 })).toEqual({
      rateHz: 1000, sent: 10, received: 0, lost: 10, outageMs: 10, maxGapMs: 0, maxGapAtMs: null,
      firstLossMs: 0, recoveredMs: null, reordered: 0, duplicated: 0, sendLagMs: 0, unexpected: 0,
      lossWindows: [{ fromSeq: 0, toSeq: 9, count: 10, startMs: 0, endMs: 9, outageMs: 10 }],
    });
  });

  test('10 kHz in bursts of 10 per ms: 2000 lost packets are 200 ms', () => {
    const sent = sentAt(20000, 10000);
    expect(sent[19]!.sentMs).toBe(T0 + 1.009);
    const s = analyzeFlow({ rateHz: 10000, sent, arrivals: arrive(sent, inRange(2000, 3999)), refMs: T0 });
    expect(s).toEqual({
      rateHz: 10000, sent: 20000, received: 18000, lost: 2000, outageMs: 200,
      maxGapMs: 200.991, maxGapAtMs: 199.209, // packet 1999 (T0 + 199.009) to packet 4000 (T0 + 400.000)
      firstLossMs: 200, recoveredMs: 400.2, reordered: 0, duplicated: 0, sendLagMs: 0, unexpected: 0,
      lossWindows: [{ fromSeq: 2000, toSeq: 3999, count: 2000, startMs: 200, endMs: 399.009, outageMs: 200 }],
    });
  });

  test('a sender that stalled 4 ms and caught up in a burst: its lag is reported', () => {
    const sent = sentAt(200, 1000).map((x) => (x.seq >= 100 && x.seq < 104 ? { ...x, sentMs: T0 + 104 } : x));
    const s = analyzeFlow({ rateHz: 1000, sent, arrivals: arrive(sent), refMs: T0 });
    expect([s.lost, s.sendLagMs, s.maxGapMs, s.maxGapAtMs]).toEqual([0, 4, 5, 99.2]);
  });

  test('arrivals the sender never recorded are unexpected, not received', () => {
    const sent = sentAt(5, 1000);
    const arrivals = [...arrive(sent), { flow: 1, seq: 99, sentMs: T0 + 5, recvMs: T0 + 5.2 }];
    const s = analyzeFlow({ rateHz: 1000, sent, arrivals, refMs: T0 });
    expect([s.received, s.lost, s.unexpected, s.reordered]).toEqual([5, 0, 1, 0]);
  });
});

describe('packets in flight at the stop', () => {
  const sent = Array.from({ length: 100 }, (_, i) => ({ seq: i + 1, sentMs: 1000 + i * 10 })); // 1000 .. 1990 ms
  const arrivals = (upTo: number) => sent.filter((s) => s.seq <= upTo).map((s) => ({ flow: 1, seq: s.seq, sentMs: s.sentMs, recvMs: s.sentMs + 1 }));

  test('the last few unanswered packets, sent within the tail, are not counted as sent', () => {
    expect(trimInFlight(sent, arrivals(96), 250).length).toBe(96);
  });

  test('an outage that lasts to the end and began before the tail is kept whole', () => {
    expect(trimInFlight(sent, arrivals(50), 250).length).toBe(100);
  });

  test('nothing to trim when the last packet arrived', () => {
    expect(trimInFlight(sent, arrivals(100), 250).length).toBe(100);
  });
});
