/**
 * seeds/002's HA for SFC on real namespaces and a userspace OVS: labs/sfc-ha.yaml through the
 * built CLI. Which flows were on the failed firewall is read from the engine's placement events
 * (what the datapath carried), not assumed: those flows must lose traffic at the halt and come
 * back on another instance; every other flow must lose nothing through scale-out, respawn and
 * scale-in. Then the live engine refuses bad requests without touching the chain. A leak census
 * after each.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import type { RunResult } from '../../src/model/result.js';
import { halab } from '../helpers/cli.js';
import { expectNoLeaks, takeCensus, useLab } from '../helpers/lab.js';

let out = '';
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'halab-sfc-'));
});
afterAll(() => {
  if (!process.env.SFC_KEEP) rmSync(out, { recursive: true, force: true });
});

type Ev = RunResult['trials'][number]['events'][number];

/** An sfc-placement event: "A>B via p,q; ..." -> [{src, dst, pairs}]. */
function placement(e: Ev): { src: string; dst: string; pairs: string[] }[] {
  return e.detail.split('; ').flatMap((part) => {
    const m = /^([\d.]+)>([\d.]+)(?: \S+ \S+)? via (\S+)$/.exec(part);
    return m ? [{ src: m[1]!, dst: m[2]!, pairs: m[3]!.split(',') }] : [];
  });
}

