/** GoBGP as a lab service: configured through its CLI, routes into the kernel by the FIB agent, events. */
import { describe, expect, test } from 'vitest';
import { readEvents } from '../../src/runtime/events.js';
import { halab } from '../helpers/cli.js';
import { eventually, inNode, ping, useLab } from '../helpers/lab.js';

const LAB = 'gobgp-frr';
const EVENTS = `/run/halab/${LAB}/events.jsonl`;

const route = async (node: string, prefix: string) => (await inNode(LAB, node, ['ip', 'route', 'show', prefix])).stdout.trim();
const vtysh = (...cmds: string[]) => inNode(LAB, 'f2', ['vtysh', '--vty_socket', `/run/halab/${LAB}/nodes/f2/frr`, ...cmds.flatMap((c) => ['-c', c])]);

describe('GoBGP service with an FRR peer', () => {
  useLab('test/fixtures/valid/gobgp-frr.yaml', LAB, { readyTimeoutS: 40 });

  test('routes reach both kernels: FRR through zebra, GoBGP through the FIB agent', async () => {
    expect(await eventually(() => route('g1', '10.2.0.0/24'))).toMatch(/via 192\.0\.2\.2 .*proto bgp/);
    expect(await eventually(() => route('f2', '10.1.0.0/24'))).toMatch(/via 192\.0\.2\.1 .*proto bgp/);
    expect(await ping(LAB, 'h1', '10.2.0.10')).toBe(true);
  });

  test('each best path and kernel change is an event on one clock, with the delay the agent added', async () => {
    const evs = await eventually(async () => {
      const e = readEvents(EVENTS).filter((x) => x.node === 'g1');
      return e.some((x) => x.kind === 'fib') ? e : null;
    });
    const best = evs!.find((e) => e.kind === 'bgp-bestpath' && e.detail.startsWith('10.2.0.0/24 via 192.0.2.2'))!;
    const fib = evs!.find((e) => e.kind === 'fib' && e.detail.startsWith('10.2.0.0/24 via 192.0.2.2'))!;
    expect(best.detail).toContain('path 65002');
    expect(fib.tMs).toBeGreaterThanOrEqual(best.tMs);
    const added = Number(/\(\+([\d.]+) ms\)/.exec(fib.detail)![1]);
    expect(added).toBeCloseTo(fib.tMs - best.tMs, 0);
  });

  test('a session shut down by the peer: a session-down event, the route leaves the kernel, and comes back', async () => {
    const t0 = Math.max(0, ...readEvents(EVENTS).map((e) => e.tMs));
    expect((await vtysh('configure terminal', 'router bgp 65002', 'neighbor 192.0.2.1 shutdown')).code).toBe(0);
    expect(await eventually(async () => ((await route('g1', '10.2.0.0/24')) === '' ? 'gone' : ''))).toBe('gone');
    const evs = readEvents(EVENTS, t0).filter((e) => e.node === 'g1');
    const down = evs.find((e) => e.kind === 'bgp-session' && e.detail.startsWith('192.0.2.2 DOWN'));
    const removed = evs.find((e) => e.kind === 'fib' && e.detail.startsWith('10.2.0.0/24 removed'));
    expect(down).toBeDefined();
    expect(removed).toBeDefined();
    expect(removed!.tMs).toBeGreaterThanOrEqual(down!.tMs);
    expect((await vtysh('configure terminal', 'router bgp 65002', 'no neighbor 192.0.2.1 shutdown')).code).toBe(0);
    expect(await eventually(() => route('g1', '10.2.0.0/24'), 20_000)).toMatch(/via 192\.0\.2\.2/);
    expect(readEvents(EVENTS, t0).some((e) => e.node === 'g1' && e.kind === 'bgp-session' && e.detail === '192.0.2.2 UP')).toBe(true);
  }, 40_000);

  test('status shows the GoBGP neighbor table and the agent', async () => {
    const st = await halab(['status', LAB]);
    expect(st.stdout).toContain('GoBGP: 1/1 BGP sessions Established, FIB agent running');
    expect(st.stdout).toMatch(/g1\s*│\s*192\.0\.2\.2\s*│\s*65002\s*│\s*UP/);
  });
});
