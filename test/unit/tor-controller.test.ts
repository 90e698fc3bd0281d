/**
 * The TOR controller's request handling (src/plugins/services/tor-controller/core.ts), pure:
 * validation of every field, the request state machine (pending -> success | failed), HA pairs,
 * the order of a fail-over (off the master's port, then onto the slave's), and the rule that
 * shared VLANs (red 2000, mgmt 2002) are never deactivated on a live host. A malformed or unknown
 * request gets a 4xx with a JSON error and changes nothing.
 */
import { describe, expect, test } from 'vitest';
import { nextTrunks, TorController, type ControllerEvent, type SwitchDriver } from '../../src/plugins/services/tor-controller/core.js';

const INIT = {
  req_id: '1111-2222-3333-4444',
  vm_name: 'forbiz_utm',
  master_switch_physical_port: 22,
  slave_switch_physical_port: 24,
  current_vlans: { orange: 'vlan113', green: 'vlan114' },
};
const FAILOVER = { ...INIT, req_id: '1111-2222-3333-5555' };

/** A switch in memory: trunks per TOR port, carrier per port, and a log of what was set. */
class FakeSwitch implements SwitchDriver {
  trunkMap = new Map<string, number[]>([
    ['Ethernet22', [113, 114, 2000, 2002]],
    ['Ethernet24', [113, 114, 2000, 2002]],
    ['Ethernet26', [113, 114, 2000, 2002]],
  ]);
  link = new Map<string, boolean>([
    ['Ethernet22', true],
    ['Ethernet24', true],
    ['Ethernet26', true],
  ]);
  sets: string[] = [];
  failOn?: string;
  async trunks(p: string) {
    return [...this.trunkMap.get(p)!];
  }
  async setTrunks(p: string, t: number[]) {
    if (this.failOn === p) throw new Error(`ovs-vsctl: no port ${p}`);
    this.sets.push(`${p}=${t.join(',')}`);
    this.trunkMap.set(p, t);
  }
  async linkUp(p: string) {
    return this.link.get(p)!;
  }
}

function setup() {
  const ctl = new TorController({
    ports: new Map([
      [22, 'Ethernet22'],
      [24, 'Ethernet24'],
      [26, 'Ethernet26'],
    ]),
    sharedVlans: new Set([2000, 2002]),
  });
  const sw = new FakeSwitch();
  const events: ControllerEvent[] = [];
  let t = 1000;
  const now = () => (t += 5);
  const post = async (call: string, body: unknown) => {
    const r = ctl.handle('POST', `/${call}`, typeof body === 'string' ? body : JSON.stringify(body), now());
    if (r.job) await ctl.run(r.job, sw, now, (e) => events.push(e));
    return r;
  };
  /** Accepted, but not yet carried out (to see `pending`). */
  const accept = (call: string, body: unknown) => ctl.handle('POST', `/${call}`, JSON.stringify(body), now());
  return { ctl, sw, events, post, accept, now };
}

