/** Helpers for the HTML report: the one escape function, and number formatting for SVG. */

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function esc(s: string | number | null | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A coordinate for an SVG attribute: one decimal, no "-0". */
export function n(x: number): string {
  const v = Math.round(x * 10) / 10;
  return Object.is(v, -0) ? '0' : String(v);
}

/** A linear scale from [d0, d1] to [r0, r1], clamped to the range. */
export function scale(d0: number, d1: number, r0: number, r1: number): (x: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const lo = Math.min(r0, r1);
  const hi = Math.max(r0, r1);
  return (x) => Math.min(hi, Math.max(lo, r0 + (x - d0) * k));
}

/** Round tick positions covering [d0, d1], about `count` of them (steps of 1, 2 or 5 x 10^k). */
export function ticks(d0: number, d1: number, count = 8): number[] {
  const span = d1 - d0;
  if (!(span > 0)) return [d0];
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(d0 / step) * step; v <= d1 + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

/** Thousands of a quantity in short form: 1.2k, 3.4M, 5.6G (for bits/s). */
export function si(x: number): string {
  const units = ['', 'k', 'M', 'G', 'T'];
  let i = 0;
  while (Math.abs(x) >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${Number(x.toFixed(x >= 100 || i === 0 ? 0 : 1))}${units[i]}`;
}
