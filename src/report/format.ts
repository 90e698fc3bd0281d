/** Small text helpers shared by the TAP, JUnit and HTML renderers. */
import type { AssertionResult, TrialResult } from '../model/result.js';

/** A number of ms with one decimal ("312.0"); '-' for null/undefined/non-finite. */
export function ms(x: number | null | undefined, digits = 1): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** A measured value or limit as given: numbers with at most 3 decimals, strings as they are. */
export function value(x: number | string | null | undefined): string {
  if (x === null || x === undefined) return '-';
  if (typeof x === 'number') return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(3)));
  return x;
}

/** One line: control characters (newlines too) shown as spaces, runs of blanks collapsed. */
export function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/**
 * How a test point (TAP) or test case (JUnit) names an assertion: `trial N: NAME`. A failed one
 * also says what was measured: its detail when there is one and the name does not already hold
 * it, else `measured M, limit L` when the runner gave the numbers.
 */
export function assertionTitle(t: Pick<TrialResult, 'index'>, a: AssertionResult): string {
  let s = `trial ${t.index}: ${oneLine(a.name)}`;
  if (!a.ok) {
    const detail = oneLine(a.detail ?? '');
    if (detail && !s.includes(detail)) s += ` (${detail})`;
    else if (!detail && a.measured !== undefined) s += ` (measured ${value(a.measured)}${a.limit !== undefined ? `, limit ${value(a.limit)}` : ''})`;
  }
  return s;
}

/** The trial's span in ms: its phases, else its flows; 0 when neither is known. */
export function trialDurationMs(t: TrialResult): number {
  const from: number[] = [];
  const to: number[] = [];
  for (const p of t.phases ?? []) {
    from.push(p.fromMs);
    to.push(p.toMs);
  }
  if (!from.length && t.flowsFromMs !== null && t.flowsToMs !== null) {
    from.push(t.flowsFromMs);
    to.push(t.flowsToMs);
  }
  const d = from.length ? Math.max(...to) - Math.min(...from) : 0;
  return Number.isFinite(d) && d > 0 ? d : 0;
}