describe('request_nfv_ha_init', () => {
  test('is accepted with 202 pending, deactivates current_vlans on the slave port, and its result says success', async () => {
    const { sw, events, post } = setup();
    const r = await post('request_nfv_ha_init', INIT);
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ req_id: '1111-2222-3333-4444', status: 'pending' });
    expect(sw.sets).toEqual(['Ethernet24=2000,2002']);
    expect(sw.trunkMap.get('Ethernet22')).toEqual([113, 114, 2000, 2002]);
    const res = await post('request_nfv_ha_init_result', { req_id: INIT.req_id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      req_id: INIT.req_id,
      request: 'request_nfv_ha_init',
      vm_name: 'forbiz_utm',
      status: 'success',
      master_switch_physical_port: 22,
      slave_switch_physical_port: 24,
      current_vlans: { orange: 'vlan113', green: 'vlan114' },
      changes: [{ port: 24, tor_port: 'Ethernet24', deactivated: [113, 114], activated: [], trunks: [2000, 2002] }],
    });
    expect(res.body['elapsed_ms']).toBeGreaterThan(0);
    expect(events.map((e) => e.kind)).toEqual(['tor-request', 'tor-vlan', 'tor-request']);
    expect(events[1]!.detail).toBe('Ethernet24 (port 24) -113 -114: trunks 2000,2002 (init 1111-2222-3333-4444)');
  });

  test('result is pending until the switch has been changed', async () => {
    const { ctl, sw, accept, now } = setup();
    const a = accept('request_nfv_ha_init', INIT);
    expect(ctl.handle('POST', '/request_nfv_ha_init_result', JSON.stringify({ req_id: INIT.req_id }), now()).body['status']).toBe('pending');
    await ctl.run(a.job!, sw, now, () => undefined);
    expect(ctl.handle('POST', '/request_nfv_ha_init_result', JSON.stringify({ req_id: INIT.req_id }), now()).body['status']).toBe('success');
  });

  test('VLANs already inactive: success, nothing set, no tor-vlan event', async () => {
    const { sw, events, post } = setup();
    sw.trunkMap.set('Ethernet24', [2000, 2002]);
    await post('request_nfv_ha_init', INIT);
    expect(sw.sets).toEqual([]);
    expect(events.filter((e) => e.kind === 'tor-vlan')).toEqual([]);
    expect((await post('request_nfv_ha_init_result', { req_id: INIT.req_id })).body).toMatchObject({ status: 'success', changes: [{ port: 24, deactivated: [], trunks: [2000, 2002] }] });
  });

  test('a switch error makes the request failed, with the reason', async () => {
    const { sw, post } = setup();
    sw.failOn = 'Ethernet24';
    await post('request_nfv_ha_init', INIT);
    const res = await post('request_nfv_ha_init_result', { req_id: INIT.req_id });
    expect(res.body).toMatchObject({ status: 'failed', reason: 'switch: ovs-vsctl: no port Ethernet24' });
  });

  test('a port left with no VLAN would carry every VLAN in OVS: failed, nothing set', async () => {
    const { sw, post } = setup();
    sw.trunkMap.set('Ethernet24', [113, 114]);
    await post('request_nfv_ha_init', INIT);
    expect(sw.sets).toEqual([]);
    expect((await post('request_nfv_ha_init_result', { req_id: INIT.req_id })).body['reason']).toMatch(/would leave Ethernet24 \(port 24\) with no VLAN/);
  });
});

