/**
 * A trial's timeline as inline SVG: x is ms relative to the fault. From the top: the faults'
 * labels, the phases as a band, control-plane events as ticks with staggered labels, one lane per
 * flow (arrivals as a bar from flowsFromMs to flowsToMs, loss windows in red, the outage
 * labelled, a throughput sparkline for flows with intervals), the x axis. Faults are vertical
 * lines through all of it. Everything that has more to say than fits carries a <title> (shown on
 * hover). Stable hooks for tests and styling: svg.timeline, g.phases/rect.phase, g.event,
 * g.flow-lane[data-flow], rect.arrivals, rect.loss, text.outage-label, polyline.throughput,
 * g.fault, g.axis.
 */
import type { FlowResult, TrialResult } from '../model/result.js';
import { ms } from './format.js';
import { esc, n, scale, si, ticks } from './html-util.js';

const W = 1200;
const LEFT = 210;
const RIGHT = 24;
const PHASE_Y = 22;
const PHASE_H = 16;
const EVENT_LEVELS = [56, 70, 84];
const EVENT_BASE = 94;
const LANES_Y = 104;
const LANE_H = 40;
const SPARK_H = 20;
const LABEL_CHAR_W = 6.2; // px per character of the 11 px labels, to keep them apart

/** The window the timeline shows: the flows' span and the faults, else everything known; padded by 3 %. */
export function timelineDomain(t: TrialResult): [number, number] {
  const xs: number[] = [];
  if (t.flowsFromMs !== null && t.flowsToMs !== null) xs.push(t.flowsFromMs, t.flowsToMs);
  for (const f of t.faults ?? []) xs.push(f.atMs, ...(f.endMs !== undefined ? [f.endMs] : []));
  if (t.fault) xs.push(t.fault.atMs);
  if (t.flowsFromMs === null || t.flowsToMs === null) {
    for (const p of t.phases ?? []) xs.push(p.fromMs, p.toMs);
    for (const e of t.events) xs.push(e.tMs);
    for (const f of t.flows) for (const w of f.lossWindows ?? []) xs.push(w.startMs, w.endMs);
  }
  const finite = xs.filter(Number.isFinite);
  if (!finite.length) return [-1000, 1000];
  let lo = Math.min(...finite, 0);
  let hi = Math.max(...finite, 0);
  if (hi - lo < 1) {
    lo -= 500;
    hi += 500;
  }
  const pad = (hi - lo) * 0.03;
  return [lo - pad, hi + pad];
}

