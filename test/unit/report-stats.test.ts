/** The stats helper behind `summary`: min/median/p95/max, median interpolated, p95 by nearest rank. */
import { describe, expect, test } from 'vitest';
import { nearestRank, stats, summarize } from '../../src/report/stats.js';
import { runResult, TCP, UDP } from '../helpers/run-result.js';

describe('stats', () => {
  test('one value is every statistic', () => {
    expect(stats([42])).toEqual({ min: 42, median: 42, p95: 42, max: 42 });
  });

  test('median: the middle element of an odd count, the mean of the two middle ones of an even count', () => {
    expect(stats([300, 100, 200]).median).toBe(200);
    expect(stats([100, 300]).median).toBe(200);
    expect(stats([4, 1, 3, 2]).median).toBe(2.5);
  });

  test('p95 by nearest rank: a measured value, the maximum below 20 values', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(stats(v)).toEqual({ min: 1, median: 50.5, p95: 95, max: 100 });
    expect(stats([5, 1, 9]).p95).toBe(9);
    const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    expect(stats(twenty).p95).toBe(190); // rank ceil(0.95 * 20) = 19
    expect(nearestRank([1, 2, 3], 0)).toBe(1);
  });

  test('does not reorder its input; rejects an empty list and non-numbers', () => {
    const v = [3, 1, 2];
    stats(v);
    expect(v).toEqual([3, 1, 2]);
    expect(() => stats([])).toThrow(RangeError);
    expect(() => stats([1, Number.NaN])).toThrow(/not a finite number/);
  });

  test('summarize: per flow over the trials that measured it', () => {
    const s = summarize(runResult().trials);
    expect(Object.keys(s)).toEqual([UDP, TCP]);
    expect(s[UDP]!.outageMs).toEqual({ min: 80, median: 150, p95: 312, max: 312 });
    expect(summarize([])).toEqual({});
  });
});