describe('request_nfv_ha_failover', () => {
  test('moves current_vlans off the master port first, then onto the slave port; the pair swaps roles', async () => {
    const { ctl, sw, events, post } = setup();
    await post('request_nfv_ha_init', INIT);
    sw.sets = [];
    const r = await post('request_nfv_ha_failover', FAILOVER);
    expect(r.status).toBe(202);
    expect(sw.sets).toEqual(['Ethernet22=2000,2002', 'Ethernet24=113,114,2000,2002']);
    const res = await post('request_nfv_ha_failover_result', { req_id: FAILOVER.req_id });
    expect(res.body).toMatchObject({
      request: 'request_nfv_ha_failover',
      status: 'success',
      changes: [
        { port: 22, tor_port: 'Ethernet22', deactivated: [113, 114], activated: [], trunks: [2000, 2002] },
        { port: 24, tor_port: 'Ethernet24', deactivated: [], activated: [113, 114], trunks: [113, 114, 2000, 2002] },
      ],
    });
    expect(events.filter((e) => e.kind === 'tor-vlan').map((e) => e.detail)).toEqual([
      'Ethernet24 (port 24) -113 -114: trunks 2000,2002 (init 1111-2222-3333-4444)',
      'Ethernet22 (port 22) -113 -114: trunks 2000,2002 (failover 1111-2222-3333-5555)',
      'Ethernet24 (port 24) +113 +114: trunks 113,114,2000,2002 (failover 1111-2222-3333-5555)',
    ]);
    expect(ctl.pairs.get('forbiz_utm')).toMatchObject({ master: 24, slave: 22 });
    // Fail-back: the same pair, the other way round.
    const back = await post('request_nfv_ha_failover', { ...FAILOVER, req_id: 'back-1', master_switch_physical_port: 24, slave_switch_physical_port: 22 });
    expect(back.status).toBe(202);
    expect(sw.trunkMap.get('Ethernet22')).toEqual([113, 114, 2000, 2002]);
    expect(sw.trunkMap.get('Ethernet24')).toEqual([2000, 2002]);
  });

  test('without HA init first: 409, nothing changes', async () => {
    const { ctl, sw, post } = setup();
    const r = await post('request_nfv_ha_failover', FAILOVER);
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ error: "no HA pair 'forbiz_utm': request_nfv_ha_init first", field: 'vm_name' });
    expect(sw.sets).toEqual([]);
    expect(ctl.requests.size).toBe(0);
  });

  test('ports other than the pair\'s (master and slave swapped): 409', async () => {
    const { sw, post } = setup();
    await post('request_nfv_ha_init', INIT);
    sw.sets = [];
    const r = await post('request_nfv_ha_failover', { ...FAILOVER, master_switch_physical_port: 24, slave_switch_physical_port: 22 });
    expect(r.status).toBe(409);
    expect(r.body['error']).toMatch(/master on port 22 and its slave on port 24, not 24 and 22/);
    expect(sw.sets).toEqual([]);
  });

  test('a second request while one of the pair is pending: 409', async () => {
    const { ctl, accept, now, sw } = setup();
    const a = accept('request_nfv_ha_init', INIT);
    const r = ctl.handle('POST', '/request_nfv_ha_init', JSON.stringify({ ...INIT, req_id: 'again' }), now());
    expect(r.status).toBe(409);
    expect(r.body['error']).toMatch(/has a request pending \(1111-2222-3333-4444\)/);
    await ctl.run(a.job!, sw, now, () => undefined);
    expect(ctl.handle('POST', '/request_nfv_ha_init', JSON.stringify({ ...INIT, req_id: 'again' }), now()).status).toBe(202);
  });
});

describe('shared VLANs (red 2000, mgmt 2002) are never deactivated on a live host', () => {
  test('HA init naming a shared VLAN: 422, nothing changes', async () => {
    const { ctl, sw, post } = setup();
    const r = await post('request_nfv_ha_init', { ...INIT, current_vlans: { orange: 'vlan113', red: 'vlan2000' } });
    expect(r.status).toBe(422);
    expect(r.body['error']).toMatch(/VLAN 2000 is shared \(shared VLANs: 2000, 2002\) and never deactivated on a live host/);
    expect(r.body['field']).toBe('current_vlans');
    expect(sw.sets).toEqual([]);
    expect(ctl.requests.size).toBe(0);
  });

  test('fail-over naming a shared VLAN while the master host is alive: failed, nothing changes', async () => {
    const { sw, post } = setup();
    await post('request_nfv_ha_init', INIT);
    sw.sets = [];
    await post('request_nfv_ha_failover', { ...FAILOVER, current_vlans: { orange: 'vlan113', green: 'vlan114', red: 'vlan2000' } });
    const res = await post('request_nfv_ha_failover_result', { req_id: FAILOVER.req_id });
    expect(res.body).toMatchObject({ status: 'failed', changes: [] });
    expect(res.body['reason']).toMatch(/VLAN 2000 is shared and the host on Ethernet22 \(port 22\) is alive \(link up\)/);
    expect(sw.sets).toEqual([]);
  });

  test('fail-over naming a shared VLAN when the master host is dead (link down): removed there', async () => {
    const { sw, post } = setup();
    await post('request_nfv_ha_init', INIT);
    sw.sets = [];
    sw.link.set('Ethernet22', false);
    await post('request_nfv_ha_failover', { ...FAILOVER, current_vlans: { orange: 'vlan113', green: 'vlan114', red: 'vlan2000' } });
    expect((await post('request_nfv_ha_failover_result', { req_id: FAILOVER.req_id })).body['status']).toBe('success');
    expect(sw.sets).toEqual(['Ethernet22=2002', 'Ethernet24=113,114,2000,2002']);
  });

  test('the ordinary fail-over leaves 2000 and 2002 on both ports', async () => {
    const { sw, post } = setup();
    await post('request_nfv_ha_init', INIT);
    await post('request_nfv_ha_failover', FAILOVER);
    for (const p of ['Ethernet22', 'Ethernet24']) expect(sw.trunkMap.get(p)).toEqual(expect.arrayContaining([2000, 2002]));
  });
});