export function renderTimeline(t: TrialResult): string {
  const [d0, d1] = timelineDomain(t);
  const x = scale(d0, d1, LEFT, W - RIGHT);
  const inside = (v: number) => v >= d0 && v <= d1;
  const laneHeights = t.flows.map((f) => LANE_H + (f.intervals?.length ? SPARK_H : 0));
  const lanesEnd = LANES_Y + laneHeights.reduce((a, b) => a + b, 0);
  const axisY = lanesEnd + 6;
  const H = axisY + 34;
  const out: string[] = [];
  out.push(`<svg class="timeline" data-trial="${esc(t.index)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="timeline of trial ${esc(t.index)}">`);
  out.push(`<title>Trial ${esc(t.index)}: ms relative to the fault</title>`);

  // grid and axis
  const tk = ticks(d0, d1, 10);
  out.push('<g class="axis">');
  for (const v of tk) {
    out.push(`<line class="grid${v === 0 ? ' zero' : ''}" x1="${n(x(v))}" x2="${n(x(v))}" y1="${PHASE_Y}" y2="${axisY}"/>`);
    out.push(`<text x="${n(x(v))}" y="${axisY + 16}" text-anchor="middle">${esc(fmtTick(v))}</text>`);
  }
  out.push(`<line class="axis-line" x1="${LEFT}" x2="${W - RIGHT}" y1="${axisY}" y2="${axisY}"/>`);
  out.push(`<text class="axis-title" x="${W - RIGHT}" y="${axisY + 30}" text-anchor="end">ms from the fault</text>`);
  out.push('</g>');

  // row labels
  out.push(`<text class="row-label" x="${LEFT - 8}" y="${PHASE_Y + 12}" text-anchor="end">phases</text>`);
  out.push(`<text class="row-label" x="${LEFT - 8}" y="${EVENT_BASE + 3}" text-anchor="end">events</text>`);

  // phases band
  out.push('<g class="phases">');
  for (const p of t.phases ?? []) {
    if (p.toMs < d0 || p.fromMs > d1) continue;
    const x0 = x(p.fromMs);
    const w = Math.max(1, x(p.toMs) - x0);
    const title = `${p.name}: ${ms(p.fromMs)} .. ${ms(p.toMs)} ms${p.ok ? '' : ' (failed)'}${p.detail ? ` - ${p.detail}` : ''}`;
    out.push(`<g class="phase${p.ok ? '' : ' failed'}" data-phase="${esc(p.name)}"><title>${esc(title)}</title>`);
    out.push(`<rect class="phase" x="${n(x0)}" y="${PHASE_Y}" width="${n(w)}" height="${PHASE_H}"/>`);
    if (w > p.name.length * LABEL_CHAR_W + 6) out.push(`<text x="${n(x0 + 3)}" y="${PHASE_Y + 12}">${esc(p.name)}</text>`);
    out.push('</g>');
  }
  out.push('</g>');

  // lanes
  let y = LANES_Y;
  t.flows.forEach((f, i) => {
    out.push(lane(f, t, x, y, d0, d1));
    y += laneHeights[i]!;
  });

  // faults: a span for those with an end, a vertical line each, the label on top
  const faults = t.faults?.length ? t.faults : t.fault ? [{ ...t.fault, detail: '' }] : [];
  for (const f of faults) {
    if (!inside(f.atMs)) continue;
    const fx = x(f.atMs);
    const title = `${f.kind} ${f.target} at ${ms(f.atMs)} ms${f.endMs !== undefined ? `, until ${ms(f.endMs)} ms` : ''}${f.detail ? ` - ${f.detail}` : ''}`;
    out.push(`<g class="fault" data-kind="${esc(f.kind)}"><title>${esc(title)}</title>`);
    if (f.endMs !== undefined && f.endMs > f.atMs) out.push(`<rect class="fault-span" x="${n(fx)}" y="${PHASE_Y}" width="${n(Math.max(1, x(f.endMs) - fx))}" height="${axisY - PHASE_Y}"/>`);
    out.push(`<line x1="${n(fx)}" x2="${n(fx)}" y1="4" y2="${axisY}"/>`);
    const right = fx > W - RIGHT - 160;
    out.push(`<text x="${n(right ? fx - 4 : fx + 4)}" y="14" text-anchor="${right ? 'end' : 'start'}">${esc(`${f.kind} ${f.target}`)}</text>`);
    out.push('</g>');
  }

  // events: a tick each on the events row; labels on the first of three levels with room
  const levelEnd = EVENT_LEVELS.map(() => -Infinity);
  const events = [...t.events].sort((a, b) => a.tMs - b.tMs);
  let outside = 0;
  out.push('<g class="events">');
  for (const e of events) {
    if (!inside(e.tMs)) {
      outside++;
      continue;
    }
    const ex = x(e.tMs);
    const label = `${e.kind} ${e.node}`;
    const level = levelEnd.findIndex((end) => end < ex);
    out.push(`<g class="event" data-kind="${esc(e.kind)}" data-node="${esc(e.node)}"><title>${esc(`${ms(e.tMs)} ms: ${e.kind} on ${e.node}${e.detail ? ` - ${e.detail}` : ''}`)}</title>`);
    const top = level >= 0 ? EVENT_LEVELS[level]! - 10 : EVENT_BASE - 8;
    out.push(`<line x1="${n(ex)}" x2="${n(ex)}" y1="${top}" y2="${lanesEnd}"/>`);
    out.push(`<circle cx="${n(ex)}" cy="${EVENT_BASE}" r="3"/>`);
    if (level >= 0) {
      out.push(`<text x="${n(ex + 3)}" y="${EVENT_LEVELS[level]}">${esc(label)}</text>`);
      levelEnd[level] = ex + 3 + label.length * LABEL_CHAR_W + 6;
    }
    out.push('</g>');
  }
  if (outside) out.push(`<text class="note" x="${LEFT - 8}" y="${EVENT_BASE - 11}" text-anchor="end">${outside} outside the window</text>`);
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}

