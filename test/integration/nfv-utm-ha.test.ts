/**
 * seeds/000 built for real (topologies/nfv-utm-ha.yaml): a TOR switch and three compute hosts on
 * userspace OVS, the UTM pair, the customer VMs, and the two services of the document's control
 * plane running as processes in the lab: the TOR controller (HTTP/JSON on the TOR's mgmt address),
 * the orchestrator (HA init, monitoring, fail-over) and the UTMs' utm-ha agents (fencing). Checked:
 * the orchestrator promoted the master over mgmt and the slave stays silent on the shared
 * addresses; green reaches orange and red through the master UTM; the controller's API answers
 * over the lab's mgmt network (curl inside the orchestrator's namespace); halting the master's
 * host makes the orchestrator detect it and request the fail-over, the TOR moves VLANs 113/114
 * from port 22 to port 24, and green reaches orange (and, once the slave is promoted and has
 * announced itself, red) through the slave.
 */
import { describe, expect, test } from 'vitest';
import { labDir } from '../../src/pipeline/expand.js';
import { eventsFile, readEvents, type LabEvent } from '../../src/runtime/events.js';
import { halab } from '../helpers/cli.js';
import { eventually, inNode, ping, useLab } from '../helpers/lab.js';

const LAB = 'nfv-it1';
const API = 'http://10.0.0.1:8080';
const UTM = { master: 'http://10.0.0.11:8081', slave: 'http://10.0.0.12:8081' };
/** The orchestrator's monitor: 200 ms x 3 misses; the document's 5 s result polls. */
const DETECT_MAX_MS = 3 * 200 + 200 + 1000;
const POLL_MS = 5000;

/** One call of the controller's API from the orchestrator's node, over the mgmt VLAN. */
async function api(method: 'GET' | 'POST', path: string, body?: unknown, base = API): Promise<{ status: number; body: Record<string, unknown> }> {
  const argv = ['curl', '-s', '-m', '5', '-X', method, '-w', '\n%{http_code}', ...(body !== undefined ? ['-H', 'content-type: application/json', '--data-binary', typeof body === 'string' ? body : JSON.stringify(body)] : []), `${base}${path}`];
  const r = await inNode(LAB, 'orchestrator', argv);
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join('\n')) as Record<string, unknown> };
}

async function mac(node: string, iface: string): Promise<string> {
  const r = await inNode(LAB, node, ['ip', '-j', 'link', 'show', 'dev', iface]);
  return (JSON.parse(r.stdout) as { address: string }[])[0]!.address;
}

async function neighbor(node: string, ip: string): Promise<string | undefined> {
  const r = await inNode(LAB, node, ['ip', '-j', 'neigh', 'show', ip]);
  return (JSON.parse(r.stdout || '[]') as { lladdr?: string }[])[0]?.lladdr;
}

const events = (since = -Infinity): LabEvent[] => readEvents(eventsFile(labDir(LAB)), since).filter((e) => ['orchestrator', 'tor-vlan', 'tor-request', 'utm-ha'].includes(e.kind));

