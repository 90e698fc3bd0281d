/**
 * report.html: self-contained, escaped, with stable hooks; and rendered by headless Chromium
 * (Debian's `chromium`, installed by ./setup): the DOM it builds has a timeline per trial, a lane
 * per flow and a histogram per flow, and its screenshot is not a blank page.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { CHROMIUM, chromiumFlags, chromiumReady, hooks, pngColours } from '../helpers/chromium.js';
import { runResult, TCP, UDP } from '../helpers/run-result.js';



const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('report.html as text', () => {
  const r = runResult();
  const html = renderHtml(r);

  test('self-contained: inline CSS and SVG, no scripts, no external resources', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    for (const m of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
    expect(html).toContain("Content-Security-Policy");
  });

  test('header: lab, run id, ok, started, duration, host', () => {
    expect(html).toContain('<h1>vrrp-gw <span class="badge failed">FAILED</span>');
    for (const s of [r.runId, r.startedAt, '42.0 s', 'ci-1, kernel 6.18.0, 2 CPUs']) expect(html).toContain(s);
  });

  test('stable hooks: a timeline per trial, a lane per flow, loss in red, faults, events, phases, throughput, a histogram per flow', () => {
    expect(hooks(html, 'svg', 'timeline', 'data-trial')).toEqual(['1', '2', '3']);
    expect(hooks(html, 'g', 'flow-lane', 'data-flow').map(unescape)).toEqual([UDP, TCP, UDP, TCP, UDP, TCP]);
    expect(hooks(html, 'svg', 'histogram', 'data-flow').map(unescape)).toEqual([UDP, TCP]);
    expect(hooks(html, 'rect', 'loss', 'x')).toHaveLength(3);
    expect(hooks(html, 'g', 'fault', 'data-kind')).toEqual(['nic-down', 'blackhole', 'nic-down', 'blackhole', 'nic-down', 'blackhole']);
    expect(hooks(html, 'polyline', 'throughput', 'points')).toHaveLength(3);
    expect(hooks(html, 'rect', 'phase', 'x').length).toBeGreaterThanOrEqual(3);
    // 4 of each trial's 5 events fall inside its window; the fifth is counted as outside
    expect(hooks(html, 'g', 'event', 'data-kind')).toHaveLength(12);
    expect(html).toContain('1 outside the window');
    expect(html).toContain('outage 312.0 ms (312 lost)');
    expect(hooks(html, 'table', 'assertions', 'class')).toHaveLength(3);
    expect(html).toMatch(/<tr class="failed"><td class="status">failed<\/td><td>outage of client-vip:forward 312.0 ms &lt;= 100 ms<\/td>/);
  });

  test('every text from the result is escaped', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain(TCP);
    expect(html).toContain('bulk&lt;tcp&gt;&amp;&quot;q&quot;');
    const evil = runResult();
    evil.lab = '"><svg onload=alert(1)>';
    evil.trials[0]!.flows[0]!.name = "x' onmouseover='y";
    const e = renderHtml(evil);
    expect(e).not.toContain('<svg onload');
    expect(e).not.toContain("x' onmouseover");
  });

  test('a trial without flows, events or phases still renders', () => {
    const bare = runResult();
    bare.trials = [{ index: 1, ok: false, fault: null, faults: [], flowsFromMs: null, flowsToMs: null, flows: [], events: [], assertions: [], phases: [], aborted: 'build failed' }];
    bare.summary = {};
    const h = renderHtml(bare);
    expect(hooks(h, 'svg', 'timeline', 'data-trial')).toEqual(['1']);
    expect(h).toContain('Aborted: build failed');
    expect(h).not.toContain('NaN');
    expect(html).not.toContain('NaN');
  });
});

describe('report.html in headless Chromium', () => {
  let dir = '';
  const r = runResult();
  // As root, and without the networking switches it would try hosts it cannot reach (DESIGN.md).
  const flags = () => chromiumFlags(dir);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'halab-report-'));
    writeFileSync(join(dir, 'report.html'), renderHtml(r));
    await chromiumReady();
  }, 660_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the rendered DOM has a timeline per trial, a lane per flow in each, a histogram per flow', async () => {
    const { stdout } = await execa(CHROMIUM, [...flags(), '--dump-dom', `file://${join(dir, 'report.html')}`], { timeout: 60_000 });
    expect(stdout).toContain('</html>');
    expect(hooks(stdout, 'svg', 'timeline', 'data-trial')).toEqual(r.trials.map((t) => String(t.index)));
    const lanes = hooks(stdout, 'g', 'flow-lane', 'data-flow').map(unescape);
    expect(lanes).toEqual(r.trials.flatMap((t) => t.flows.map((f) => f.name)));
    expect(hooks(stdout, 'svg', 'histogram', 'data-flow').map(unescape)).toEqual([UDP, TCP]);
    expect(stdout).not.toContain('<script>alert(1)</script>');
  });

  test('the screenshot is a picture, not a blank page: many colours, the loss windows in red', async () => {
    const png = join(dir, 'report.png');
    await execa(CHROMIUM, [...flags(), `--screenshot=${png}`, '--window-size=1400,2000', `file://${join(dir, 'report.html')}`], { timeout: 60_000 });
    expect(statSync(png).size).toBeGreaterThan(20_000);
    const { width, height, colours, red } = pngColours(png);
    expect([width, height]).toEqual([1400, 2000]);
    expect(colours.size).toBeGreaterThan(20);
    expect(red).toBeGreaterThan(100);
  });
});
