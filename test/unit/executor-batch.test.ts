/** `batchSteps` is pure: which plan steps the netns runtime runs as one process. */
import { describe, expect, test } from 'vitest';
import type { Step } from '../../src/model/plan.js';
import { loadLab } from '../../src/pipeline/load.js';
import { batchSteps } from '../../src/runtime/netns/executor.js';

const ip = (ns: string | undefined, ...args: string[]): Step => (ns ? { t: 'ip', ns, args } : { t: 'ip', args });
const sysctl = (ns: string, key: string): Step => ({ t: 'sysctl', ns, key, value: '1' });
const vsctl = (db: string, ...args: string[]): Step => ({ t: 'ovs-vsctl', db, args });
const exec = (...argv: string[]): Step => ({ t: 'exec', argv });

/** Units as lists of their steps' positions in the input. */
function shape(steps: Step[]): number[][] {
  return batchSteps(steps).map((u) => u.steps.map((s) => steps.indexOf(s)));
}

describe('batchSteps', () => {
  test('consecutive ip steps on one namespace become one unit', () => {
    const steps = [ip('ns1', 'link', 'set', 'lo', 'up'), ip('ns1', 'addr', 'add', '10.0.0.1/24', 'dev', 'eth0'), ip('ns1', 'link', 'set', 'eth0', 'up')];
    expect(shape(steps)).toEqual([[0, 1, 2]]);
    expect(batchSteps(steps)[0]!.key).toBe('ip:ns1');
  });

  test('ip steps on different namespaces do not merge', () => {
    const steps = [ip('ns1', 'link', 'set', 'lo', 'up'), ip('ns2', 'link', 'set', 'lo', 'up'), ip('ns2', 'link', 'set', 'eth0', 'up'), ip('ns1', 'link', 'set', 'eth0', 'up')];
    expect(shape(steps)).toEqual([[0], [1, 2], [3]]);
  });

  test('host ip steps (no namespace) merge with each other but not with namespaced ones', () => {
    const steps = [ip(undefined, 'link', 'add', 'a'), ip(undefined, 'link', 'add', 'b'), ip('ns1', 'link', 'set', 'a', 'up')];
    expect(shape(steps)).toEqual([[0, 1], [2]]);
  });

  test('netns-add steps merge, whatever the namespace; so do netns-del and kill-ns', () => {
    const adds: Step[] = ['a', 'b', 'c'].map((ns) => ({ t: 'netns-add', ns }));
    expect(shape(adds)).toEqual([[0, 1, 2]]);
    expect(batchSteps(adds)[0]!.key).toBe('netns-add');
    const down: Step[] = [
      { t: 'kill-ns', ns: 'a' },
      { t: 'kill-ns', ns: 'b' },
      { t: 'netns-del', ns: 'a' },
      { t: 'netns-del', ns: 'b' },
    ];
    expect(shape(down)).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  test('sysctls merge per namespace, ovs-vsctl per database', () => {
    const steps = [sysctl('ns1', 'a'), sysctl('ns1', 'b'), sysctl('ns2', 'a'), vsctl('/x/db.sock', 'add-br', 'br0'), vsctl('/x/db.sock', 'add-port', 'br0', 'p1'), vsctl('/y/db.sock', 'add-br', 'br0')];
    expect(shape(steps)).toEqual([[0, 1], [2], [3, 4], [5]]);
  });

  test('exec, mkdir and kill steps run alone and split runs around them', () => {
    const steps: Step[] = [
      ip('ns1', 'link', 'set', 'lo', 'up'),
      exec('ethtool', '-K', 'eth0', 'tx', 'off'),
      exec('ethtool', '-K', 'eth1', 'tx', 'off'),
      ip('ns1', 'link', 'set', 'eth0', 'up'),
      { t: 'mkdir', path: '/tmp/x' },
      { t: 'mkdir', path: '/tmp/y' },
      { t: 'kill', pidfile: '/tmp/x.pid' },
      { t: 'kill', pidfile: '/tmp/y.pid' },
    ];
    expect(shape(steps)).toEqual([[0], [1], [2], [3], [4], [5], [6], [7]]);
  });

  test('different step types never merge, even on one namespace', () => {
    const steps: Step[] = [ip('ns1', 'link', 'set', 'lo', 'up'), sysctl('ns1', 'net.ipv4.ip_forward'), ip('ns1', 'link', 'set', 'eth0', 'up')];
    expect(shape(steps)).toEqual([[0], [1], [2]]);
  });

  test('keeps every step once, in order', () => {
    expect(batchSteps([])).toEqual([]);
    const steps = loadLab('topologies/dvr-fip.yaml').plan.actions.flatMap((a) => a.do);
    const units = batchSteps(steps);
    expect(units.flatMap((u) => u.steps)).toEqual(steps);
    // The point of batching: far fewer processes than steps.
    expect(units.length).toBeLessThan(steps.length * 0.6);
    for (const u of units) if (u.steps.length > 1) expect(new Set(u.steps.map((s) => s.t)).size).toBe(1);
  });
});
