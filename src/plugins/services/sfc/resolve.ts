/**
 * From the options as written (NODE:IF references, names) to the chain the engine programs (OVS
 * port names of this node's bridge), checking every reference on the way. `check` reports each
 * problem at its place in the file; `plan` runs the same code on a valid topology.
 */
import { isIP } from 'node:net';
import type { Node, Topology } from '../../../model/topology.js';
import { inSubnet, parseCidr } from '../../../util/ip.js';
import { lbHash, type ChainConfig, type ResolvedClassifier, type SfcOptions } from './options.js';

export type Report = (path: (string | number)[], message: string) => void;

/** The port of `bridge` on `sw` that NODE:IF is linked to, or why there is none. */
function switchPort(topo: Topology, sw: Node, bridge: string, ref: string): { port: string; node: string } | string {
  const [node, iface] = ref.split(':') as [string, string];
  const n = topo.nodes.find((x) => x.name === node);
  if (!n) return `'${ref}': no node ${node}`;
  if (node === sw.name) return `'${ref}' is a port of ${sw.name} itself; name the far end (NODE:IF of the instance or endpoint)`;
  const link = topo.links.find((l) => l.endpoints.some((e) => e.node === node && e.iface === iface));
  if (!link) return `'${ref}': node ${node} has no linked interface ${iface}`;
  const peer = link.endpoints.find((e) => !(e.node === node && e.iface === iface))!;
  const ports = sw.bridges.find((b) => b.name === bridge)?.ports.map((p) => p.name) ?? [];
  if (peer.node !== sw.name || !ports.includes(peer.iface)) return `'${ref}' is linked to ${peer.node}:${peer.iface}, not to a port of bridge ${bridge} on ${sw.name}`;
  return { port: peer.iface, node };
}

/** The OVS bridge the chain is on: `bridge`, or the node's only OVS bridge. */
export function chainBridge(sw: Node, o: SfcOptions): string | { error: string; at: string[] } {
  const ovs = sw.bridges.filter((b) => b.kind === 'ovs');
  if (o.bridge !== undefined) {
    const b = sw.bridges.find((x) => x.name === o.bridge);
    if (!b) return { error: `node ${sw.name} has no bridge '${o.bridge}'${ovs.length ? ` (its OVS bridges: ${ovs.map((x) => x.name).join(', ')})` : ''}`, at: ['bridge'] };
    if (b.kind !== 'ovs') return { error: `bridge ${o.bridge} is a ${b.kind} bridge; the chain needs kind: ovs`, at: ['bridge'] };
    return b.name;
  }
  if (ovs.length === 1) return ovs[0]!.name;
  return { error: ovs.length ? `node ${sw.name} has ${ovs.length} OVS bridges (${ovs.map((x) => x.name).join(', ')}): say which one with bridge:` : `node ${sw.name} has no OVS bridge to build the chain on`, at: [] };
}

/** The address the monitor reaches an instance at: one of its node's, in a subnet of the switch node's. */
function mgmtAddress(topo: Topology, sw: Node, node: string): string | undefined {
  const own = sw.interfaces.flatMap((i) => i.addresses.filter((a) => a.family === 4));
  const n = topo.nodes.find((x) => x.name === node);
  return n?.interfaces.flatMap((i) => i.addresses).find((a) => a.family === 4 && own.some((c) => inSubnet(a.ip, c)))?.ip;
}

/**
 * Check everything and build the chain config. `kname` maps a port of this node to its kernel name
 * (plan); check passes the identity. Returns null when something was reported.
 */