describe('nfv-utm-ha (seeds/000)', () => {
  useLab('topologies/nfv-utm-ha.yaml', LAB, { readyTimeoutS: 60, upTimeoutMs: 90_000 });

  test('after up: HA init has run through the API, the slave port lacks 113/114, the orchestrator monitors', async () => {
    const ev = events();
    expect(ev.find((e) => e.kind === 'orchestrator' && /^request_nfv_ha_init 1111-2222-3333-4444 accepted \(202\)/.test(e.detail))).toBeDefined();
    expect(ev.find((e) => e.kind === 'tor-request' && /^init 1111-2222-3333-4444 success/.test(e.detail))).toBeDefined();
    expect(ev.find((e) => e.kind === 'orchestrator' && /init_result 1111-2222-3333-4444: success \(poll 1,/.test(e.detail))).toBeDefined();
    expect(ev.filter((e) => e.kind === 'orchestrator').at(-1)!.detail).toMatch(/^master 10.0.0.11 answers: monitoring every 200 ms, failure after 3 missed replies/);
    // Both UTMs started fenced; the orchestrator promoted the master after HA init, over mgmt.
    const utm = ev.filter((e) => e.kind === 'utm-ha' || /^promoted/.test(e.detail)).map((e) => `${e.node}: ${e.detail}`);
    expect(utm.filter((d) => /^utm-(master|slave): standby: started fenced/.test(d)).length).toBe(2);
    expect(utm).toContain('orchestrator: promoted the master 10.0.0.11 (utm-ha: active, lease 2000 ms, announcing its addresses)');
    expect(utm).toContain('utm-master: active: promoted by 10.0.0.2; master_red_nic, br0 unfenced');
    expect(utm.some((d) => d.startsWith('utm-slave: active'))).toBe(false);
    const st = await halab(['status', LAB, '--json']);
    expect(st.code, st.stderr).toBe(0);
    const js = JSON.parse(st.stdout) as { nodes: { name: string; services: { kind: string; summary: string }[] }[] };
    const svc = (n: string, k: string) => js.nodes.find((x) => x.name === n)!.services.find((s) => s.kind === k)!.summary;
    expect(svc('orchestrator', 'orchestrator')).toBe('orchestrator monitoring: pinging 10.0.0.11 every 200 ms; 3 misses = failure');
    expect(svc('utm-master', 'utm-ha')).toBe('utm-ha active: promoted by 10.0.0.2');
    expect(svc('utm-slave', 'utm-ha')).toBe('utm-ha standby: started fenced (standby until promoted)');
    expect(svc('tor', 'tor-controller')).toMatch(/^TOR controller on 10\.0\.0\.1:8080: 22 Ethernet22 \[113,114,2000,2002\]; 24 Ethernet24 \[2000,2002\]; 26 Ethernet26 \[113,114,2000,2002\]/);
  });

  test('green reaches orange and red, and orange reaches red, through the master UTM', async () => {
    expect(await ping(LAB, 'green', '192.168.0.21')).toBe(true);
    expect(await ping(LAB, 'green', '172.0.0.21')).toBe(true);
    expect(await ping(LAB, 'orange', '172.0.0.21')).toBe(true);
    expect(await neighbor('green', '192.168.0.11')).toBe(await mac('utm-master', 'br0'));
    // The red server sees the master's NAT address, from the master's MAC.
    expect(await neighbor('red', '172.0.0.11')).toBe(await mac('utm-master', 'master_red_nic'));
    // The standby slave holds 172.0.0.11 too, but its fence keeps it silent (red's entry above is
    // the master's); the active master has no fence.
    const fence = await inNode(LAB, 'utm-slave', ['nft', 'list', 'table', 'arp', 'halab_utm_ha']);
    expect(fence.code, fence.stderr).toBe(0);
    expect(fence.stdout).toMatch(/iifname \{ "br0", "slave_red_nic" \} drop/);
    expect((await inNode(LAB, 'utm-master', ['nft', 'list', 'tables'])).stdout).not.toMatch(/halab_utm_ha/);
    // TCP too (iperf3 servers of the document: green -> orange :5001, green -> red :5001).
    for (const [dst, port] of [['192.168.0.21', '5001'], ['172.0.0.21', '5001']] as const) {
      const r = await halab(['iperf', LAB, 'green', dst, '--port', port, '--time', '1', '--bitrate', '10M', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { totals: { receivedBytes: number } }).totals.receivedBytes).toBeGreaterThan(0);
    }
  }, 30_000);

  test("the controller's API over the mgmt network: results, ports, and refusals that change nothing", async () => {
    const init = await api('POST', '/request_nfv_ha_init_result', { req_id: '1111-2222-3333-4444' });
    expect(init.status).toBe(200);
    expect(init.body).toMatchObject({
      req_id: '1111-2222-3333-4444',
      request: 'request_nfv_ha_init',
      vm_name: 'forbiz_utm',
      status: 'success',
      master_switch_physical_port: 22,
      slave_switch_physical_port: 24,
      current_vlans: { orange: 'vlan113', green: 'vlan114' },
      changes: [{ port: 24, tor_port: 'Ethernet24', deactivated: [], activated: [], trunks: [2000, 2002] }],
    });
    const ports = await api('GET', '/ports');
    expect(ports).toEqual({
      status: 200,
      body: {
        ports: [
          { port: 22, tor_port: 'Ethernet22', trunks: [113, 114, 2000, 2002], shared_vlans: [2000, 2002] },
          { port: 24, tor_port: 'Ethernet24', trunks: [2000, 2002], shared_vlans: [2000, 2002] },
          { port: 26, tor_port: 'Ethernet26', trunks: [113, 114, 2000, 2002], shared_vlans: [2000, 2002] },
        ],
      },
    });
    expect(await api('POST', '/request_nfv_ha_failover', '{not json')).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^body is not JSON/) } });
    expect(await api('POST', '/request_nfv_ha_failover_result', { req_id: 'nope' })).toEqual({ status: 404, body: { error: "no failover request 'nope'", field: 'req_id' } });
    const swapped = await api('POST', '/request_nfv_ha_failover', { req_id: 'wrong-way', vm_name: 'forbiz_utm', master_switch_physical_port: 24, slave_switch_physical_port: 22, current_vlans: { orange: 'vlan113', green: 'vlan114' } });
    expect(swapped.status).toBe(409);
    const shared = await api('POST', '/request_nfv_ha_init', { req_id: 'shared-1', vm_name: 'other_utm', master_switch_physical_port: 22, slave_switch_physical_port: 26, current_vlans: { red: 'vlan2000' } });
    expect(shared.status).toBe(422);
    expect(shared.body['error']).toMatch(/VLAN 2000 is shared/);
    expect((await api('GET', '/request_nfv_ha_init')).status).toBe(405);
    expect((await api('GET', '/ports')).body).toEqual(ports.body);
    // The UTMs' agents, over mgmt: a renewal cannot revive a standby UTM; bad requests change nothing.
    expect(await api('GET', '/state', undefined, UTM.slave)).toMatchObject({ status: 200, body: { role: 'standby', lease_remaining_ms: null } });
    expect(await api('POST', '/renew', { lease_ms: 2000 }, UTM.slave)).toMatchObject({ status: 409, body: { role: 'standby' } });
    expect(await api('POST', '/promote', { lease_ms: 5 }, UTM.slave)).toMatchObject({ status: 400 });
    expect(await api('GET', '/state', undefined, UTM.master)).toMatchObject({ status: 200, body: { role: 'active' } });
    // The refusals are events too.
    expect(events().filter((e) => e.kind === 'tor-request' && /refused \((400|404|405|409|422)\)/.test(e.detail)).length).toBe(5);
  });

  test("halting the master's host: detection, VLANs moved to port 24, traffic through the slave", async () => {
    const f = await halab(['fault', LAB, 'node-halt', 'cnode01', '--json']);
    expect(f.code, f.stderr).toBe(0);
    const atMs = (JSON.parse(f.stdout) as { atMs: number }).atMs;

    const detected = await eventually(async () => events(atMs - 1000).find((e) => e.kind === 'orchestrator' && /^master 10\.0\.0\.11 failed: 3 replies missed/.test(e.detail)), DETECT_MAX_MS + 2000);
    expect(detected, 'the orchestrator detected the failure').toBeDefined();
    const moved = await eventually(async () => {
      const v = events(atMs).filter((e) => e.kind === 'tor-vlan');
      return v.length >= 2 ? v : undefined;
    }, 5000);
    expect(moved!.map((e) => e.detail)).toEqual([
      'Ethernet22 (port 22) -113 -114: trunks 2000,2002 (failover 1111-2222-3333-5555)',
      'Ethernet24 (port 24) +113 +114: trunks 113,114,2000,2002 (failover 1111-2222-3333-5555)',
    ]);
    const request = events(atMs).find((e) => e.kind === 'orchestrator' && /^request_nfv_ha_failover 1111-2222-3333-5555 accepted/.test(e.detail))!;
    expect(request.tMs).toBeGreaterThanOrEqual(detected!.tMs);
    console.log(
      `nfv-utm-ha: fault at ${atMs.toFixed(1)}; detected +${(detected!.tMs - atMs).toFixed(0)} ms; fail-over requested +${(request.tMs - atMs).toFixed(0)} ms; ` +
        `port 22 off +${(moved![0]!.tMs - atMs).toFixed(0)} ms; port 24 on +${(moved![1]!.tMs - atMs).toFixed(0)} ms`,
    );
    expect(detected!.tMs - atMs).toBeLessThan(DETECT_MAX_MS);
    expect(detected!.tMs - atMs).toBeGreaterThan(2 * 200 - 50);

    const ports = await api('GET', '/ports');
    expect((ports.body['ports'] as { port: number; trunks: number[] }[]).map((p) => [p.port, p.trunks])).toEqual([
      [22, [2000, 2002]],
      [24, [113, 114, 2000, 2002]],
      [26, [113, 114, 2000, 2002]],
    ]);
    // Orange is on green's subnet, through the slave's bridge: no ARP change needed.
    expect(await eventually(() => ping(LAB, 'green', '192.168.0.21', 2), 3000)).toBe(true);

    // The orchestrator learns of the success at its next poll (5 s after the request), then
    // promotes the slave, which lifts its fence and announces 192.168.0.11 and 172.0.0.11: green's
    // gateway entry moves to the slave. The master, not renewed since the detection, fenced itself.
    const done = await eventually(async () => events(atMs).find((e) => e.kind === 'utm-ha' && e.node === 'utm-slave' && /^gratuitous ARP from utm-slave slave_red_nic/.test(e.detail)), POLL_MS + 5000, 200);
    const lapsed = events(atMs).find((e) => e.kind === 'utm-ha' && e.node === 'utm-master' && /^standby: lease ran out/.test(e.detail));
    expect(lapsed, 'the master fenced itself').toBeDefined();
    expect(lapsed!.tMs - detected!.tMs).toBeLessThan(2000 + 500);
    expect(done, 'the gratuitous ARP was sent').toBeDefined();
    const success = events(atMs).find((e) => /failover_result 1111-2222-3333-5555: success \(poll 1,/.test(e.detail))!;
    expect(success.tMs - request.tMs).toBeGreaterThanOrEqual(POLL_MS - 5);
    console.log(`nfv-utm-ha: fail-over result seen +${(success.tMs - atMs).toFixed(0)} ms; gratuitous ARP +${(done!.tMs - atMs).toFixed(0)} ms`);
    expect(await eventually(async () => (await neighbor('green', '192.168.0.11')) === (await mac('utm-slave', 'br0')), 2000)).toBe(true);
    expect(await ping(LAB, 'green', '172.0.0.21')).toBe(true);
    expect(await ping(LAB, 'orange', '172.0.0.21')).toBe(true);
    expect(await ping(LAB, 'green', '192.168.0.21')).toBe(true);
    const st = JSON.parse((await halab(['status', LAB, '--json'])).stdout) as { nodes: { name: string; services: { kind: string; summary: string }[] }[] };
    expect(await api('GET', '/state', undefined, UTM.slave)).toMatchObject({ status: 200, body: { role: 'active', reason: 'promoted by 10.0.0.2' } });
    expect(st.nodes.find((n) => n.name === 'orchestrator')!.services[0]!.summary).toMatch(/^orchestrator failed-over: fail-over 1111-2222-3333-5555 done \d+ ms after detection/);
  }, 40_000);
});
