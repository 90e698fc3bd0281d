/**
 * labs/sdwan-gobgp.yaml (seeds/001) through `halab run`: the document replayed (RIB before and
 * after policy1), then SRX-1 halts. The lab's own assertions must hold (exit 0), and result.json
 * must tell the story on one clock: the fault, SRX-2's VRRP transition, GoBGP-1's session down,
 * GoBGP-3's best-path and kernel route change, and each direction recovering right after the event
 * that explains it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { RunResult } from '../../src/model/result.js';
import { halab } from '../helpers/cli.js';
import { expectNoLeaks, takeCensus } from '../helpers/lab.js';

const out = mkdtempSync(join(tmpdir(), 'halab-sdwan-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

test('sdwan-gobgp: SRX-1 halts; VRRP and BGP re-route, each direction recovers after its event', async () => {
  const before = await takeCensus('rsd');
  const r = await halab(['run', 'labs/sdwan-gobgp.yaml', '--name', 'rsd', '--out', out, '--json'], { timeoutMs: 240_000 });
  expect(r.code, r.stderr).toBe(0);
  const res = JSON.parse(r.stdout) as RunResult;
  const t = res.trials[0]!;
  expect(t.fault).toMatchObject({ kind: 'node-halt', target: 'SRX-1' });

  // The replay: the RIB before policy1 (unreachable next hops), and after it.
  const execs = t.phases.filter((p) => p.name.startsWith('exec in GoBGP-3')).map((p) => p.detail);
  expect(execs[0]).toMatch(/0\.0\.0\.0\/0 +192\.168\.0\.1/);
  expect(execs.at(-2)).toMatch(/\*> 0\.0\.0\.0\/0 +172\.16\.0\.1/);
  expect(execs.at(-1)).toMatch(/\*> 0\.0\.0\.0\/0 +172\.16\.1\.1/);

  const at = (node: string, kind: string, detail: RegExp) => t.events.find((e) => e.node === node && e.kind === kind && detail.test(e.detail) && e.tMs >= 0)?.tMs;
  const vrrp = at('SRX-2', 'vrrp', /MASTER/)!;
  const down = at('GoBGP-1', 'bgp-session', /192\.168\.0\.1 DOWN/)!;
  const best = at('GoBGP-3', 'bgp-bestpath', /0\.0\.0\.0\/0 via 172\.16\.1\.1/)!;
  const fib = at('GoBGP-3', 'fib', /0\.0\.0\.0\/0 via 172\.16\.1\.1/)!;
  for (const x of [vrrp, down, best, fib]) expect(x).toBeGreaterThan(0);
  expect(vrrp).toBeLessThan(down);
  expect(down).toBeLessThanOrEqual(best);
  expect(best).toBeLessThanOrEqual(fib);
  // Hold time 3 s: GoBGP-1 gives up within it.
  expect(down).toBeLessThan(3100);

  const fwd = t.flows.find((f) => f.name === 'pc1-host100:forward')!;
  const rev = t.flows.find((f) => f.name === 'pc1-host100:reverse')!;
  expect(fwd.outageMs).toBeGreaterThan(0);
  expect(rev.outageMs).toBeGreaterThan(0);
  // Each direction comes back with the change that explains it, not before, and soon after.
  expect(rev.recoveredMs!).toBeGreaterThanOrEqual(vrrp - 5);
  expect(rev.recoveredMs! - vrrp).toBeLessThan(100);
  expect(fwd.recoveredMs!).toBeGreaterThanOrEqual(fib - 5);
  expect(fwd.recoveredMs! - fib).toBeLessThan(100);
  await expectNoLeaks(before);
}, 300_000);
