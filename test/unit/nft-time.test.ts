import { describe, expect, test } from 'vitest';
import { encodeNs, listedSecond, representable, toMonotonicMs, toRealtimeNs, verifyListing, windowMatch } from '../../src/runtime/netns/nft-time.js';

const U64 = 1n << 64n;

describe('kernel-time windows for nft', () => {
  test("nft's seconds x 1e9 (mod 2^64) gives back the nanosecond asked for", () => {
    for (const ns of [0n, 512n, 1_795_306_576_036_843_520n, representable(1_795_306_576_086_843_999n), representable(4_102_444_800_123_456_789n)]) {
      expect((BigInt(encodeNs(ns)) * 1_000_000_000n) % U64).toBe(ns);
    }
  });

  test('only multiples of 512 ns are representable', () => {
    expect(representable(1023n)).toBe(512n);
    expect(() => encodeNs(1000n)).toThrow(/multiple of 512/);
  });

  test('the window rule and its listing', () => {
    const start = representable(1_795_306_576_036_843_520n);
    const end = representable(start + 50_000_000n);
    expect(windowMatch(start, end)).toMatch(/^meta time >= \d+ meta time < \d+$/);
    const listing = `meta time >= "${listedSecond(start)}" meta time < "${listedSecond(end)}" drop`;
    expect(verifyListing(listing, start, end)).toBe(true);
    expect(verifyListing(listing, start + 5_000_000_000n, end)).toBe(false);
  });

  test('realtime <-> monotonic conversion round-trips', () => {
    const offset = 1_700_000_000_000_000_000n;
    expect(toMonotonicMs(toRealtimeNs(1234.567, offset), offset)).toBeCloseTo(1234.567, 6);
  });
});
