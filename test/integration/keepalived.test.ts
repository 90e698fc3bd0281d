/**
 * keepalived as a lab service: a VRRPv3 pair (100 ms adverts) on a Linux bridge with a client.
 * One master after `up`; the master's NIC going down moves the VIP to the backup within the
 * master-down time (3 x advert + skew), seen in the lab's event log on the monotonic clock; the
 * NIC coming back lets the master preempt; `down` leaves no keepalived and no agent behind.
 */
import { describe, expect, test } from 'vitest';
import { masterDownMs } from '../../src/plugins/services/keepalived/config.js';
import { resolveInstances, type KeepalivedOptions } from '../../src/plugins/services/keepalived/options.js';
import { labDir } from '../../src/pipeline/expand.js';
import { loadTopology } from '../../src/pipeline/validate.js';
import { eventsFile, monotonicMs, readEvents } from '../../src/runtime/events.js';
import { halab } from '../helpers/cli.js';
import { eventually, inNode, ping, takeCensus, useLab } from '../helpers/lab.js';

const FILE = 'test/fixtures/valid/vrrp-pair.yaml';
const LAB = 'vrrp-test';
const VIP = '10.0.0.1';
/** Scheduling and process start-up on a loaded 2-core machine, on top of the protocol's time. */
const MARGIN_MS = 500;

const instanceOf = (node: string) => {
  const n = loadTopology(FILE).topology.nodes.find((x) => x.name === node)!;
  return resolveInstances(n.services[0]!.options as unknown as KeepalivedOptions)[0]!;
};
const r1 = instanceOf('r1');
const r2 = instanceOf('r2');


async function holdsVip(node: string): Promise<boolean> {
  const r = await inNode(LAB, node, ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  return r.stdout.includes(` ${VIP}/`);
}

async function holders(): Promise<string[]> {
  const out: string[] = [];
  for (const n of ['r1', 'r2']) if (await holdsVip(n)) out.push(n);
  return out;
}

interface StatusJson {
  nodes: { name: string; services: { kind: string; summary: string }[] }[];
}

async function statusJson(): Promise<StatusJson> {
  const r = await halab(['status', LAB, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StatusJson;
}

const summaryOf = (st: StatusJson, node: string) => st.nodes.find((x) => x.name === node)!.services.find((s) => s.kind === 'keepalived')!.summary;

const vrrpEvents = (since: number) => readEvents(eventsFile(labDir(LAB)), since).filter((e) => e.kind === 'vrrp');

describe('keepalived service (VRRPv3 pair, 100 ms adverts)', () => {
  useLab(FILE, LAB, { readyTimeoutS: 30 });

  test('after up exactly one router holds the VIP; status, events and logs say which', async () => {
    expect(await holders()).toEqual(['r1']);
    expect(await ping(LAB, 'client', VIP)).toBe(true);

    const st = await halab(['status', LAB]);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/r1\s*│\s*VI_1\s*│\s*51\s*│\s*10\.0\.0\.1\/24\s*│\s*MASTER\s*│\s*150/);
    expect(st.stdout).toMatch(/r2\s*│\s*VI_1\s*│\s*51\s*│\s*10\.0\.0\.1\/24\s*│\s*BACKUP\s*│\s*100/);
    const js = await statusJson();
    expect(summaryOf(js, 'r1')).toBe('VRRP VI_1 MASTER (priority 150)');
    expect(summaryOf(js, 'r2')).toBe('VRRP VI_1 BACKUP (priority 100)');

    // Both start in BACKUP; r1 ends MASTER. When r2's keepalived starts a little earlier, its
    // master-down timer runs out first and it is MASTER until r1's first advert (preempt).
    const ev = vrrpEvents(-Infinity);
    const of = (n: string) => ev.filter((e) => e.node === n).map((e) => e.detail);
    expect(of('r1')[0]).toBe('VI_1 BACKUP');
    expect(of('r1').at(-1)).toBe('VI_1 MASTER');
    expect(of('r2')[0]).toBe('VI_1 BACKUP');
    expect(of('r2').at(-1)).toBe('VI_1 BACKUP');

    const logs = await halab(['logs', LAB, 'r1', 'keepalived', '-n', '50']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('keepalived.log');
    expect(logs.stdout).toContain('(VI_1) Entering MASTER STATE');

    // The census sees what down must remove: one keepalived (parent + VRRP child) and one agent per router.
    const mid = await takeCensus(LAB);
    expect(mid.processes.filter((p) => p.startsWith('keepalived(')).length).toBe(4);
    expect(mid.processes.filter((p) => p.startsWith('node(')).length).toBe(2);
  });

  test("the master's NIC going down moves the VIP to the backup within 3 x advert + skew", async () => {
    const t0 = monotonicMs();
    expect((await inNode(LAB, 'r1', ['ip', 'link', 'set', 'eth0', 'down'])).code).toBe(0);
    expect(await eventually(async () => (await holdsVip('r2')) || null, 5000, 20)).toBe(true);
    expect(await holders()).toEqual(['r2']);

    const ev = vrrpEvents(t0);
    expect(ev.find((e) => e.node === 'r1')?.detail).toBe('VI_1 FAULT');
    const master = ev.find((e) => e.node === 'r2' && e.detail === 'VI_1 MASTER');
    expect(master, JSON.stringify(ev)).toBeDefined();
    const takeoverMs = master!.tMs - t0;
    // r1's last advert left at most one interval before t0, so r2's master-down timer (reset by
    // that advert) ran out between masterDown - advert and masterDown after t0.
    const limit = masterDownMs(r2);
    console.log(`VRRP takeover after NIC down: ${takeoverMs.toFixed(1)} ms (master-down time ${limit.toFixed(1)} ms = 3 x ${r2.advertMs} + skew ${(limit - 3 * r2.advertMs).toFixed(1)})`);
    expect(takeoverMs).toBeGreaterThan(limit - 2 * r2.advertMs);
    expect(takeoverMs).toBeLessThan(limit + MARGIN_MS);
    expect(await ping(LAB, 'client', VIP)).toBe(true);
  });

  test('the NIC coming back up lets the higher-priority router take the VIP back (preempt)', async () => {
    expect(r1.preempt && r1.priority > r2.priority).toBe(true);
    const t1 = monotonicMs();
    expect((await inNode(LAB, 'r1', ['ip', 'link', 'set', 'eth0', 'up'])).code).toBe(0);
    expect(await eventually(async () => ((await holders()).join() === 'r1' ? true : null), 5000, 20)).toBe(true);

    const ev = vrrpEvents(t1);
    const r1Master = ev.find((e) => e.node === 'r1' && e.detail === 'VI_1 MASTER');
    const r2Backup = ev.find((e) => e.node === 'r2' && e.detail === 'VI_1 BACKUP');
    expect(r1Master, JSON.stringify(ev)).toBeDefined();
    expect(r2Backup, JSON.stringify(ev)).toBeDefined();
    console.log(`VRRP preemption after NIC up: r1 MASTER ${(r1Master!.tMs - t1).toFixed(1)} ms after the NIC came up`);
    expect(ev.filter((e) => e.node === 'r1').map((e) => e.detail)).toEqual(['VI_1 BACKUP', 'VI_1 MASTER']);
    expect(summaryOf(await statusJson(), 'r1')).toBe('VRRP VI_1 MASTER (priority 150)');
    expect(await ping(LAB, 'client', VIP)).toBe(true);
  });
});
