/**
 * The sfc service's pure parts (seeds/002, HA for SFC): option checks on the sfc-ha topology, the
 * slot tables and how respawn, scale-out and scale-in change them (only the flows they must move),
 * the OpenFlow rules of a chain, and reading where live traffic goes from a datapath dump.
 */
import { describe, expect, test } from 'vitest';
import { initialSlots, members, parsePlacement, rangeMasks, renderFlows, respawn, scaleIn, scaleOut, SLOTS } from '../../src/plugins/services/sfc/chain.js';
import { initialState, update } from '../../src/plugins/services/sfc/engine.js';
import { lbHash, type ChainConfig, type SfcOptions } from '../../src/plugins/services/sfc/options.js';
import { resolveChain } from '../../src/plugins/services/sfc/resolve.js';
import { loadTopology } from '../../src/pipeline/validate.js';

const topo = loadTopology('topologies/sfc-ha.yaml').topology;
const sw = topo.nodes.find((n) => n.name === 'sw')!;
const opts = () => structuredClone(sw.services.find((s) => s.kind === 'sfc')!.options) as unknown as SfcOptions;

function check(o: SfcOptions): { cfg: ChainConfig | null; errors: string[] } {
  const errors: string[] = [];
  const cfg = resolveChain(topo, sw, o, (p, m) => errors.push(`${p.join('.')}: ${m}`));
  return { cfg, errors };
}

const count = (slots: string[], p: string) => slots.filter((x) => x === p).length;

describe('option checks', () => {
  test('the sfc-ha topology resolves to switch ports and management addresses', () => {
    const { cfg, errors } = check(opts());
    expect(errors).toEqual([]);
    expect(cfg!.bridge).toBe('chain');
    expect(cfg!.pairs.fw1).toEqual({ ingress: 'fw1-in', egress: 'fw1-out', node: 'fw1', mgmt: '192.168.100.11' });
    expect(cfg!.classifiers['client-server']).toMatchObject({ src: 'client', dst: 'server', protocol: 'udp', srcPrefix: '10.0.0.2/32', dstPrefix: '10.0.0.0/24' });
    expect(cfg!.groups.fw!.hash).toBe('symmetric_l3');
    expect(cfg!.groups.dpi!.hash).toBe('symmetric_l3l4+udp');
    expect(cfg!.spares).toEqual({ fw: ['fw3', 'fw4'] });
  });

  test('bad references, each at its place', () => {
    const o = opts();
    o.port_pairs.fw1!.ingress = 'fw1:eth9';
    o.port_pairs.fw2!.egress = 'fw3:eth1';
    o.port_pair_groups.fw!.port_pairs.push('nope');
    o.port_pair_groups.dpi!.port_pair_group_parameters = { lb_fields: 'ip_src' };
    o.flow_classifiers['client-server']!.logical_destination_port = 'fw4:eth0';
    o.port_chains.pc1!.port_pair_groups.push('fw');
    const { cfg, errors } = check(o);
    expect(cfg).toBeNull();
    expect(errors).toEqual([
      "port_pairs.fw1.ingress: 'fw1:eth9': node fw1 has no linked interface eth9",
      'port_pairs.fw2.egress: a port pair is one instance: ingress is on fw2, egress on fw3',
      "port_pairs.fw3.egress: 'fw3:eth1' (port fw3-out) is already the egress of port pair fw2",
      'port_pair_groups.fw.port_pairs.2: no port pair \'nope\' (port pairs: fw1, fw2, fw3, fw4, dpi1)',
      "port_pair_groups.dpi.port_pair_group_parameters.lb_fields: lb_fields 'ip_src' does not hash both directions alike: use ip_src&ip_dst or ip_src&ip_dst&ip_proto&udp_src&udp_dst (or tcp_src&tcp_dst)",
      "flow_classifiers.client-server.logical_destination_port: 'fw4:eth0' (port fw4-in) is already the ingress of port pair fw4",
      'port_chains.pc1.port_pair_groups.2: port pair group fw is already in chain pc1: a group belongs to one chain',
    ]);
  });

  test('spares, groups outside chains, port ranges, monitoring reach', () => {
    const o = opts();
    o.spares = { fw: ['fw3', 'fw2'] };
    o.flow_classifiers['client-server']!.protocol = 'icmp';
    o.flow_classifiers['client-server']!.destination_port_range_min = 80;
    const { errors } = check(o);
    expect(errors).toEqual([
      'spares.fw.1: port pair fw2 is in group fw; a spare is in no group',
      'port_pairs.fw4: port pair fw4 is in no port pair group and not a spare of one',
      'flow_classifiers.client-server.destination_port_range_min: a destination port range needs protocol tcp or udp',
    ]);
  });

  test('lb_fields: only symmetric field sets', () => {
    expect(lbHash(undefined)).toBe('symmetric_l3l4+udp');
    expect(lbHash('ip_dst&ip_src')).toBe('symmetric_l3');
    expect(lbHash('ip_src&ip_dst&ip_proto&tcp_src&tcp_dst')).toBe('symmetric_l3l4+udp');
    expect(lbHash('ip_src&ip_dst&udp_dst')).toBeNull();
    expect(lbHash('eth_src')).toBeNull();
  });
});