describe('malformed and unknown requests: 4xx with a JSON error, nothing changes', () => {
  const cases: [string, string, unknown, number, RegExp, string?][] = [
    ['body not JSON', 'request_nfv_ha_init', '{req_id: 1', 400, /^body is not JSON/],
    ['empty body', 'request_nfv_ha_init', '', 400, /^body is not JSON/],
    ['body an array', 'request_nfv_ha_init', '[]', 400, /must be a JSON object, not an array/],
    ['body null', 'request_nfv_ha_init', 'null', 400, /not null/],
    ['body a string', 'request_nfv_ha_init', '"x"', 400, /not string/],
    ['unknown field', 'request_nfv_ha_init', { ...INIT, vlan: 1 }, 400, /unknown field 'vlan'/, 'vlan'],
    ['missing req_id', 'request_nfv_ha_init', { ...INIT, req_id: undefined }, 400, /missing field 'req_id'/, 'req_id'],
    ['req_id a number', 'request_nfv_ha_init', { ...INIT, req_id: 1111 }, 400, /req_id must be a string, not number/, 'req_id'],
    ['req_id empty', 'request_nfv_ha_init', { ...INIT, req_id: '' }, 400, /req_id must be 1-64/, 'req_id'],
    ['req_id with a space', 'request_nfv_ha_init', { ...INIT, req_id: 'a b' }, 400, /req_id must be 1-64/, 'req_id'],
    ['req_id too long', 'request_nfv_ha_init', { ...INIT, req_id: 'x'.repeat(65) }, 400, /req_id must be 1-64/, 'req_id'],
    ['missing vm_name', 'request_nfv_ha_init', { ...INIT, vm_name: undefined }, 400, /missing field 'vm_name'/, 'vm_name'],
    ['vm_name not a string', 'request_nfv_ha_init', { ...INIT, vm_name: ['x'] }, 400, /vm_name must be a string/, 'vm_name'],
    ['missing master port', 'request_nfv_ha_init', { ...INIT, master_switch_physical_port: undefined }, 400, /missing field 'master_switch_physical_port'/, 'master_switch_physical_port'],
    ['port a string', 'request_nfv_ha_init', { ...INIT, master_switch_physical_port: '22' }, 400, /must be an integer \(a physical port number\), not "22"/, 'master_switch_physical_port'],
    ['port a fraction', 'request_nfv_ha_init', { ...INIT, slave_switch_physical_port: 24.5 }, 400, /must be an integer/, 'slave_switch_physical_port'],
    ['unknown port', 'request_nfv_ha_init', { ...INIT, slave_switch_physical_port: 23 }, 422, /slave_switch_physical_port 23 is not a physical port of this switch \(ports: 22, 24, 26\)/, 'slave_switch_physical_port'],
    ['master = slave', 'request_nfv_ha_init', { ...INIT, slave_switch_physical_port: 22 }, 422, /both on physical port 22/, 'slave_switch_physical_port'],
    ['missing current_vlans', 'request_nfv_ha_init', { ...INIT, current_vlans: undefined }, 400, /missing field 'current_vlans'/, 'current_vlans'],
    ['current_vlans a list', 'request_nfv_ha_init', { ...INIT, current_vlans: ['vlan113'] }, 400, /current_vlans must be an object/, 'current_vlans'],
    ['current_vlans empty', 'request_nfv_ha_init', { ...INIT, current_vlans: {} }, 400, /current_vlans is empty/, 'current_vlans'],
    ['VLAN a number', 'request_nfv_ha_init', { ...INIT, current_vlans: { orange: 113 } }, 400, /current_vlans.orange must be 'vlanN' \(e.g. 'vlan113'\), not 113/, 'current_vlans.orange'],
    ['VLAN without prefix', 'request_nfv_ha_init', { ...INIT, current_vlans: { orange: '113' } }, 400, /must be 'vlanN'/, 'current_vlans.orange'],
    ['VLAN 0', 'request_nfv_ha_init', { ...INIT, current_vlans: { orange: 'vlan0' } }, 400, /VLAN 0 is out of range/, 'current_vlans.orange'],
    ['VLAN 4095', 'request_nfv_ha_init', { ...INIT, current_vlans: { orange: 'vlan4095' } }, 400, /VLAN 4095 is out of range/, 'current_vlans.orange'],
    ['bad network name', 'request_nfv_ha_init', { ...INIT, current_vlans: { 'or ange': 'vlan113' } }, 400, /network name 'or ange'/, 'current_vlans.or ange'],
    ['one VLAN twice', 'request_nfv_ha_init', { ...INIT, current_vlans: { orange: 'vlan113', green: 'vlan113' } }, 422, /VLAN 113 is already current_vlans.orange/, 'current_vlans.green'],
    ['result without req_id', 'request_nfv_ha_init_result', {}, 400, /missing field 'req_id'/, 'req_id'],
    ['result with another field', 'request_nfv_ha_init_result', { req_id: 'x', vm_name: 'y' }, 400, /unknown field 'vm_name' \(fields: req_id\)/, 'vm_name'],
    ['result of an unknown request', 'request_nfv_ha_failover_result', { req_id: 'nope' }, 404, /no failover request 'nope'/, 'req_id'],
    ['unknown call', 'request_nfv_ha_reboot', INIT, 404, /no such call '\/request_nfv_ha_reboot'/],
  ];
  test.each(cases)('%s', async (_name, call, body, status, error, field) => {
    const { ctl, sw, post } = setup();
    const r = await post(call, body);
    expect(r.status).toBe(status);
    expect(r.job).toBeUndefined();
    expect(String(r.body['error'])).toMatch(error);
    if (field) expect(r.body['field']).toBe(field);
    expect(sw.sets).toEqual([]);
    expect(ctl.requests.size).toBe(0);
    expect(ctl.pairs.size).toBe(0);
  });

  test('GET on a call: 405 with Allow: POST; POST on /ports: 405', () => {
    const { ctl, now } = setup();
    const r = ctl.handle('GET', '/request_nfv_ha_init', '', now());
    expect(r.status).toBe(405);
    expect(r.headers).toEqual({ allow: 'POST' });
    expect(ctl.handle('POST', '/ports', '{}', now()).status).toBe(405);
    expect(ctl.handle('GET', '/ports', '', now()).status).toBe(200);
  });

  test('a reused req_id: 409, the first request stays as it was', async () => {
    const { ctl, sw, post } = setup();
    await post('request_nfv_ha_init', INIT);
    sw.sets = [];
    const r = await post('request_nfv_ha_init', { ...INIT, vm_name: 'other_utm' });
    expect(r.status).toBe(409);
    expect(r.body['error']).toMatch(/req_id '1111-2222-3333-4444' is already used \(by request_nfv_ha_init\)/);
    expect(ctl.requests.size).toBe(1);
    expect(ctl.pairs.has('other_utm')).toBe(false);
    expect(sw.sets).toEqual([]);
  });

  test("asking one kind's result for the other kind's request: 404 that says which it is", async () => {
    const { post } = setup();
    await post('request_nfv_ha_init', INIT);
    const r = await post('request_nfv_ha_failover_result', { req_id: INIT.req_id });
    expect(r.status).toBe(404);
    expect(r.body['error']).toBe(`no failover request '${INIT.req_id}' (it is a request_nfv_ha_init: ask request_nfv_ha_init_result)`);
  });
});

test('nextTrunks removes, adds, dedupes and sorts', () => {
  expect(nextTrunks([2002, 113, 2000, 114], [113, 114], [])).toEqual([2000, 2002]);
  expect(nextTrunks([2000, 2002], [], [114, 113, 2000])).toEqual([113, 114, 2000, 2002]);
});
