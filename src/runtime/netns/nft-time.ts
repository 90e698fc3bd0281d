/**
 * Kernel-timed nftables rules: `meta time` compares the packet's arrival with the kernel's
 * CLOCK_REALTIME in nanoseconds, so a rule matching [start, end) drops exactly that window,
 * whenever the rule was committed (as long as it was before `start`). This is what makes the
 * blackhole an exact reference for calibration: its edges are the kernel's, not a stamp taken
 * when a command's round trip ends.
 *
 * nft only parses `meta time` values in whole seconds (it multiplies by 1e9 in 64 bits, without
 * an overflow check, nft 1.0.x). Any multiple of 512 ns is reachable through that
 * multiplication modulo 2^64, so encodeNs picks the "seconds" whose product is the wanted
 * nanosecond. verifyListing checks that nft listed the value back as the wanted second, so an
 * nft that parses differently is caught rather than trusted.
 */
const NSEC = 1_000_000_000n;
const STEP = 512n; // 1e9 = 512 x 1953125: the product is always a multiple of 512
const MOD = 1n << 55n; // 2^64 / 512

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}
const INV = inverse(NSEC / STEP, MOD);

/** Round a realtime nanosecond down to what a `meta time` rule can hold. */
export const representable = (ns: bigint): bigint => (ns / STEP) * STEP;

/** The integer to write after `meta time` so that nft's seconds x 1e9 (mod 2^64) is `ns`. */
export function encodeNs(ns: bigint): string {
  if (ns % STEP !== 0n) throw new Error(`meta time ${ns} is not a multiple of ${STEP} ns`);
  return (((ns / STEP) % MOD) * INV % MOD).toString();
}

/**
 * CLOCK_REALTIME minus CLOCK_MONOTONIC, in ns. Date.now() has millisecond steps: read both
 * clocks right after a step, when the wall clock is exactly the new millisecond. Good to the
 * loop's granularity (a few microseconds).
 */
export function realtimeOffsetNs(): bigint {
  const start = Date.now();
  let now = start;
  let mono = process.hrtime.bigint();
  while (now === start) {
    mono = process.hrtime.bigint();
    now = Date.now();
  }
  return BigInt(now) * 1_000_000n - mono;
}

/** Realtime ns <-> the monotonic ms every halab event carries. */
export const toMonotonicMs = (realNs: bigint, offsetNs: bigint): number => Number((realNs - offsetNs) / 1000n) / 1000;
export const toRealtimeNs = (monoMs: number, offsetNs: bigint): bigint => BigInt(Math.round(monoMs * 1e6)) + offsetNs;

/** A `meta time` window for rules: matches packets arriving in [start, end). */
export const windowMatch = (startNs: bigint, endNs: bigint): string => `meta time >= ${encodeNs(startNs)} meta time < ${encodeNs(endNs)}`;

/** nft lists `meta time` as local "YYYY-MM-DD HH:MM:SS": the second the rule must show. */
export function listedSecond(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Whether a listing of the rule shows both edges at the seconds they were meant for. */
export function verifyListing(listing: string, startNs: bigint, endNs: bigint): boolean {
  return listing.includes(`meta time >= "${listedSecond(startNs)}" meta time < "${listedSecond(endNs)}"`);
}
