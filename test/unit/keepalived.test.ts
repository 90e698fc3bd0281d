/** keepalived service: config rendering, VRRP timer arithmetic, notify FIFO lines and readiness (pure). */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { advertInt, keepalivedConf, masterDownMs, skewMs } from '../../src/plugins/services/keepalived/config.js';
import { applyLine, parseNotifyLine, readiness, type StateFile } from '../../src/plugins/services/keepalived/notify.js';
import { resolveInstance, resolveInstances } from '../../src/plugins/services/keepalived/options.js';
import { serviceKinds } from '../../src/plugins/services/index.js';
import { loadTopology } from '../../src/pipeline/validate.js';
import { expand } from '../../src/pipeline/expand.js';
import { plan } from '../../src/pipeline/plan.js';

describe('keepalived.conf', () => {
  test('a VRRPv3 instance with defaults filled in', () => {
    const conf = keepalivedConf({
      node: 'r1',
      fifo: '/run/halab/l/nodes/r1/keepalived/notify.fifo',
      instances: resolveInstances({ instances: [{ interface: 'eth0', vrid: 51, vips: '10.0.0.1/24' }] }),
    });
    expect(conf).toBe(
      [
        '! keepalived for node r1, written by halab: VRRP only (started with --vrrp).',
        "! State transitions go to the FIFO, where halab's vrrp-events agent turns them into lab events.",
        'global_defs {',
        '    router_id r1',
        '    vrrp_notify_fifo /run/halab/l/nodes/r1/keepalived/notify.fifo',
        '    vrrp_notify_priority_changes true',
        '}',
        '',
        'vrrp_instance VI_51 {',
        '    state BACKUP',
        '    interface eth0',
        '    virtual_router_id 51',
        '    version 3',
        '    priority 100',
        '    advert_int 1',
        '    virtual_ipaddress {',
        '        10.0.0.1/24',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('every option: sub-second adverts, preempt delay, tracking, kernel names, several instances', () => {
    const conf = keepalivedConf({
      node: 'r1',
      fifo: '/f',
      kname: (i) => (i === 'a-very-long-interface' ? 'a-very-lo-1a2b3' : i),
      instances: resolveInstances({
        instances: [
          {
            name: 'gw',
            interface: 'a-very-long-interface',
            vrid: 1,
            vips: ['10.0.0.1/24', '10.0.0.9/24'],
            priority: 150,
            'advert-ms': 30,
            'preempt-delay': 2.5,
            'track-interfaces': ['uplink', { interface: 'wan', weight: -60 }, { interface: 'lan2', weight: 0 }],
          },
          { name: 'gw6', interface: 'eth1', vrid: 2, vips: ['2001:db8::1/64'], preempt: false, 'preempt-delay': 3 },
          { name: 'old', interface: 'eth1', vrid: 3, vips: '10.1.0.1/24', version: 2, 'advert-ms': 2000 },
        ],
      }),
    });
    expect(conf).toContain(
      [
        'vrrp_instance gw {',
        '    state BACKUP',
        '    interface a-very-lo-1a2b3',
        '    virtual_router_id 1',
        '    version 3',
        '    priority 150',
        '    advert_int 0.03',
        '    preempt_delay 2.5',
        '    track_interface {',
        '        uplink',
        '        wan weight -60',
        '        lan2',
        '    }',
        '    virtual_ipaddress {',
        '        10.0.0.1/24',
        '        10.0.0.9/24',
        '    }',
        '}',
      ].join('\n'),
    );
    // nopreempt wins over a delay.
    expect(conf).toMatch(/vrrp_instance gw6 \{[^}]*advert_int 1\n {4}nopreempt\n {4}virtual_ipaddress \{\n {8}2001:db8::1\/64\n/);
    expect(conf).not.toMatch(/preempt_delay 3/);
    expect(conf).toMatch(/vrrp_instance old \{[^}]*version 2\n {4}priority 100\n {4}advert_int 2\n/);
  });

  test('advert_int is exact for every 10 ms step', () => {
    const bad: string[] = [];
    for (let ms = 10; ms <= 40950; ms += 10) {
      const s = advertInt(ms);
      if (!/^\d+(\.\d{1,2})?$/.test(s) || Math.round(Number(s) * 1000) !== ms) bad.push(`${ms} -> ${s}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('VRRP timers', () => {
  test('master-down interval is 3 x advert + skew (RFC 5798 for v3, RFC 3768 for v2)', () => {
    const v3 = resolveInstance({ interface: 'e', vrid: 1, vips: '10.0.0.1/24', priority: 100, 'advert-ms': 100 });
    expect(skewMs(v3)).toBeCloseTo((156 * 100) / 256);
    expect(masterDownMs(v3)).toBeCloseTo(300 + 60.9375);
    const v2 = resolveInstance({ interface: 'e', vrid: 1, vips: '10.0.0.1/24', priority: 200, version: 2 });
    expect(masterDownMs(v2)).toBeCloseTo(3000 + (56 * 1000) / 256);
  });
});

describe('notify FIFO', () => {
  test('lines', () => {
    expect(parseNotifyLine('INSTANCE "VI_1" MASTER 150\n')).toEqual({ kind: 'state', instance: 'VI_1', state: 'MASTER', priority: 150 });
    expect(parseNotifyLine('INSTANCE "VI_1" STOP 100')).toEqual({ kind: 'state', instance: 'VI_1', state: 'STOP', priority: 100 });
    expect(parseNotifyLine('INSTANCE "VI_1" BACKUP_PRIORITY 40')).toEqual({ kind: 'priority', instance: 'VI_1', state: 'BACKUP', priority: 40 });
    expect(parseNotifyLine('INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150')).toEqual({ kind: 'other', text: 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150' });
    expect(parseNotifyLine('GROUP "G" MASTER 0')).toEqual({ kind: 'other', text: 'GROUP "G" MASTER 0' });
    expect(parseNotifyLine('  ')).toBeNull();
  });

  test('transitions become event details; priority changes only update the state', () => {
    const s: StateFile = { instances: {} };
    expect(applyLine(s, parseNotifyLine('INSTANCE "VI_1" BACKUP 100')!, 10)).toBe('VI_1 BACKUP');
    expect(applyLine(s, parseNotifyLine('INSTANCE "VI_1" MASTER 100')!, 400)).toBe('VI_1 MASTER');
    expect(applyLine(s, parseNotifyLine('INSTANCE "VI_1" MASTER_PRIORITY 40')!, 900)).toBeNull();
    expect(s.instances.VI_1).toEqual({ state: 'MASTER', priority: 40, sinceMs: 400 });
  });
});

describe('readiness', () => {
  const inst = resolveInstances({
    instances: [
      { name: 'A', interface: 'eth0', vrid: 1, vips: '10.0.0.1/24', 'advert-ms': 100 },
      { name: 'B', interface: 'eth1', vrid: 2, vips: '10.0.1.1/24', 'advert-ms': 100, priority: 200 },
    ],
  });
  const down = masterDownMs(inst[0]!);

  test('MASTER, or BACKUP for longer than the master-down time, is ready', () => {
    const s: StateFile = { instances: { A: { state: 'BACKUP', priority: 100, sinceMs: 1000 }, B: { state: 'MASTER', priority: 200, sinceMs: 1300 } } };
    expect(readiness(inst, s, 1000 + down + 1)).toEqual({ ready: true, detail: 'A BACKUP, B MASTER' });
  });

  test('a fresh BACKUP, INIT and FAULT are not, and the detail says which and why', () => {
    const s: StateFile = { instances: { A: { state: 'BACKUP', priority: 100, sinceMs: 1000 } } };
    const r = readiness(inst, s, 1120);
    expect(r.ready).toBe(false);
    expect(r.detail).toBe(`A is BACKUP for 120 ms, within its master-down time (${Math.round(down)} ms): no master elected yet; B is INIT (no transition reported yet)`);
    s.instances.B = { state: 'FAULT', priority: 200, sinceMs: 1000 };
    expect(readiness(inst, s, 5000)).toEqual({ ready: false, detail: 'B is FAULT (interface eth1 is down)' });
  });
});

describe('plan', () => {
  test('the fixture: agent first, keepalived with every file in the node dir, undo kills both', () => {
    const v = loadTopology('test/fixtures/valid/vrrp-pair.yaml');
    const lab = expand(v, 'vrrp-unit');
    const a = plan(lab).actions.find((x) => x.id === 'keepalived:r1')!;
    expect(a.phase).toBe('services');
    expect(a.what).toBe('keepalived in r1: VRRP VI_1 (vrid 51, 10.0.0.1/24, priority 150)');
    const dir = `${lab.node('r1').dir}/keepalived`;
    expect(a.do.map((s) => s.t)).toEqual(['mkdir', 'write', 'exec', 'spawn', 'exec', 'spawn']);
    const [agent, ka] = a.do.filter((s) => s.t === 'spawn') as Extract<(typeof a.do)[number], { t: 'spawn' }>[];
    expect(agent!.argv.join(' ')).toContain(`vrrp-events.ts --fifo ${dir}/notify.fifo --events ${lab.stateDir}/events.jsonl --node r1 --state ${dir}/state.json`);
    expect(ka!.argv).toEqual(['keepalived', '--vrrp', '--dont-fork', '--log-console', '--no-syslog', '--use-file', `${dir}/keepalived.conf`, '--pid', `${dir}/keepalived.pid`, '--vrrp_pid', `${dir}/vrrp.pid`, '--checkers_pid', `${dir}/checkers.pid`, '--bfd_pid', `${dir}/bfd.pid`, '--config-id', 'halab.vrrp-unit.r1']);
    expect(ka!.ns).toBe('halab.vrrp-unit.r1');
    // keepalived refuses to start when its own pidfile names a live process: halab records the spawn elsewhere.
    expect(ka!.pidfile).toBe(`${dir}/keepalived.spawn.pid`);
    expect(a.undo).toEqual([
      { t: 'kill', pidfile: `${dir}/keepalived.spawn.pid` },
      { t: 'kill', pidfile: `${dir}/vrrp-events.pid` },
    ]);
    expect(serviceKinds.get('keepalived')!.logs(lab.node('r1'), lab.node('r1').spec.services[0]!)).toEqual([`${dir}/keepalived.log`, `${dir}/vrrp-events.log`]);
  });

  test('the example in docs/services.md is the tested fixture', () => {
    const example = readFileSync('topologies/examples/vrrp-pair.yaml', 'utf8');
    expect(example).toBe(readFileSync('test/fixtures/valid/vrrp-pair.yaml', 'utf8'));
    expect(readFileSync('docs/services.md', 'utf8')).toContain('```yaml\n' + example + '```\n');
  });
});
