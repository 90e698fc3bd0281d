/**
 * The fencing member of a UTM pair (src/plugins/services/utm-ha/core.ts), pure: it starts fenced,
 * is active only between a promotion and the end of its lease (or a demotion), refuses renewals
 * while standby, and the nft scripts it applies.
 */
import { describe, expect, test } from 'vitest';
import { fenceScript, unfenceScript, UtmHa } from '../../src/plugins/services/utm-ha/core.js';

const post = (ha: UtmHa, path: string, body: unknown, now: number) => ha.handle('POST', path, typeof body === 'string' ? body : JSON.stringify(body), now, '10.0.0.2');

describe('UtmHa: roles and lease', () => {
  test('starts standby; a promotion makes it active and asks for the announcement', () => {
    const ha = new UtmHa();
    expect(ha.role).toBe('standby');
    const r = post(ha, '/promote', { lease_ms: 2000, announce: true }, 1000);
    expect(r.status).toBe(200);
    expect(r.change).toEqual({ role: 'active', reason: 'promoted by 10.0.0.2', announce: true });
    expect(r.body).toMatchObject({ role: 'active', lease_remaining_ms: 2000 });
  });

  test('the lease runs out without renewals: fenced once', () => {
    const ha = new UtmHa();
    post(ha, '/promote', { lease_ms: 2000 }, 0);
    expect(ha.tick(1999)).toBeNull();
    expect(ha.tick(2000)).toEqual({ role: 'standby', reason: 'lease ran out (not renewed for 2000 ms)', announce: false });
    expect(ha.role).toBe('standby');
    expect(ha.tick(5000)).toBeNull();
  });

  test('renewals keep it active; a renewal to a standby UTM is refused (409), not a promotion', () => {
    const ha = new UtmHa();
    expect(post(ha, '/renew', { lease_ms: 2000 }, 0).status).toBe(409);
    post(ha, '/promote', { lease_ms: 2000 }, 0);
    expect(post(ha, '/renew', { lease_ms: 2000 }, 1500).status).toBe(200);
    expect(ha.tick(3000)).toBeNull();
    expect(ha.tick(3500)).not.toBeNull();
    const late = post(ha, '/renew', { lease_ms: 2000 }, 3600);
    expect(late.status).toBe(409);
    expect(late.change).toBeUndefined();
    expect(ha.role).toBe('standby');
  });

  test('promoting an active UTM renews it; a change only when it must announce again', () => {
    const ha = new UtmHa();
    post(ha, '/promote', { lease_ms: 1000 }, 0);
    expect(post(ha, '/promote', { lease_ms: 1000 }, 500).change).toBeUndefined();
    expect(post(ha, '/promote', { lease_ms: 1000, announce: true }, 600).change).toMatchObject({ role: 'active', announce: true });
    expect(ha.tick(1599)).toBeNull();
  });

  test('demote fences an active UTM; demoting a standby one changes nothing', () => {
    const ha = new UtmHa();
    expect(post(ha, '/demote', '', 0).change).toBeUndefined();
    post(ha, '/promote', { lease_ms: 1000 }, 0);
    expect(post(ha, '/demote', '', 10).change).toEqual({ role: 'standby', reason: 'demoted by 10.0.0.2', announce: false });
    expect(ha.tick(5000)).toBeNull();
  });

  test.each([
    ['/promote', '{', 400, /not JSON/],
    ['/promote', '[]', 400, /not a JSON object/],
    ['/promote', {}, 400, /lease_ms must be an integer from 100 to 600000/],
    ['/promote', { lease_ms: 50 }, 400, /lease_ms/],
    ['/promote', { lease_ms: 1000.5 }, 400, /lease_ms/],
    ['/promote', { lease_ms: 1000, announce: 'yes' }, 400, /announce must be true or false/],
    ['/nope', {}, 404, /no such call/],
  ])('POST %s %j -> %i', (path, body, status, error) => {
    const ha = new UtmHa();
    const r = post(ha, path, body, 0);
    expect(r.status).toBe(status);
    expect(String(r.body['error'])).toMatch(error);
    expect(ha.role).toBe('standby');
  });

  test('GET /state; GET on a call is 405', () => {
    const ha = new UtmHa();
    expect(ha.handle('GET', '/state', '', 0, 'x')).toEqual({ status: 200, body: { role: 'standby', reason: 'started fenced (standby until promoted)', lease_remaining_ms: null } });
    expect(ha.handle('GET', '/promote', '', 0, 'x').status).toBe(405);
  });
});

describe('nft scripts', () => {
  test('fence: no ARP in or out, no IP in, out or through the shared interfaces; replaces an earlier fence', () => {
    const s = fenceScript(['eth1', 'br0']);
    expect(s).toContain('table arp halab_utm_ha\ndelete table arp halab_utm_ha\ntable arp halab_utm_ha {');
    expect(s).toContain('chain fence_in { type filter hook input priority 0; policy accept; iifname { "eth1", "br0" } drop; }');
    expect(s).toContain('chain fence_out { type filter hook output priority 0; policy accept; oifname { "eth1", "br0" } drop; }');
    expect(s).toContain('chain fence_fwd { type filter hook forward priority -10; policy accept; iifname { "eth1", "br0" } drop; oifname { "eth1", "br0" } drop; }');
  });

  test('a bridge is fenced for ARP and IP but keeps bridging: the forward hook names only the routed interfaces', () => {
    const s = fenceScript(['eth1', 'br0'], ['eth1']);
    expect(s).toContain('chain fence_fwd { type filter hook forward priority -10; policy accept; iifname { "eth1" } drop; oifname { "eth1" } drop; }');
    expect(s).toContain('chain fence_in { type filter hook input priority -10; policy accept; iifname { "eth1", "br0" } drop; }');
    expect(fenceScript(['br0'], [])).not.toContain('fence_fwd');
  });

  test('refuses anything that is not a kernel interface name', () => {
    expect(() => fenceScript(['eth1"; flush ruleset'])).toThrow(/not a kernel interface name/);
    expect(() => fenceScript(['a-very-long-interface-name'])).toThrow(/not a kernel interface name/);
  });

  test('unfence deletes both tables', () => {
    expect(unfenceScript()).toBe('table arp halab_utm_ha\ndelete table arp halab_utm_ha\ntable inet halab_utm_ha\ndelete table inet halab_utm_ha\n');
  });
});