describe('sfc-ha', () => {
  test('fw1 halts: its flows recover on another firewall; the others lose nothing through scale-out, respawn and scale-in', async () => {
    const before = await takeCensus('sfc-it1');
    const r = await halab(['run', 'labs/sfc-ha.yaml', '--name', 'sfc-it1', '--out', out, '--json'], { timeoutMs: 150_000 });
    await expectNoLeaks(before);
    const res = JSON.parse(r.stdout) as RunResult;
    const t = res.trials[0]!;
    const at = (kind: string, detail: string) => t.events.find((e) => e.kind === kind && e.detail.includes(detail));

    // The chain updates, in the document's terms, each an event on the lab clock.
    const scaleOut = at('sfc', 'scale-out fw +fw3')!;
    const detect = at('sfc-monitor', 'fw1 (192.168.100.11) down')!;
    const respawn = at('sfc', 'respawn fw1 -> fw4')!;
    const scaleIn = at('sfc', 'scale-in fw -fw3')!;
    for (const e of [scaleOut, detect, respawn, scaleIn]) expect(e).toBeDefined();
    expect(scaleOut.tMs).toBeLessThan(0);
    expect(detect.tMs).toBeGreaterThan(0);
    expect(detect.tMs).toBeLessThan(1000);
    expect(respawn.tMs).toBeGreaterThan(detect.tMs);
    expect(scaleIn.tMs).toBeGreaterThan(respawn.tMs);
    expect(at('sfc-notify', 'fw1 failed')).toBeDefined();

    // Where each flow went, from the datapath: the last placement before the halt, the first after the respawn.
    const placements = t.events.filter((e) => e.kind === 'sfc-placement');
    const atHalt = placement(placements.filter((e) => e.tMs < 0).at(-1)!);
    const afterRespawn = placement(placements.find((e) => e.tMs > respawn.tMs)!);
    const lab = parse(readFileSync('labs/sfc-ha.yaml', 'utf8')) as { flows: Record<string, { address: string; both?: boolean }> };
    const path = (p: typeof atHalt, name: string, dir: string) => {
      const a = lab.flows[name]!.address;
      return p.find((x) => (dir === 'reverse' ? x.src === a && x.dst === '10.0.0.2' : x.src === '10.0.0.2' && x.dst === a))?.pairs;
    };
    const flows = t.flows.map((f) => {
      const [name, dir = 'forward'] = f.name.split(':') as [string, string?];
      return { f, name, dir, halt: path(atHalt, name, dir), after: path(afterRespawn, name, dir) };
    });
    for (const x of flows) expect(x.halt, `${x.f.name} in the placement before the halt`).toBeDefined();
    const failed = flows.filter((x) => x.halt!.includes('fw1'));
    const kept = flows.filter((x) => !x.halt!.includes('fw1'));
    expect(failed.length).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);

    for (const { f, after } of failed) {
      expect(f.lost, `${f.name} was on fw1`).toBeGreaterThan(0);
      // Lost from the halt (stamped once fw1's links are down; packets already on their way go
      // first) until the respawn's flows were in place, then back on the respawned instance.
      const w = (f as unknown as { lossWindows: { startMs: number; endMs: number }[] }).lossWindows.find((x) => x.startMs >= -50 && x.startMs <= 50);
      expect(w, `${f.name}: a loss window starting at the halt`).toBeDefined();
      expect(w!.endMs).toBeGreaterThan(detect.tMs);
      expect(w!.endMs).toBeLessThan(respawn.tMs + 100);
      expect(f.recoveredMs!).toBeLessThan(respawn.tMs + 100);
      expect(after).toContain('fw4');
    }
    for (const { f } of kept) expect(f.lost, `${f.name} was not on fw1`).toBe(0);
    // Symmetric: a flow's return path crosses the same instances, in reverse.
    for (const p of placements.map(placement))
      for (const fwd of p) {
        const back = p.find((x) => x.src === fwd.dst && x.dst === fwd.src);
        if (back) expect(back.pairs).toEqual([...fwd.pairs].reverse());
      }
    const failedAssertions = t.assertions.filter((a) => !a.ok).map((a) => `${a.name}: ${a.detail}`);
    expect(failedAssertions, r.stderr.slice(-2000)).toEqual([]);
    expect(r.code).toBe(0);
  }, 200_000);

  test('http_ping: fw1 still forwards but its service is dead: respawned onto fw3, its flows moved there without a loss', async () => {
    const before = await takeCensus('sfc-it3');
    const r = await halab(['run', 'labs/sfc-ha-http.yaml', '--name', 'sfc-it3', '--out', out, '--json'], { timeoutMs: 150_000 });
    await expectNoLeaks(before);
    const t = (JSON.parse(r.stdout) as RunResult).trials[0]!;
    const at = (kind: string, detail: string) => t.events.find((e) => e.kind === kind && e.detail.includes(detail));
    const detect = at('sfc-monitor', 'fw1 (192.168.100.11) down: 3 HTTP GETs to port 8000 failed')!;
    const respawn = at('sfc', 'respawn fw1 -> fw3 (http_ping failure)')!;
    expect(detect).toBeDefined();
    expect(respawn).toBeDefined();
    // The lab's policy: retry 3 GETs 0.2 s apart, each refused at once: (retry - 1) to retry intervals.
    const m = (parse(readFileSync('labs/sfc-ha-http.yaml', 'utf8')) as { 'topology-patch': { nodes: { sw: { services: { sfc: { monitoring: { interval: number; retry: number } } } } } } })['topology-patch'].nodes.sw.services.sfc.monitoring;
    expect(detect.tMs).toBeGreaterThan((m.retry - 1) * m.interval * 1000 - 50);
    expect(detect.tMs).toBeLessThan(m.retry * m.interval * 1000 + 250);
    expect(respawn.tMs).toBeGreaterThan(detect.tMs);
    // The flows on fw1 before are on fw3 after; nothing was lost by any flow.
    const placements = t.events.filter((e) => e.kind === 'sfc-placement');
    const onFw1 = placement(placements.filter((e) => e.tMs < 0).at(-1)!).filter((p) => p.pairs.includes('fw1'));
    const after = placement(placements.find((e) => e.tMs > respawn.tMs)!);
    expect(onFw1.length).toBeGreaterThan(0);
    for (const p of onFw1) expect(after.find((x) => x.src === p.src && x.dst === p.dst)?.pairs).toContain('fw3');
    for (const f of t.flows) expect(f.lost, f.name).toBe(0);
    expect(r.code, t.assertions.filter((a) => !a.ok).map((a) => a.detail).join('\n')).toBe(0);
  }, 200_000);

  describe('the live engine', () => {
    useLab('topologies/sfc-ha.yaml', 'sfc-it2');

    test('refuses bad requests and leaves the chain as it was; status shows the groups', async () => {
      const flows = async () => (await halab(['exec', 'sfc-it2', 'sw', '--', 'ovs-ofctl', 'dump-flows', 'chain', '--no-stats'])).stdout;
      const before = await flows();
      expect(before).toContain('multipath(symmetric_l3');
      for (const [args, msg] of [
        [['scale-out', 'nat'], "no port pair group 'nat'"],
        [['scale-in', 'dpi'], 'is the group\'s last'],
        [['respawn', 'dpi1'], 'group dpi has no spare port pair left'],
        [['scale-out', 'fw', 'fw1'], 'port pair fw1 is not a spare of group fw'],
      ] as const) {
        const r = await halab(['exec', 'sfc-it2', 'sw', '--', 'halab', 'sfc', ...args]);
        expect(r.code, r.stdout + r.stderr).toBe(1);
        expect(r.stdout).toContain(msg);
      }
      expect(await flows()).toBe(before);
      const s = await halab(['status', 'sfc-it2']);
      expect(s.stdout).toMatch(/chain: fw \[fw1, fw2\] -> dpi \[dpi1\]; spares fw3, fw4; 0 updates/);
      const ok = await halab(['exec', 'sfc-it2', 'sw', '--', 'halab', 'sfc', 'scale-out', 'fw']);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ result: 'success', groups: { fw: ['fw1', 'fw2', 'fw3'] } });
      expect(await flows()).not.toBe(before);
    }, 60_000);
  });
});