describe('slot tables: each change moves only the flows it must', () => {
  test('initial tables share the slots evenly', () => {
    const s = initialSlots(['a', 'b', 'c']);
    expect(s).toHaveLength(SLOTS);
    expect([count(s, 'a'), count(s, 'b'), count(s, 'c')]).toEqual([22, 21, 21]);
  });

  test('respawn: the new pair takes exactly the old one’s slots', () => {
    const s = initialSlots(['a', 'b']);
    const r = respawn(s, 'a', 'c');
    expect(r.moved).toBe(32);
    s.forEach((p, i) => expect(r.slots[i]).toBe(p === 'a' ? 'c' : p));
    expect(() => respawn(s, 'x', 'c')).toThrow(/not in the group/);
    expect(() => respawn(s, 'a', 'b')).toThrow(/already in the group/);
  });

  test('scale-out: a fair share, taken from the fullest; other slots untouched', () => {
    const s = initialSlots(['a', 'b']);
    const r = scaleOut(s, 'c');
    expect(r.moved).toBe(21);
    expect([count(r.slots, 'a'), count(r.slots, 'b'), count(r.slots, 'c')]).toEqual([21, 22, 21]);
    s.forEach((p, i) => expect([p, 'c']).toContain(r.slots[i]));
  });

  test('scale-in: only the removed pair’s slots move, to the emptiest; scale-out then scale-in is balanced', () => {
    const s = scaleOut(initialSlots(['a', 'b']), 'c').slots;
    const r = scaleIn(s, 'c');
    expect(r.moved).toBe(21);
    s.forEach((p, i) => p !== 'c' && expect(r.slots[i]).toBe(p));
    expect([count(r.slots, 'a'), count(r.slots, 'b')]).toEqual([32, 32]);
    expect(() => scaleIn(initialSlots(['a']), 'a')).toThrow(/last/);
  });
});

describe('engine requests (the vnffg-ha engine’s updates)', () => {
  const cfg = check(opts()).cfg!;

  test('scale-out, respawn, scale-in: spares taken and given back, failed pairs kept out', () => {
    let s = initialState(cfg);
    const out = update(s, { op: 'scale-out', group: 'fw' });
    expect(out.added).toBe('fw3');
    expect(out.detail).toMatch(/^scale-out fw \+fw3: port pair fw3 created, added to group fw \(fw1, fw2, fw3\): 21 of 64 slots moved$/);
    s = out.state;
    const re = update(s, { op: 'respawn', pair: 'fw1', reason: 'ping failure' });
    expect(re.detail).toMatch(/^respawn fw1 -> fw4 \(ping failure\): port pair fw1 deleted, fw4 created, group fw updated: 21 of 64 slots moved$/);
    s = re.state;
    expect(s.order.fw).toEqual(['fw4', 'fw2', 'fw3']);
    expect(s.failed).toEqual(['fw1']);
    expect(() => update(s, { op: 'respawn', pair: 'fw2' })).toThrow(/no spare port pair left/);
    const inn = update(s, { op: 'scale-in', group: 'fw' });
    expect(inn.removed).toBe('fw3');
    expect(inn.state.spares.fw).toEqual(['fw3']);
    expect(members(inn.state.slots.fw!).sort()).toEqual(['fw2', 'fw4']);
  });

  test('refusals name what is wrong', () => {
    const s = initialState(cfg);
    expect(() => update(s, { op: 'scale-out', group: 'nat' })).toThrow("no port pair group 'nat' (groups: fw, dpi)");
    expect(() => update(s, { op: 'scale-out', group: 'fw', pair: 'fw1' })).toThrow('port pair fw1 is not a spare of group fw (spares: fw3, fw4)');
    expect(() => update(s, { op: 'scale-in', group: 'fw', pair: 'fw3' })).toThrow('port pair fw3 is not in group fw (fw1, fw2)');
    expect(() => update(s, { op: 'respawn', pair: 'dpi1' })).toThrow('group dpi has no spare port pair left to respawn dpi1 onto');
  });
});

