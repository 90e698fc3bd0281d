/**
 * Across trials: per flow, a histogram of outageMs (svg.histogram[data-flow], one rect.bar per
 * bin with its range and count in a <title>) and the min/median/p95/max table from `summary`.
 */
import type { RunResult } from '../model/result.js';
import { ms } from './format.js';
import { esc, n } from './html-util.js';
import { stats } from './stats.js';

const W = 380;
const H = 170;
const L = 34;
const R = 12;
const T = 14;
const B = 34;

/** Flow names in order of first appearance over the trials, then any that only the summary has. */
export function flowNames(r: RunResult): string[] {
  const names: string[] = [];
  for (const t of r.trials) for (const f of t.flows) if (!names.includes(f.name)) names.push(f.name);
  for (const k of Object.keys(r.summary ?? {})) if (!names.includes(k)) names.push(k);
  return names;
}

export function outages(r: RunResult, flow: string): number[] {
  return r.trials.flatMap((t) => t.flows.filter((f) => f.name === flow && Number.isFinite(f.outageMs)).map((f) => f.outageMs));
}

/** Equal-width bins over [min, max]: ceil(log2 n) + 1 of them (Sturges), at least one. */
export function bins(values: number[]): { from: number; to: number; count: number }[] {
  if (!values.length) return [];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (hi === lo) return [{ from: lo, to: hi, count: values.length }];
  const k = Math.max(1, Math.min(30, Math.ceil(Math.log2(values.length)) + 1));
  const w = (hi - lo) / k;
  const out = Array.from({ length: k }, (_, i) => ({ from: lo + i * w, to: i === k - 1 ? hi : lo + (i + 1) * w, count: 0 }));
  for (const v of values) out[Math.min(k - 1, Math.floor((v - lo) / w))]!.count++;
  return out;
}

export function renderHistogram(flow: string, values: number[]): string {
  const b = bins(values);
  const out: string[] = [`<svg class="histogram" data-flow="${esc(flow)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(`outage histogram of ${flow}`)}">`];
  out.push(`<title>${esc(`${flow}: outage per trial (ms), ${values.length} trial(s)`)}</title>`);
  const plotW = W - L - R;
  const plotH = H - T - B;
  const maxCount = Math.max(1, ...b.map((x) => x.count));
  const bw = b.length ? plotW / b.length : plotW;
  out.push(`<line class="axis-line" x1="${L}" x2="${W - R}" y1="${T + plotH}" y2="${T + plotH}"/>`);
  out.push(`<line class="axis-line" x1="${L}" x2="${L}" y1="${T}" y2="${T + plotH}"/>`);
  out.push(`<text x="${L - 4}" y="${T + 8}" text-anchor="end">${maxCount}</text><text x="${L - 4}" y="${T + plotH}" text-anchor="end">0</text>`);
  b.forEach((bin, i) => {
    const h = (bin.count / maxCount) * plotH;
    const x0 = L + i * bw;
    out.push(`<g class="bin"><title>${esc(`${ms(bin.from)} .. ${ms(bin.to)} ms: ${bin.count} trial(s)`)}</title>`);
    out.push(`<rect class="bar" x="${n(x0 + 1)}" y="${n(T + plotH - h)}" width="${n(Math.max(1, bw - 2))}" height="${n(h)}"/>`);
    if (bin.count) out.push(`<text class="count" x="${n(x0 + bw / 2)}" y="${n(T + plotH - h - 3)}" text-anchor="middle">${bin.count}</text>`);
    out.push('</g>');
  });
  if (b.length) {
    const lo = b[0]!.from;
    const hi = b[b.length - 1]!.to;
    out.push(`<text x="${L}" y="${T + plotH + 14}" text-anchor="start">${esc(ms(lo))}</text>`);
    if (hi !== lo) out.push(`<text x="${W - R}" y="${T + plotH + 14}" text-anchor="end">${esc(ms(hi))}</text>`);
  } else out.push(`<text x="${L + plotW / 2}" y="${T + plotH / 2}" text-anchor="middle">no measurements</text>`);
  out.push(`<text class="axis-title" x="${L + plotW / 2}" y="${H - 6}" text-anchor="middle">outage (ms)</text>`);
  out.push('</svg>');
  return out.join('\n');
}

/** The across-trials section: a histogram per flow, and the stats table. */
export function renderAcross(r: RunResult): string {
  const names = flowNames(r);
  const rows = names.map((name) => {
    const values = outages(r, name);
    const s = r.summary?.[name]?.outageMs ?? (values.length ? stats(values) : null);
    return `<tr data-flow="${esc(name)}"><td>${esc(name)}</td><td class="num">${values.length}</td>${(['min', 'median', 'p95', 'max'] as const).map((k) => `<td class="num">${esc(ms(s ? s[k] : null))}</td>`).join('')}</tr>`;
  });
  return [
    '<section class="across">',
    '<h2>Outage across trials</h2>',
    '<table class="summary"><thead><tr><th>flow</th><th>trials</th><th>min (ms)</th><th>median (ms)</th><th>p95 (ms)</th><th>max (ms)</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table>`,
    '<p class="note">median: the middle value, or the mean of the two middle values; p95: nearest rank.</p>',
    '<div class="histograms">',
    ...names.map((name) => `<figure><figcaption>${esc(name)}</figcaption>${renderHistogram(name, outages(r, name))}</figure>`),
    '</div>',
    '</section>',
  ].join('\n');
}
