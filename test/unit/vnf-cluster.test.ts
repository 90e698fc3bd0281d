/** VNF clusters: `clusters:` expansion and the VNFM's decisions (src/plugins/services/vnf/core.ts). */
import { describe, expect, test } from 'vitest';
import type { AppTrigger, PingPolicy } from '../../src/model/cluster.js';
import { loadTopology } from '../../src/pipeline/validate.js';
import { Consecutive, detectionWindowMs, pickHost, plannedActions, triggerHit } from '../../src/plugins/services/vnf/core.js';

describe('clusters: expansion', () => {
  const { topology } = loadTopology('topologies/vnf-cluster-ha.yaml');
  const c = topology.clusters![0]!;
  test('the policy file is read as the document writes it', () => {
    expect(c.members).toEqual([
      { name: 'web-1', host: 'compute1', address: '10.0.0.11', prefixLen: 24, role: 'active' },
      { name: 'web-2', host: 'compute2', address: '10.0.0.12', prefixLen: 24, role: 'standby' },
    ]);
    expect(c.policies).toMatchObject([{ name: 'ping', delayS: 1, count: 3, intervalS: 1, timeoutS: 2, actions: ['failover', 'notify'] }]);
    expect(c.app!.triggers).toMatchObject([{ item: 'app_status', verb: 'restart', command: 'sudo service apache2 restart' }]);
  });
  test('members become nodes on their compute host bridge; the services land on LB, hosts and VNFM', () => {
    const svc = (n: string) => topology.nodes.find((x) => x.name === n)!.services.map((s) => s.kind);
    expect(svc('web-1')).toEqual(['vnf-member']);
    expect(svc('lb')).toEqual(['vnf-lb']);
    expect(svc('compute2')).toEqual(['vnf-vim']);
    expect(svc('vnfm')).toEqual(['vnfm']);
    expect(topology.nodes.find((x) => x.name === 'compute1')!.bridges[0]!.ports.map((p) => p.name)).toEqual(['uplink', 'web-1']);
  });
});

describe('VNFM decisions', () => {
  const ping: PingPolicy = { name: 'ping', path: [], delayS: 0, count: 3, intervalS: 1, timeoutS: 2, actions: ['failover'] };
  test('detection window follows the ping policy', () => {
    expect(detectionWindowMs(ping)).toEqual({ minMs: 3000, maxMs: 4000 });
    expect(detectionWindowMs({ ...ping, count: 5, intervalS: 0.2 })).toMatchObject({ minMs: expect.closeTo(1000, 6), maxMs: expect.closeTo(1200, 6) });
  });
  test('failover of an active member brings a new standby; of a standby it is a respawn', () => {
    expect(plannedActions(['failover', 'notify'], 'active')).toEqual(['failover', 'respawn', 'notify']);
    expect(plannedActions(['failover'], 'standby')).toEqual(['respawn']);
    expect(plannedActions(['notify'], 'active')).toEqual(['notify']);
  });
  test('anti-affinity: a host without a live member, or none', () => {
    expect(pickHost(['c1', 'c2'], ['c2'], true)).toBe('c1');
    expect(pickHost(['c1', 'c2'], ['c1', 'c2'], true)).toBeNull();
    expect(pickHost(['c1', 'c2'], ['c1', 'c2', 'c1'], false)).toBe('c2');
  });
  test('N failures in a row fire once; a success re-arms', () => {
    const c = new Consecutive(3);
    expect([false, false, true, false, false, false, false].map((ok) => c.observe(ok))).toEqual([false, false, false, false, false, true, false]);
  });
  test('triggers: app down, memory above a threshold', () => {
    const down: AppTrigger = { item: 'app_status', condition: { op: 'down' }, command: 'service a restart', verb: 'restart', path: [] };
    const mem: AppTrigger = { item: 'app_memory', condition: { op: 'greater', value: 22 }, command: 'service a stop', verb: 'stop', path: [] };
    expect(triggerHit(down, { app: 'down', memMb: 0, cpuPct: 0 })).toBe(true);
    expect(triggerHit(down, { app: 'up', memMb: 50, cpuPct: 0 })).toBe(false);
    expect(triggerHit(mem, { app: 'up', memMb: 23, cpuPct: 0 })).toBe(true);
    expect(triggerHit(mem, { app: 'up', memMb: 22, cpuPct: 0 })).toBe(false);
  });
});
