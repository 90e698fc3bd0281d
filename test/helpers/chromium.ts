/** Headless Chromium (Debian's `chromium`, installed by ./setup) for the tests of report.html. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { expect } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
const INSTALL_LOG = '/tmp/chromium-install.log';

/** As root, and without the networking switches it would try hosts it cannot reach (DESIGN.md); a fresh profile under `dir`. */
export const chromiumFlags = (dir: string) => ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${join(dir, 'profile')}`];

/** Attribute values of `attr` on elements whose class list holds `cls`, in document order. */
export function hooks(html: string, tag: string, cls: string, attr: string): string[] {
  const re = new RegExp(`<${tag}\\b[^>]*\\bclass="(?:[^"]* )?${cls}(?: [^"]*)?"[^>]*>`, 'g');
  return [...html.matchAll(re)].map((m) => [...m[0].matchAll(/\s([\w-]+)="([^"]*)"/g)].find((a) => a[1] === attr)?.[2] ?? '');
}

/** Width, height and the distinct colours of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes). */
export function pngColours(file: string): { width: number; height: number; colours: Set<number>; red: number } {
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
export async function chromiumReady(): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(CHROMIUM); i++) {
    const log = existsSync(INSTALL_LOG) ? readFileSync(INSTALL_LOG, 'utf8') : '';
    if (!log || /^done \d+$/m.test(log)) break;
    await new Promise((res) => setTimeout(res, 1000));
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run ./setup (Debian package chromium)`);
}
