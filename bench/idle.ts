/**
 * Wait until the machine is idle (from /proc/stat). Namespace destruction continues in kernel
 * workers after `ip netns del` returns; a benchmark that starts before they finish pays for the
 * previous run's teardown.
 */
import { readFileSync } from 'node:fs';

function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Resolves with the ms waited once busy < `threshold` for two 200 ms samples in a row (cap: `maxMs`). */
export async function waitIdle(threshold = 0.15, maxMs = 60_000): Promise<number> {
  const t0 = Date.now();
  let quiet = 0;
  let prev = cpuTimes();
  while (Date.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, 200));
    const now = cpuTimes();
    const busy = (now.busy - prev.busy) / Math.max(1, now.total - prev.total);
    prev = now;
    quiet = busy < threshold ? quiet + 1 : 0;
    if (quiet >= 2) return Date.now() - t0;
  }
  return Date.now() - t0;
}