export function resolveChain(topo: Topology, sw: Node, o: SfcOptions, report: Report, kname: (port: string) => string = (p) => p): ChainConfig | null {
  let bad = false;
  const err: Report = (p, m) => {
    bad = true;
    report(p, m);
  };
  const br = chainBridge(sw, o);
  if (typeof br !== 'string') {
    err(br.at, br.error);
    return null;
  }
  const used = new Map<string, string>();
  const take = (ref: string, at: (string | number)[], what: string): { port: string; node: string } | null => {
    const r = switchPort(topo, sw, br, ref);
    if (typeof r === 'string') {
      err(at, r);
      return null;
    }
    if (used.has(r.port)) {
      err(at, `'${ref}' (port ${r.port}) is already ${used.get(r.port)}`);
      return null;
    }
    used.set(r.port, what);
    return r;
  };

  const pairs: ChainConfig['pairs'] = {};
  for (const [name, pp] of Object.entries(o.port_pairs)) {
    const i = take(pp.ingress, ['port_pairs', name, 'ingress'], `the ingress of port pair ${name}`);
    const e = take(pp.egress, ['port_pairs', name, 'egress'], `the egress of port pair ${name}`);
    if (!i || !e) continue;
    if (i.node !== e.node) err(['port_pairs', name, 'egress'], `a port pair is one instance: ingress is on ${i.node}, egress on ${e.node}`);
    pairs[name] = { ingress: kname(i.port), egress: kname(e.port), node: i.node };
  }

  const inGroup = new Map<string, string>();
  const groups: ChainConfig['groups'] = {};
  for (const [name, g] of Object.entries(o.port_pair_groups)) {
    g.port_pairs.forEach((p, k) => {
      if (!(p in o.port_pairs)) err(['port_pair_groups', name, 'port_pairs', k], `no port pair '${p}' (port pairs: ${Object.keys(o.port_pairs).join(', ')})`);
      else if (inGroup.has(p)) err(['port_pair_groups', name, 'port_pairs', k], `port pair ${p} is already in group ${inGroup.get(p)}: a port pair belongs to one group`);
      else inGroup.set(p, name);
    });
    const lb = g.port_pair_group_parameters?.lb_fields;
    const hash = lbHash(lb);
    if (!hash) err(['port_pair_groups', name, 'port_pair_group_parameters', 'lb_fields'], `lb_fields '${lb}' does not hash both directions alike: use ip_src&ip_dst or ip_src&ip_dst&ip_proto&udp_src&udp_dst (or tcp_src&tcp_dst)`);
    groups[name] = { pairs: [...g.port_pairs], hash: hash ?? 'symmetric_l3' };
  }

  const spares: Record<string, string[]> = {};
  const spare = new Set<string>();
  for (const [g, list] of Object.entries(o.spares ?? {})) {
    if (!(g in o.port_pair_groups)) {
      err(['spares', g], `no port pair group '${g}' (groups: ${Object.keys(o.port_pair_groups).join(', ')})`);
      continue;
    }
    spares[g] = [];
    list.forEach((p, k) => {
      if (!(p in o.port_pairs)) err(['spares', g, k], `no port pair '${p}'`);
      else if (inGroup.has(p)) err(['spares', g, k], `port pair ${p} is in group ${inGroup.get(p)}; a spare is in no group`);
      else if (spare.has(p)) err(['spares', g, k], `port pair ${p} is already a spare`);
      else {
        spare.add(p);
        spares[g]!.push(p);
      }
    });
  }
  for (const p of Object.keys(o.port_pairs))
    if (!inGroup.has(p) && !spare.has(p)) err(['port_pairs', p], `port pair ${p} is in no port pair group and not a spare of one`);

  const classifiers: ChainConfig['classifiers'] = {};
  for (const [name, fc] of Object.entries(o.flow_classifiers)) {
    const at = (k: string) => ['flow_classifiers', name, k];
    const s = take(fc.logical_source_port, at('logical_source_port'), `the logical source port of flow classifier ${name}`);
    const d = take(fc.logical_destination_port, at('logical_destination_port'), `the logical destination port of flow classifier ${name}`);
    const c: Partial<ResolvedClassifier> = { protocol: fc.protocol };
    for (const [k, key] of [['source_ip_prefix', 'srcPrefix'], ['destination_ip_prefix', 'dstPrefix']] as const) {
      const v = fc[k];
      if (v === undefined) continue;
      const r = parseCidr(v, { allowBare: true });
      if (!r.ok || r.cidr.family !== 4) err(at(k), `${k} '${v}' is not an IPv4 prefix${r.ok ? '' : ` (${r.reason})`}`);
      else c[key] = r.cidr.text.includes('/') ? r.cidr.text : `${r.cidr.ip}/32`;
    }
    for (const [side, key] of [['source', 'srcPorts'], ['destination', 'dstPorts']] as const) {
      const lo = fc[`${side}_port_range_min`];
      const hi = fc[`${side}_port_range_max`];
      if (lo === undefined && hi === undefined) continue;
      if (fc.protocol !== 'tcp' && fc.protocol !== 'udp') err(at(`${side}_port_range_${lo !== undefined ? 'min' : 'max'}`), `a ${side} port range needs protocol tcp or udp`);
      else if (lo !== undefined && hi !== undefined && lo > hi) err(at(`${side}_port_range_max`), `${side}_port_range_max ${hi} is below ${side}_port_range_min ${lo}`);
      else c[key] = [lo ?? 0, hi ?? 65535];
    }
    if (s && d) classifiers[name] = { ...c, src: kname(s.port), dst: kname(d.port) } as ResolvedClassifier;
  }

  const chains: ChainConfig['chains'] = {};
  const inChain = new Map<string, string>();
  for (const [name, pc] of Object.entries(o.port_chains)) {
    if (pc.port_pair_groups.length > 15) err(['port_chains', name, 'port_pair_groups'], `a chain has at most 15 port pair groups (this one ${pc.port_pair_groups.length})`);
    pc.port_pair_groups.forEach((g, k) => {
      if (!(g in o.port_pair_groups)) err(['port_chains', name, 'port_pair_groups', k], `no port pair group '${g}' (groups: ${Object.keys(o.port_pair_groups).join(', ')})`);
      else if (inChain.has(g)) err(['port_chains', name, 'port_pair_groups', k], `port pair group ${g} is already in chain ${inChain.get(g)}: a group belongs to one chain`);
      else inChain.set(g, name);
    });
    pc.flow_classifiers.forEach((f, k) => {
      if (!(f in o.flow_classifiers)) err(['port_chains', name, 'flow_classifiers', k], `no flow classifier '${f}' (classifiers: ${Object.keys(o.flow_classifiers).join(', ')})`);
      else if (inChain.has(`fc:${f}`)) err(['port_chains', name, 'flow_classifiers', k], `flow classifier ${f} is already in chain ${inChain.get(`fc:${f}`)}`);
      else inChain.set(`fc:${f}`, name);
    });
    chains[name] = { groups: [...pc.port_pair_groups], classifiers: [...pc.flow_classifiers], symmetric: pc.chain_parameters?.symmetric ?? true };
  }
  for (const g of Object.keys(o.port_pair_groups)) if (!inChain.has(g)) err(['port_pair_groups', g], `port pair group ${g} is in no port chain`);

  const m = o.monitoring;
  if (m) {
    if (m.driver === 'ping' && m.port !== undefined) err(['monitoring', 'port'], 'port is a parameter of http_ping; ping has none');
    for (const p of Object.keys(pairs)) {
      const a = mgmtAddress(topo, sw, pairs[p]!.node);
      if (a) pairs[p]!.mgmt = a;
      else err(['monitoring'], `the monitor cannot reach port pair ${p}: node ${pairs[p]!.node} has no IPv4 address in a subnet of ${sw.name}'s (give both a management interface)`);
    }
  }
  if (o.address !== undefined && isIP(o.address) !== 4) err(['address'], `address '${o.address}' is not an IPv4 address`);
  return bad ? null : { bridge: kname(br), pairs, groups, classifiers, chains, spares };
}
