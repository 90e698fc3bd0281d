/**
 * report.html: self-contained, escaped, with stable hooks; and rendered by headless Chromium
 * (Debian's `chromium`, installed by ./setup): the DOM it builds has a timeline per trial, a lane
 * per flow and a histogram per flow, and its screenshot is not a blank page.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { runResult, TCP, UDP } from '../helpers/run-result.js';

const CHROMIUM = '/usr/bin/chromium';
const INSTALL_LOG = '/tmp/chromium-install.log';

/** Attribute values of `attr` on elements whose class list holds `cls`, in document order. */
function hooks(html: string, tag: string, cls: string, attr: string): string[] {
  const re = new RegExp(`<${tag}\\b[^>]*\\bclass="(?:[^"]* )?${cls}(?: [^"]*)?"[^>]*>`, 'g');
  return [...html.matchAll(re)].map((m) => [...m[0].matchAll(/\s([\w-]+)="([^"]*)"/g)].find((a) => a[1] === attr)?.[2] ?? '');
}

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

/** Width, height and the distinct colours of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes). */
function pngColours(file: string): { width: number; height: number; colours: Set<number>; red: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  let width = 0, height = 0, depth = 0, type = 0, interlace = 0;
  const idat: Buffer[] = [];
  for (let off = 8; off < b.length; ) {
    const len = b.readUInt32BE(off);
    const kind = b.toString('latin1', off + 4, off + 8);
    const data = b.subarray(off + 8, off + 8 + len);
    if (kind === 'IHDR') [width, height, depth, type, interlace] = [data.readUInt32BE(0), data.readUInt32BE(4), data[8]!, data[9]!, data[12]!];
    if (kind === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  expect({ depth, interlace, rgb: type === 2 || type === 6 }).toEqual({ depth: 8, interlace: 0, rgb: true });
  const bpp = type === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  let prev = Buffer.alloc(stride);
  const colours = new Set<number>();
  let red = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp]! : 0;
      const up = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = up;
      else if (filter === 3) add = (a + up) >> 1;
      else if (filter === 4) {
        const p = a + up - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - up), pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      }
      line[i] = (line[i]! + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const [rr, gg, bb] = [line[x * bpp]!, line[x * bpp + 1]!, line[x * bpp + 2]!];
      colours.add((rr << 16) | (gg << 8) | bb);
      if (rr > 180 && gg < 80 && bb < 80) red++;
    }
    prev = line;
  }
  return { width, height, colours, red };
}

/** ./setup installs chromium; on a machine where it is being installed right now, wait for that to finish. */
async function chromiumReady(): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(CHROMIUM); i++) {
    const log = existsSync(INSTALL_LOG) ? readFileSync(INSTALL_LOG, 'utf8') : '';
    if (!log || /^done \d+$/m.test(log)) break;
    await new Promise((res) => setTimeout(res, 1000));
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run ./setup (Debian package chromium)`);
}

describe('report.html in headless Chromium', () => {
  let dir = '';
  const r = runResult();
  // As root, and without the networking switches it would try hosts it cannot reach (DESIGN.md).
  const flags = () => ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${join(dir, 'profile')}`];

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
