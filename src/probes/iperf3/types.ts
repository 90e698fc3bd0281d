/**
 * An iperf3 test as typed records, parsed from iperf3 3.12's `--json` output (Debian's version:
 * no `--json-stream`, so the JSON arrives in one piece when the client exits).
 *
 * Interval times are seconds since iperf3's own test start on the side that reported them; that
 * start comes a few ms after the client process starts (TCP connect, parameter exchange, data
 * connection). To place intervals on the lab's clock (the monotonic clock of lab events), use
 * `Iperf3Flow.startedMs`: `startedMs + startS * 1000` is early by that setup time, which is at most
 * `exitedMs - startedMs - durationS * 1000`.
 */

/** One reporting interval of one side (sending or receiving) of a test, summed over its streams. */
export interface Iperf3Interval {
  startS: number;
  endS: number;
  bytes: number;
  bitsPerSecond: number;
  /** TCP, sending side: segments retransmitted in this interval. */
  retransmits?: number;
  /**
   * UDP: on the sending side, datagrams sent in this interval. On the receiving side, datagrams
   * accounted for: received plus lost, because iperf3 counts by sequence number.
   */
  packets?: number;
  /**
   * UDP, receiving side: datagrams lost. iperf3 only sees a loss when a later datagram arrives,
   * so the loss of an outage is counted in the interval where traffic resumes, not in the
   * intervals of the outage itself (those show 0 bytes and 0 lost); a loss at the very end of a
   * test, with no datagram after it, is never counted (compare the totals' packets).
   */
  lostPackets?: number;
  /** UDP, receiving side: smoothed jitter (RFC 1889) at the end of this interval, ms. */
  jitterMs?: number;
  /** In the `--omit` warm-up: not part of the totals. */
  omitted: boolean;
}

/** The totals iperf3 reports at the end (`end.sum_sent`, `end.sum_received`). */
export interface Iperf3Totals {
  /** The sending side's test duration, s. */
  seconds: number;
  sentBytes: number;
  sentBitsPerSecond: number;
  /** As the receiving side counted them (0 when a test was interrupted before it reported). */
  receivedBytes: number;
  receivedBitsPerSecond: number;
  /** TCP: segments the sender retransmitted. */
  retransmits?: number;
  /** TCP: round-trip times the sender's kernel measured (µs; over the sender's streams). */
  rttUs?: { min: number; mean: number; max: number };
  /** UDP: datagrams sent. */
  packets?: number;
  /**
   * UDP: datagrams received (the receiver's count, minus those it found missing). `packets -
   * receivedPackets` is the real loss, including a loss at the end that iperf3 cannot see.
   */
  receivedPackets?: number;
  /** UDP: datagrams lost, as iperf3 counts them (by gaps in sequence numbers: see Iperf3Interval). */
  lostPackets?: number;
  lostPercent?: number;
  /** UDP: the receiver's jitter at the end, ms. */
  jitterMs?: number;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface Iperf3Report {
  /** e.g. `iperf 3.12`. */
  version: string;
  protocol: 'tcp' | 'udp';
  /** `-R`: the server sends, the client receives. */
  reverse: boolean;
  /** The client's end and the server's end of the (first) data connection; null if none was made. */
  local: Endpoint | null;
  remote: Endpoint | null;
  /** `-b` in bits/s (0: unlimited). */
  targetBitsPerSecond: number;
  /** `-t`, s. */
  durationS: number;
  /** Bytes per write (for UDP: per datagram). */
  blockSize: number;
  /**
   * The sending side's intervals: the client's own, or the server's for `reverse` (null when the
   * server's output was not asked for or not JSON).
   */
  sender: Iperf3Interval[] | null;
  /**
   * The receiving side's intervals: where a dip in throughput shows and where UDP loss and jitter
   * are. The server's for a forward test: they need `--get-server-output` and a server running
   * with `--json` (as the iperf3 service's are), at the server's own interval; else null. The
   * receiver may report one more, short interval at the end than the sender: data still in flight
   * when the sender's last interval closed.
   */
  receiver: Iperf3Interval[] | null;
  totals: Iperf3Totals | null;
  /** iperf3's error message (a test can end in error after some intervals, e.g. interrupted). */
  error: string | null;
}

/** A test run by the client runner: the report plus where and when it ran. */
export interface Iperf3Flow extends Iperf3Report {
  /** Namespace the client ran in, and the server address and port. */
  ns: string;
  dst: string;
  port: number;
  argv: string[];
  /** monotonicMs() when the client process started (the lab's clock: src/runtime/events.ts). */
  startedMs: number;
  /** monotonicMs() when it exited. */
  exitedMs: number;
}