function lane(f: FlowResult, t: TrialResult, x: (v: number) => number, y: number, d0: number, d1: number): string {
  const out: string[] = [];
  const barY = y + 14;
  const barH = 13;
  out.push(`<g class="flow-lane" data-flow="${esc(f.name)}" data-proto="${esc(f.proto)}">`);
  out.push(`<title>${esc(`${f.name} (${f.src ?? '?'} -> ${f.dst ?? '?'} ${f.dstAddress ?? ''}): ${f.proto} at ${f.rateHz} Hz; sent ${f.sent}, received ${f.received}, lost ${f.lost}; outage ${ms(f.outageMs)} ms, max gap ${ms(f.maxGapMs)} ms, first loss ${ms(f.firstLossMs)} ms, recovered ${ms(f.recoveredMs)} ms`)}</title>`);
  out.push(`<line class="lane-sep" x1="0" x2="${W}" y1="${y}" y2="${y}"/>`);
  out.push(`<text class="flow-name" x="${LEFT - 8}" y="${barY + 10}" text-anchor="end">${esc(f.name)}</text>`);
  out.push(`<text class="flow-meta" x="${LEFT - 8}" y="${barY + 23}" text-anchor="end">${esc(`${f.proto} ${f.rateHz ? `${si(f.rateHz)}Hz` : ''} max gap ${ms(f.maxGapMs)} ms`)}</text>`);
  if (t.flowsFromMs !== null && t.flowsToMs !== null) {
    const x0 = x(t.flowsFromMs);
    out.push(`<rect class="arrivals" x="${n(x0)}" y="${barY}" width="${n(Math.max(1, x(t.flowsToMs) - x0))}" height="${barH}"/>`);
  }
  // loss windows, else the gap between first loss and recovery
  const windows = f.lossWindows?.length
    ? f.lossWindows.map((w) => ({ from: w.startMs, to: w.endMs, title: `lost ${w.count} packets sent ${ms(w.startMs)} .. ${ms(w.endMs)} ms`, cls: 'loss' }))
    : f.outageMs > 0 && f.firstLossMs !== null
      ? [{ from: f.firstLossMs, to: f.recoveredMs ?? f.firstLossMs + f.outageMs, title: `loss from ${ms(f.firstLossMs)} ms to ${ms(f.recoveredMs)} ms`, cls: 'loss gap' }]
      : [];
  for (const w of windows) {
    if (w.to < d0 || w.from > d1) continue;
    const x0 = x(w.from);
    out.push(`<rect class="${w.cls}" x="${n(x0)}" y="${barY - 2}" width="${n(Math.max(2, x(w.to) - x0))}" height="${barH + 4}"><title>${esc(w.title)}</title></rect>`);
  }
  const first = windows.find((w) => w.to >= d0 && w.from <= d1);
  const labelX = first ? x(first.from) : x(t.flowsFromMs ?? d0);
  const outage = f.lost > 0 || f.outageMs > 0 ? `outage ${ms(f.outageMs)} ms (${f.lost} lost)` : 'no loss';
  const anchor = labelX > W - RIGHT - 160 ? 'end' : 'start';
  out.push(`<text class="outage-label${f.lost > 0 || f.outageMs > 0 ? ' has-loss' : ''}" x="${n(labelX)}" y="${y + 11}" text-anchor="${anchor}">${esc(outage)}</text>`);
  if (f.intervals?.length) out.push(sparkline(f.intervals, x, y + LANE_H - 6, SPARK_H, d0, d1));
  out.push('</g>');
  return out.join('\n');
}

/** Throughput per interval as a step line over `height` px from `top`; intervals under a tenth of the median in red. */
function sparkline(intervals: NonNullable<FlowResult['intervals']>, x: (v: number) => number, top: number, height: number, d0: number, d1: number): string {
  const iv = intervals.filter((i) => i.endMs >= d0 && i.startMs <= d1 && Number.isFinite(i.bps));
  if (!iv.length) return '';
  const max = Math.max(...iv.map((i) => i.bps), 1);
  const sorted = iv.map((i) => i.bps).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const yOf = (bps: number) => top + height - 2 - (bps / max) * (height - 4);
  const pts: string[] = [];
  const out: string[] = [`<g class="sparkline"><title>${esc(`throughput per interval, up to ${si(max)}bit/s (median ${si(median)}bit/s)`)}</title>`];
  for (const i of iv) {
    pts.push(`${n(x(i.startMs))},${n(yOf(i.bps))}`, `${n(x(i.endMs))},${n(yOf(i.bps))}`);
    if (i.bps < median / 10) out.push(`<rect class="dip" x="${n(x(i.startMs))}" y="${top}" width="${n(Math.max(1.5, x(i.endMs) - x(i.startMs)))}" height="${height}"><title>${esc(`${ms(i.startMs)} .. ${ms(i.endMs)} ms: ${si(i.bps)}bit/s`)}</title></rect>`);
  }
  out.push(`<polyline class="throughput" points="${pts.join(' ')}"/>`);
  out.push(`<text class="spark-label" x="${LEFT - 8}" y="${top + height - 6}" text-anchor="end">${esc(`${si(max)}bit/s max`)}</text>`);
  out.push('</g>');
  return out.join('\n');
}

function fmtTick(v: number): string {
  return Math.abs(v) >= 10000 ? `${Number((v / 1000).toFixed(1))} s` : String(Number(v.toFixed(1)));
}