describe('flow rules', () => {
  const cfg = check(opts()).cfg!;
  const st = initialState(cfg);

  test('classifier, hops both ways, slot tables, the direct path for the rest', () => {
    const f = renderFlows(cfg, st.slots);
    const mpFw = 'multipath(symmetric_l3,0,modulo_n,64,0,NXM_NX_REG1[0..5])';
    const mpDpi = 'multipath(symmetric_l3l4+udp,0,modulo_n,64,0,NXM_NX_REG1[0..5])';
    const fwd = 'udp,nw_src=10.0.0.2/32,nw_dst=10.0.0.0/24';
    const rev = 'udp,nw_src=10.0.0.0/24,nw_dst=10.0.0.2/32';
    expect(f).toContain(`table=0,priority=200,in_port=client,${fwd},actions=${mpFw},resubmit(,10)`);
    expect(f).toContain(`table=0,priority=200,in_port=fw2-out,${fwd},actions=${mpDpi},resubmit(,12)`);
    expect(f).toContain(`table=0,priority=200,in_port=dpi1-out,${fwd},actions=output:server`);
    expect(f).toContain(`table=0,priority=200,in_port=server,${rev},actions=${mpDpi},resubmit(,13)`);
    expect(f).toContain(`table=0,priority=200,in_port=dpi1-in,${rev},actions=${mpFw},resubmit(,11)`);
    expect(f).toContain(`table=0,priority=200,in_port=fw1-in,${rev},actions=output:client`);
    expect(f).toContain('table=10,priority=100,reg1=0,actions=output:fw1-in');
    expect(f).toContain('table=11,priority=100,reg1=1,actions=output:fw2-out');
    expect(f).toContain('table=0,priority=10,in_port=client,actions=output:server');
    // Spares get no traffic, but what comes out of them goes on (a pair scaled in drains).
    expect(f.some((l) => l.includes('output:fw3'))).toBe(false);
    expect(f).toContain(`table=0,priority=200,in_port=fw3-out,${fwd},actions=${mpDpi},resubmit(,12)`);
    expect(f).toContain(`table=0,priority=200,in_port=fw3-in,${rev},actions=output:client`);
    expect(f.filter((l) => l.startsWith('table=10,'))).toHaveLength(SLOTS);
  });

  test('an asymmetric chain has no return rules', () => {
    const c = structuredClone(cfg);
    c.chains.pc1!.symmetric = false;
    const f = renderFlows(c, st.slots);
    expect(f.some((l) => l.includes('in_port=server,udp'))).toBe(false);
    expect(f.some((l) => l.startsWith('table=11,'))).toBe(false);
  });

  test('port ranges as value/mask matches', () => {
    expect(rangeMasks(80, 80)).toEqual(['80']);
    expect(rangeMasks(0, 65535)).toEqual(['0x0000/0x0']);
    expect(rangeMasks(1000, 1999)).toEqual(['0x03e8/0xfff8', '0x03f0/0xfff0', '0x0400/0xfe00', '0x0600/0xff00', '0x0700/0xff80', '0x0780/0xffc0', '0x07c0/0xfff0']);
  });
});

describe('placement from a datapath dump', () => {
  const cfg = check(opts()).cfg!;
  const dump = [
    'recirc_id(0),in_port(client),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.11,proto=17,frag=no), packets:552, bytes:58512, used:0.005s, actions:fw3-in',
    'recirc_id(0),in_port(fw1-out),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.11,proto=17,frag=no),udp(src=53082,dst=7500), packets:813, bytes:86178, used:5.661s, actions:dpi1-in',
    'recirc_id(0),in_port(fw3-out),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.11,proto=17,frag=no),udp(src=53082,dst=7500), packets:1131, bytes:119886, used:0.001s, actions:dpi1-in',
    'recirc_id(0),in_port(dpi1-out),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.11/255.255.255.0,proto=17,frag=no), packets:1945, bytes:206170, used:0.001s, actions:server',
    'recirc_id(0),in_port(server),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(src=10.0.0.11,dst=10.0.0.2,proto=17,frag=no),udp(src=40000,dst=7500), packets:9, bytes:900, used:0.010s, actions:dpi1-out',
    'recirc_id(0),in_port(dpi1-in),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(src=10.0.0.11,dst=10.0.0.2,proto=17,frag=no), packets:9, bytes:900, used:0.010s, actions:fw3-out',
    'recirc_id(0),in_port(client),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.12,proto=17,frag=no), packets:5, bytes:500, used:3.000s, actions:fw2-in',
    'recirc_id(0),in_port(fw2-in),packet_type(ns=0,id=0),eth(src=62:12:b9:00:3c:70,dst=33:33:00:00:00:16),eth_type(0x86dd),ipv6(frag=no), packets:521, bytes:46890, used:0.352s, actions:drop',
  ].join('\n');

  test('follows each live flow hop by hop, both ways; idle megaflows are ignored', () => {
    expect(parsePlacement(dump, cfg)).toEqual([
      { key: '10.0.0.2>10.0.0.11', direction: 'forward', src: '10.0.0.2', dst: '10.0.0.11', pairs: ['fw3', 'dpi1'] },
      { key: '10.0.0.11>10.0.0.2 udp 40000>7500', direction: 'reverse', src: '10.0.0.11', dst: '10.0.0.2', pairs: ['dpi1', 'fw3'] },
    ]);
    expect(parsePlacement(dump, cfg, 10).map((p) => p.key)).toContain('10.0.0.2>10.0.0.12');
  });
});
