/**
 * Order statistics for a run's summary (DESIGN.md: min/median/p95/max of each flow's outage
 * over the trials).
 *
 * - median: the middle element of the sorted values for an odd count; for an even count, the
 *   mean of the two middle elements (linear interpolation at the 50 % point). So the median of
 *   [100, 300] is 200.
 * - p95: nearest rank, no interpolation: the value at rank ceil(0.95 * n) of the sorted values
 *   (1-based), always one of the measured values. With fewer than 20 trials that is the maximum.
 */
import type { RunResult, Stats, TrialResult } from '../model/result.js';

/** min/median/p95/max of `values`; throws a RangeError on an empty list or a value that is not a finite number. */
export function stats(values: readonly number[]): Stats {
  if (values.length === 0) throw new RangeError('stats of an empty list');
  for (const v of values) if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`stats: ${String(v)} is not a finite number`);
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const at = (i: number) => s[i]!;
  const median = n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
  return { min: at(0), median, p95: nearestRank(s, 95), max: at(n - 1) };
}

/** The p-th percentile of sorted values by nearest rank (1 <= rank = ceil(p/100 * n) <= n). */
export function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/**
 * The run's `summary`: per flow name, the stats of `outageMs` over every trial that has a result
 * for that flow (an aborted trial that never measured a flow has none, and does not count).
 * Flow names in order of first appearance.
 */
export function summarize(trials: readonly TrialResult[]): RunResult['summary'] {
  const byFlow = new Map<string, number[]>();
  for (const t of trials)
    for (const f of t.flows) {
      if (!Number.isFinite(f.outageMs)) continue;
      const list = byFlow.get(f.name) ?? [];
      list.push(f.outageMs);
      byFlow.set(f.name, list);
    }
  const out: RunResult['summary'] = {};
  for (const [name, values] of byFlow) out[name] = { outageMs: stats(values) };
  return out;
}
