/** Valid topologies: what validation turns them into (defaults, normal forms, derived ports). */
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { Node, Route } from '../../src/model/topology.js';
import { resolveOvsPorts } from '../../src/plugins/switches/ovs/ports.js';
import { loadTopology, validateText, type Validated } from '../../src/pipeline/validate.js';

function node(v: Validated, name: string): Node {
  const n = v.topology.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
}

/** Routes without their source paths, for comparing forms. */
function routes(n: Node): Omit<Route, 'path'>[] {
  return n.routes.map(({ path: _path, ...r }) => r);
}

function diagnostics(text: string): string[] {
  try {
    validateText(text);
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`);
    throw e;
  }
  return [];
}

const twoHosts = (extraA = '', links = '  - [a:eth0, b:eth0]') => `
name: t
nodes:
  a:
    interfaces:
      eth0: 10.0.0.1/24
${extraA}
  b:
    interfaces:
      eth0: 10.0.0.2/24
links:
${links}
`;

describe('shipped topologies', () => {
  const shipped = readdirSync('topologies', { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `topologies/${f}`);

  test('there are some', () => {
    expect(shipped).toContain('topologies/dvr-fip.yaml');
  });

  test.each(shipped)('%s is valid', (file) => {
    expect(loadTopology(file).topology.nodes.length).toBeGreaterThan(0);
  });
});

describe('topologies/dvr-fip.yaml', () => {
  const v = loadTopology('topologies/dvr-fip.yaml');

  test('nodes and links', () => {
    expect(v.topology.name).toBe('dvr-fip');
    expect(v.topology.nodes.map((n) => n.name)).toEqual(['host1', 'host2', 'fip-ns', 'router-ns', 'vm1', 'vm2', 'underlay', 'extnet', 'ext']);
    expect(v.topology.links).toHaveLength(8);
    expect(v.topology.links[7]!.endpoints.map((e) => `${e.node}:${e.iface}`)).toEqual(['fip-ns:fpr', 'router-ns:rfp']);
  });

  test('kinds: nodes default to host, bridges to linux', () => {
    expect(node(v, 'vm1').kind).toBe('host');
    expect(node(v, 'fip-ns').kind).toBe('router');
    expect(node(v, 'underlay').bridges[0]).toMatchObject({ name: 'br0', kind: 'linux' });
    expect(node(v, 'host1').bridges.map((b) => b.kind)).toEqual(['ovs', 'ovs', 'ovs', 'ovs']);
  });

  test('routers get forwarding sysctls, hosts none', () => {
    expect(node(v, 'router-ns').sysctl).toEqual({ 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1' });
    expect(node(v, 'vm1').sysctl).toEqual({});
  });

  test('internal ports land in the node they are handed to', () => {
    expect(v.inventory.get('fip-ns')!.get('vport-fip')).toMatchObject({ origin: 'internal', owner: 'host1' });
    expect(v.inventory.get('router-ns')!.get('vport-router')).toMatchObject({ origin: 'internal', owner: 'host1' });
    expect(v.inventory.get('host1')!.has('vport-fip')).toBe(false);
    expect(v.inventory.get('fip-ns')!.get('fpr')!.origin).toBe('link');
    expect(v.inventory.get('host1')!.get('br-int')!.origin).toBe('bridge');
  });

  test('routes, interface sysctls and NAT are normalised', () => {
    expect(routes(node(v, 'fip-ns'))).toEqual([
      { dst: 'default', via: '192.168.100.1', dev: 'vport-fip', family: 4 },
      { dst: '192.168.100.150/32', via: '169.254.31.238', dev: 'fpr', family: 4 },
      { dst: '192.168.100.160/32', via: '169.254.31.238', dev: 'fpr', family: 4 },
    ]);
    const vport = node(v, 'fip-ns').interfaces.find((i) => i.name === 'vport-fip')!;
    expect(vport.sysctl).toEqual({ proxy_arp: '1' });
    expect(vport.addresses.map((a) => a.text)).toEqual(['192.168.100.254/24']);
    expect(node(v, 'router-ns').nat.map((r) => [r.type, r.match, r.to])).toEqual([
      ['dnat', '192.168.100.150', '172.16.18.100'],
      ['snat', '172.16.18.100', '192.168.100.150'],
      ['dnat', '192.168.100.160', '172.16.18.200'],
      ['snat', '172.16.18.200', '192.168.100.160'],
    ]);
  });

  test('patch pairs declared once get both ends, with the tags of the declaring side', () => {
    const ports = resolveOvsPorts(node(v, 'host1'));
    expect(ports.problems).toEqual([]);
    const byName = new Map(ports.ports.map((p) => [p.name, p]));
    expect(byName.get('int-ex')).toMatchObject({ bridge: 'br-int', type: 'patch', peer: 'ex-int', tag: 3 });
    expect(byName.get('ex-int')).toMatchObject({ bridge: 'br-ex', type: 'patch', peer: 'int-ex' });
    expect(byName.get('ex-int')!.tag).toBeUndefined();
    expect(byName.get('tun-int')).toMatchObject({ bridge: 'br-tun', type: 'patch', peer: 'int-tun' });
    expect(byName.get('vport-fip')).toMatchObject({ type: 'internal', internalTo: 'fip-ns', tag: 3 });
    expect(byName.get('vxlan1')).toMatchObject({ type: 'vxlan', vxlan: { remote: '192.168.122.33' } });
    expect(byName.get('enp1s0')).toMatchObject({ bridge: 'br-host-1', type: 'system' });
  });
});

describe('inline topologies', () => {
  test('a minimal topology: defaults for kind, up, anycast and sysctl', () => {
    const v = validateText(twoHosts());
    const a = node(v, 'a');
    expect(a.kind).toBe('host');
    expect(a.sysctl).toEqual({});
    expect(a.interfaces[0]).toMatchObject({ name: 'eth0', up: true, anycast: false, sysctl: {} });
    expect(a.interfaces[0]!.addresses).toEqual([{ ip: '10.0.0.1', prefix: 24, family: 4, text: '10.0.0.1/24' }]);
  });

  test('a node may be empty (null)', () => {
    const v = validateText('name: t\nnodes:\n  lonely:\n');
    expect(node(v, 'lonely')).toMatchObject({ kind: 'host', interfaces: [], bridges: [], routes: [] });
  });

  test('the three interface forms: string, list, mapping', () => {
    const v = validateText(`
name: t
nodes:
  a:
    interfaces:
      e1: 10.0.1.1/24
      e2: [10.0.2.1/24, "fd00:2::1/64"]
      e3: { addresses: 10.0.3.1/24, mtu: 9000, mac: "AA:BB:CC:00:11:22", up: false }
  b: {}
links:
  - [a:e1, b:e1]
  - [a:e2, b:e2]
  - { endpoints: [a:e3, b:e3], mtu: 9000 }
`);
    const [e1, e2, e3] = node(v, 'a').interfaces;
    expect(e1!.addresses.map((x) => x.text)).toEqual(['10.0.1.1/24']);
    expect(e2!.addresses.map((x) => [x.text, x.family])).toEqual([
      ['10.0.2.1/24', 4],
      ['fd00:2::1/64', 6],
    ]);
    expect(e3).toMatchObject({ mtu: 9000, mac: 'aa:bb:cc:00:11:22', up: false });
    expect(v.topology.links[2]!.mtu).toBe(9000);
  });

  test('bridges default to kind linux', () => {
    const v = validateText(`
name: t
nodes:
  sw:
    bridges:
      br0: { ports: [p1] }
      br1: {}
  a: {}
links:
  - [a:eth0, sw:p1]
`);
    expect(node(v, 'sw').bridges.map((b) => [b.name, b.kind])).toEqual([
      ['br0', 'linux'],
      ['br1', 'linux'],
    ]);
    expect(v.inventory.get('sw')!.get('br1')!.origin).toBe('bridge');
  });

  test('router sysctls are defaults a node can override; booleans become 1 and 0', () => {
    const v = validateText(`
name: t
nodes:
  r1: { kind: router }
  r2:
    kind: router
    sysctl:
      net.ipv4.ip_forward: 0
      net.ipv4.conf.all.rp_filter: false
      net.ipv4.tcp_syncookies: true
`);
    expect(node(v, 'r1').sysctl).toEqual({ 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1' });
    expect(node(v, 'r2').sysctl).toEqual({
      'net.ipv4.ip_forward': '0',
      'net.ipv6.conf.all.forwarding': '1',
      'net.ipv4.conf.all.rp_filter': '0',
      'net.ipv4.tcp_syncookies': '1',
    });
  });

  test('route string and mapping forms give the same route', () => {
    const strings = validateText(
      twoHosts(`    routes:
      - 10.9.0.0/16 via 10.0.0.2 dev eth0 metric 20
      - 10.8.0.0/16 dev eth0
      - default via 10.0.0.2`),
    );
    const objects = validateText(
      twoHosts(`    routes:
      - { to: 10.9.0.0/16, via: 10.0.0.2, dev: eth0, metric: 20 }
      - { to: 10.8.0.0/16, dev: eth0 }
      - { to: default, via: 10.0.0.2 }`),
    );
    const expected = [
      { dst: '10.9.0.0/16', via: '10.0.0.2', dev: 'eth0', metric: 20, family: 4 },
      { dst: '10.8.0.0/16', dev: 'eth0', family: 4 },
      { dst: 'default', via: '10.0.0.2', family: 4 },
    ];
    expect(routes(node(strings, 'a'))).toEqual(expected);
    expect(routes(node(objects, 'a'))).toEqual(expected);
  });

  test('a bare route destination is a host route; an IPv6 gateway makes an IPv6 route', () => {
    const v = validateText(`
name: t
nodes:
  a:
    interfaces:
      eth0: [10.0.0.1/24, fd00::1/64]
    routes:
      - 192.168.100.150 via 10.0.0.2
      - default via fe80::1 dev eth0
      - "fd00:9::/64 via fd00::2"
  b:
    interfaces:
      eth0: [10.0.0.2/24, fd00::2/64]
links:
  - [a:eth0, b:eth0]
`);
    expect(routes(node(v, 'a'))).toEqual([
      { dst: '192.168.100.150/32', via: '10.0.0.2', family: 4 },
      { dst: 'default', via: 'fe80::1', dev: 'eth0', family: 6 },
      { dst: 'fd00:9::/64', via: 'fd00::2', family: 6 },
    ]);
  });

  test('a patch pair declared once yields both ends; a plain peer declaration adds its tag', () => {
    const v = validateText(`
name: t
nodes:
  h:
    bridges:
      br-int:
        kind: ovs
        ports:
          int-ex: { tag: 3, patch: br-ex:ex-int }
      br-ex:
        kind: ovs
        ports:
          ex-int: { tag: 7 }
`);
    const { ports, problems } = resolveOvsPorts(node(v, 'h'));
    expect(problems).toEqual([]);
    expect(ports.map(({ path: _p, ...p }) => p)).toEqual([
      { bridge: 'br-int', name: 'int-ex', type: 'patch', peer: 'ex-int', tag: 3 },
      { bridge: 'br-ex', name: 'ex-int', type: 'patch', peer: 'int-ex', tag: 7 },
    ]);
  });

  test('a patch pair may also be declared from both ends', () => {
    const v = validateText(`
name: t
nodes:
  h:
    bridges:
      br-a: { kind: ovs, ports: { a-b: { patch: br-b:b-a } } }
      br-b: { kind: ovs, ports: { b-a: { patch: br-a:a-b, trunks: [10, 20] } } }
`);
    const { ports, problems } = resolveOvsPorts(node(v, 'h'));
    expect(problems).toEqual([]);
    expect(ports.map((p) => [p.bridge, p.name, p.peer, p.trunks])).toEqual([
      ['br-a', 'a-b', 'b-a', undefined],
      ['br-b', 'b-a', 'a-b', [10, 20]],
    ]);
  });

  test('HA pairs may share an address when both sides are anycast', () => {
    const shared = (anycastB: boolean) => `
name: t
nodes:
  r1: { interfaces: { eth0: { addresses: 10.0.0.254/24, anycast: true } } }
  r2: { interfaces: { eth0: { addresses: 10.0.0.254/24, anycast: ${anycastB} } } }
  sw: { bridges: { br0: { ports: [p1, p2] } } }
links:
  - [r1:eth0, sw:p1]
  - [r2:eth0, sw:p2]
`;
    expect(diagnostics(shared(true))).toEqual([]);
    expect(diagnostics(shared(false))).toEqual(['5:29 address 10.0.0.254 is already on r1:eth0 (line 4); if both are an HA pair sharing it, mark both interfaces anycast: true']);
  });

  test('IPv6 addresses written differently are the same address', () => {
    const text = twoHosts().replace('eth0: 10.0.0.1/24', 'eth0: "fd00:0::1/64"').replace('eth0: 10.0.0.2/24', 'eth0: "FD00::0001/64"');
    expect(diagnostics(text)).toEqual([expect.stringMatching(/address fd00::1 is already on a:eth0/)]);
  });

  test('errors come sorted by position with the file name given', () => {
    let err: unknown;
    try {
      validateText('name: t\nnodes:\n  b: { kind: nope }\n  a: { kind: nada }\n', 'lab.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const ds = (err as InputError).diagnostics;
    expect(ds.map((d) => [d.file, d.line, d.col, d.path])).toEqual([
      ['lab.yaml', 3, 14, 'nodes.b.kind'],
      ['lab.yaml', 4, 14, 'nodes.a.kind'],
    ]);
  });

  test('new checks: route destinations with host bits, ports on two bridges', () => {
    expect(diagnostics(twoHosts('    routes: ["fd00:9::1/64 via fd00::2"]'))).toEqual(['7:14 route destination fd00:9::1/64 has host bits set; write fd00:9::/64']);
    expect(
      diagnostics(`
name: t
nodes:
  sw:
    bridges:
      br0: { kind: ovs, ports: [p1] }
      br1: { ports: [p1] }
  a: {}
links:
  - [a:eth0, sw:p1]
`),
    ).toEqual(["7:22 port 'p1' is already a port of bridge br0 (line 6); an interface joins one bridge"]);
  });
});
