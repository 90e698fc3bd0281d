/** Faults on real labs: each takes effect at a recorded moment, and the control plane reacts as it should. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { readEvents } from '../../src/runtime/events.js';
import { listProcesses, netnsInode } from '../../src/runtime/netns/proc.js';
import { halab } from '../helpers/cli.js';
import { eventually, inNode, takeCensus, useLab, expectNoLeaks } from '../helpers/lab.js';

interface Fault {
  kind: string;
  atMs: number;
  endMs?: number;
  detail: string;
}
async function fault(lab: string, ...args: string[]): Promise<Fault> {
  const r = await halab(['fault', lab, ...args, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Fault;
}
const vrrpMaster = (lab: string, node: string, since: number) =>
  eventually(async () => readEvents(`/run/halab/${lab}/events.jsonl`, since).find((e) => e.node === node && e.kind === 'vrrp' && e.detail.endsWith('MASTER')) ?? null, 10_000, 20);

// VRRPv3: master-down interval = 3 x advert + skew, skew = (256 - priority) / 256 x advert.
const ADVERT = 100;
const masterDownMs = (priority: number) => 3 * ADVERT + ((256 - priority) / 256) * ADVERT;

describe('faults on a VRRP pair (r1 priority 150 master, r2 priority 100, 100 ms adverts)', () => {
  const LAB = 'fault-vrrp';
  useLab('test/fixtures/valid/vrrp-pair.yaml', LAB);

  test('nic-down on the master: r2 takes over after about its master-down interval; nic-up: r1 takes back', async () => {
    const f = await fault(LAB, 'nic-down', 'r1:eth0');
    const takeover = (await vrrpMaster(LAB, 'r2', f.atMs))!.tMs - f.atMs;
    // The last advert left r1 up to one interval before the fault.
    expect(takeover).toBeGreaterThan(masterDownMs(100) - ADVERT - 10);
    expect(takeover).toBeLessThan(masterDownMs(100) + 150);
    const up = await fault(LAB, 'nic-up', 'r1:eth0');
    expect(await vrrpMaster(LAB, 'r1', up.atMs)).not.toBeNull();
  });

  test('process-kill SIGTERM of the master keepalived hands over at once (priority 0), far sooner than SIGKILL would', async () => {
    const f = await fault(LAB, 'process-kill', 'r1:keepalived', '--signal', 'TERM');
    const takeover = (await vrrpMaster(LAB, 'r2', f.atMs))!.tMs - f.atMs;
    expect(takeover).toBeLessThan(masterDownMs(100) / 2);
  });
});

describe('node-restart (a server restart)', () => {
  const LAB = 'fault-restart';
  useLab('test/fixtures/valid/vrrp-pair.yaml', LAB);

  test('the master restarts: r2 takes over while it is down, r1 comes back with its services and preempts', async () => {
    const f = await fault(LAB, 'node-restart', 'r1', '--duration-ms', '800');
    expect(f.endMs! - f.atMs).toBeGreaterThanOrEqual(800);
    expect((await vrrpMaster(LAB, 'r2', f.atMs))!.tMs).toBeLessThan(f.endMs!);
    expect((await vrrpMaster(LAB, 'r1', f.endMs!))!.tMs).toBeGreaterThan(f.endMs!);
  });
});

describe('node-halt, node-freeze and node-resume', () => {
  const LAB = 'fault-node';
  useLab('test/fixtures/valid/vrrp-pair.yaml', LAB);
  /** The scheduler state (R, S, D...) of each process in r1's namespace. */
  const r1Procs = async () => {
    const ino = netnsInode(`halab.${LAB}.r1`);
    return listProcesses()
      .filter((p) => p.netIno === ino)
      .flatMap((p) => {
        try {
          return [readFileSync(`/proc/${p.pid}/stat`, 'utf8').replace(/^.*\) /, '')[0]];
        } catch {
          return [];
        }
      });
  };

  test('node-freeze: processes frozen, links stay up, r2 takes over on timers alone; node-resume thaws', async () => {
    const f = await fault(LAB, 'node-freeze', 'r1');
    expect((await r1Procs()).every((s) => s === 'D')).toBe(true);
    expect((await inNode(LAB, 'r1', ['ip', 'link', 'show', 'dev', 'eth0'])).stdout).toContain('state UP');
    expect(await vrrpMaster(LAB, 'r2', f.atMs)).not.toBeNull();
    const r = await fault(LAB, 'node-resume', 'r1');
    expect((await r1Procs()).some((s) => s === 'D')).toBe(false);
    // r1 was frozen as MASTER and resumes as MASTER: r2 hears its higher priority and steps back.
    const backup = await eventually(async () => readEvents(`/run/halab/${LAB}/events.jsonl`, r.atMs).find((e) => e.node === 'r2' && e.detail.endsWith('BACKUP')) ?? null, 10_000, 20);
    expect(backup).not.toBeNull();
  });

  test('node-halt: processes frozen and links down; a lab with a halted node comes down without leaks', async () => {
    const f = await fault(LAB, 'node-halt', 'r1');
    expect((await r1Procs()).every((s) => s === 'D')).toBe(true);
    expect((await inNode(LAB, 'r1', ['ip', 'link', 'show', 'dev', 'eth0'])).stdout).toContain('state DOWN');
    expect(await vrrpMaster(LAB, 'r2', f.atMs)).not.toBeNull();
    expect((await takeCensus(LAB)).cgroups).toEqual([LAB, `${LAB}/r1`]);
    // useLab's teardown then thaws, kills and removes it all: its leak census includes cgroups.
  });
});

describe('faults on links and ports', () => {
  const LAB = 'fault-bgp';
  useLab('test/fixtures/valid/bgp-pair.yaml', LAB);
  const bgp = async () => {
    const r = await inNode(LAB, 'r1', ['vtysh', '--vty_socket', `/run/halab/${LAB}/nodes/r1/frr`, '-c', 'show bgp summary json']);
    return (JSON.parse(r.stdout) as { ipv4Unicast: { peers: Record<string, { state: string }> } }).ipv4Unicast.peers['192.0.2.2']!.state;
  };

  test('link-cut keeps the carrier but drops everything (BFD takes the session down); link-restore brings it back', async () => {
    // Established comes before the routes: wait until r2's LAN is in r1's kernel.
    expect(await eventually(async () => (await inNode(LAB, 'r1', ['ip', 'route', 'show', '10.2.0.0/24'])).stdout.trim(), 10_000)).toContain('proto bgp');
    const cut = await fault(LAB, 'link-cut', 'r2:eth0');
    expect((await inNode(LAB, 'r1', ['ip', 'link', 'show', 'dev', 'eth0'])).stdout).toContain('LOWER_UP');
    expect(await eventually(async () => ((await bgp()) !== 'Established' ? 'down' : null), 5000, 50)).toBe('down');
    const restored = await fault(LAB, 'link-restore', 'r2:eth0');
    expect(await eventually(async () => ((await bgp()) === 'Established' ? 'up' : null), 20_000, 200)).toBe('up');
    // r1's events on one clock: the fault, then the BGP session down, then its kernel route removed,
    // all before the restore; after it the session comes back up.
    const evs = await eventually(async () => {
      const e = readEvents(`/run/halab/${LAB}/events.jsonl`, cut.atMs).filter((x) => x.node === 'r1');
      return e.some((x) => x.kind === 'bgp-session' && x.tMs > restored.atMs) ? e : null;
    }, 10_000, 100);
    const down = evs!.find((e) => e.kind === 'bgp-session' && e.detail.startsWith('192.0.2.2 DOWN'))!;
    const removed = evs!.find((e) => e.kind === 'fib' && e.detail.startsWith('removed 10.2.0.0/24'))!;
    expect(down.tMs).toBeGreaterThan(cut.atMs);
    expect(removed.tMs).toBeGreaterThanOrEqual(down.tMs);
    expect(removed.tMs).toBeLessThan(restored.atMs);
    // BFD 100 ms x 3 detects it long before the 3 s hold time would.
    expect(down.tMs - cut.atMs).toBeLessThan(1000);
  }, 40_000);

  test('blackhole is a kernel-time window of exactly the requested length', async () => {
    for (const ms of [50, 200, 50]) {
      const f = await fault(LAB, 'blackhole', 'r2:eth0', '--duration-ms', String(ms));
      // The window is what calibration compares with: exact to the 512 ns grid.
      expect(Math.abs(f.endMs! - f.atMs - ms)).toBeLessThan(0.01);
      expect(f.detail).toContain('kernel-timed');
    }
  });

  test('nic-up restores the static routes the kernel dropped with the link', async () => {
    await fault(LAB, 'nic-down', 'h1:eth0');
    expect((await inNode(LAB, 'h1', ['ip', 'route', 'show', 'default'])).stdout.trim()).toBe('');
    await fault(LAB, 'nic-up', 'h1:eth0');
    expect((await inNode(LAB, 'h1', ['ip', 'route', 'show', 'default'])).stdout).toContain('via 10.1.0.1');
  });

  test('bad fault requests are exit 2 with a clear message', async () => {
    expect((await halab(['fault', LAB, 'nic-dwn', 'r1:eth0'])).stderr).toContain("did you mean 'nic-down'");
    expect((await halab(['fault', LAB, 'nic-down', 'r9:eth0'])).code).toBe(2);
    expect((await halab(['fault', LAB, 'nic-down', 'r1'])).stderr).toContain('NODE:INTERFACE');
    expect((await halab(['fault', LAB, 'nic-down', 'r1:eth7'])).stderr).toContain("no interface 'eth7'");
    expect((await halab(['fault', LAB, 'process-kill', 'r1:nosuch'])).stderr).toContain("no process named 'nosuch'");
  });
});

describe('port-down on switch nodes', () => {
  test('a Linux bridge port and an OVS port: the far side loses carrier, and gets it back', async () => {
    const LAB = 'fault-ovs';
    const before = await takeCensus(LAB);
    expect((await halab(['up', 'test/fixtures/valid/small-ovs.yaml', '--name', LAB])).code).toBe(0);
    try {
      await fault(LAB, 'port-down', 'sw:p1');
      expect(await eventually(async () => ((await inNode(LAB, 'a', ['ip', 'link', 'show', 'dev', 'eth0'])).stdout.includes('NO-CARRIER') ? 'lost' : null), 5000, 50)).toBe('lost');
      await fault(LAB, 'port-up', 'sw:p1');
      // A switch node restarts too: its OVS comes back with its bridge, ports and VLAN tags.
      const r = await halab(['fault', LAB, 'node-restart', 'sw', '--duration-ms', '300']);
      expect(r.code, r.stderr).toBe(0);
      expect((await halab(['exec', LAB, 'sw', '--', 'ovs-vsctl', 'get', 'port', 'p1', 'tag'])).stdout.trim()).toBe('10');
      expect(await eventually(async () => ((await inNode(LAB, 'a', ['ping', '-c', '1', '-W', '1', '10.0.0.2'])).code === 0 ? 'ok' : null), 10_000, 200)).toBe('ok');
    } finally {
      await halab(['down', LAB]);
    }
    await expectNoLeaks(before);
  });
});
