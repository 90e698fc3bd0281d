/**
 * Cross-reference checks on a normalised topology: kinds exist, every interface has exactly one
 * origin (a link end, a bridge, an internal port), configuration refers to existing interfaces,
 * addresses do not collide, kernel names do not collide.
 */
import type { Diagnostic } from '../errors.js';
import type { Path } from '../model/path.js';
import type { Bridge, Node, Topology } from '../model/topology.js';
import { nodeKinds } from '../plugins/nodes/index.js';
import { serviceKinds } from '../plugins/services/index.js';
import { switchKinds } from '../plugins/switches/index.js';
import { schemaDiagnostics } from '../util/schema-check.js';
import type { CheckCtx } from '../plugins/types.js';
import { canonicalIp, inSubnet } from '../util/ip.js';
import { sysctlInterface } from '../util/sysctl.js';
import { closest, kernelName } from '../util/names.js';

export interface InterfaceOrigin {
  origin: 'link' | 'bridge' | 'internal';
  path: Path;
  /** For bridge/internal: the node that owns the bridge. */
  owner?: string;
}

/** node -> interface name -> where it comes from. */
export type Inventory = Map<string, Map<string, InterfaceOrigin>>;

export function buildInventory(topo: Topology, report?: (d: Diagnostic) => void): Inventory {
  const inv: Inventory = new Map(topo.nodes.map((n) => [n.name, new Map()]));
  const nodeNames = topo.nodes.map((n) => n.name);
  const add = (node: string, name: string, o: InterfaceOrigin, refPath: Path) => {
    const m = inv.get(node);
    if (!m) {
      const hint = closest(node, nodeNames);
      report?.(topo.src.diag(refPath, `node '${node}' is not defined${hint ? ` (did you mean '${hint}'?)` : ''}`));
      return;
    }
    const prev = m.get(name);
    if (prev) {
      const where = topo.src.locate(prev.path);
      report?.(topo.src.diag(refPath, `interface ${name} of node ${node} is already created at line ${where.line} (by ${prev.origin === 'link' ? 'a link' : prev.origin === 'bridge' ? 'a bridge' : 'an internal port'})`));
      return;
    }
    m.set(name, o);
  };
  topo.links.forEach((l) => {
    const [a, b] = l.endpoints;
    if (a.node === b.node && a.iface === b.iface) {
      report?.(topo.src.diag(l.path, `link joins ${a.node}:${a.iface} to itself`));
      return;
    }
    for (const e of l.endpoints) add(e.node, e.iface, { origin: 'link', path: e.path }, e.path);
  });
  for (const n of topo.nodes) {
    for (const b of n.bridges) {
      const kind = switchKinds.get(b.kind);
      if (!kind) continue;
      for (const c of kind.interfaces(b, n)) {
        // An internal port handed to an unknown node: the switch plugin reports it where it is written.
        if (!inv.has(c.node)) continue;
        add(c.node, c.name, { origin: c.origin, path: c.path, owner: n.name }, c.path);
      }
    }
  }
  return inv;
}

export function checkTopology(topo: Topology, report: (d: Diagnostic) => void): Inventory {
  const { src } = topo;
  const nodesByName = new Map(topo.nodes.map((n) => [n.name, n]));

  for (const n of topo.nodes) {
    if (!nodeKinds.has(n.kind))
      report(src.diag([...n.path, 'kind'], `unknown node kind '${n.kind}'${hint(n.kind, [...nodeKinds.keys()])}; kinds: ${[...nodeKinds.keys()].join(', ')}`));
    for (const sv of n.services) {
      const kind = serviceKinds.get(sv.kind);
      if (!kind) report(src.diag(sv.path, `unknown service '${sv.kind}'${hint(sv.kind, [...serviceKinds.keys()])}; services: ${[...serviceKinds.keys()].join(', ')}`, { key: true }));
      else for (const d of schemaDiagnostics(kind.schema, sv.options, src, sv.path)) report(d);
    }
    for (const b of n.bridges)
      if (!switchKinds.has(b.kind))
        report(src.diag([...b.path, 'kind'], `unknown bridge kind '${b.kind}'${hint(b.kind, [...switchKinds.keys()])}; kinds: ${[...switchKinds.keys()].join(', ')}`));
  }

  const inv = buildInventory(topo, report);
  const has = (node: string, iface: string) => inv.get(node)?.has(iface) ?? false;
  const ctx: CheckCtx = { topo, src, report, node: (name) => nodesByName.get(name), hasInterface: has };

  for (const n of topo.nodes) {
    const known = [...(inv.get(n.name)?.keys() ?? [])];
    const ifRef = (iface: string | undefined, path: Path, what: string) => {
      if (iface !== undefined && !has(n.name, iface))
        report(src.diag(path, `${what} refers to '${iface}', which is not an interface of node ${n.name}${hint(iface, known)}${known.length ? '' : ' (it has none: interfaces come from links, bridges and internal ports)'}`));
    };
    for (const i of n.interfaces)
      if (!has(n.name, i.name))
        report(src.diag(i.path, `node ${n.name} has no interface '${i.name}'${hint(i.name, known)} (interfaces come from links, bridges and internal ports)`, { key: true }));
    for (const r of n.routes) ifRef(r.dev, r.path, `route ${r.dst}`);
    checkRoutes(n, report, src);
    for (const key of Object.keys(n.sysctl)) {
      const named = sysctlInterface(key);
      if (named) ifRef(named.iface, [...n.path, 'sysctl', key], `sysctl ${key}`);
    }
    for (const r of [...n.nat, ...n.filter]) {
      ifRef(r.in, [...r.path, 'in'], `'in'`);
      ifRef(r.out, [...r.path, 'out'], `'out'`);
    }
    for (const b of n.bridges) switchKinds.get(b.kind)?.check(b, n, ctx);
    for (const sv of n.services) {
      const kind = serviceKinds.get(sv.kind);
      if (kind && !schemaDiagnostics(kind.schema, sv.options, src, sv.path).length) kind.check(sv, n, ctx);
    }
    checkBridgePorts(n, report, src);

    // Kernel names must stay unique inside the node's namespace.
    const knames = new Map<string, string>();
    for (const name of known) {
      const k = kernelName(name);
      const other = knames.get(k);
      if (other) report(src.diag(inv.get(n.name)!.get(name)!.path, `interfaces ${other} and ${name} map to the same kernel name ${k}; rename one`));
      knames.set(k, name);
    }
  }

  checkAddresses(topo, report);
  checkHosts(topo, report);
  return inv;
}

/**
 * A port belongs to one bridge, and is not a bridge: the kernel refuses to enslave a bridge to a
 * bridge, OVS refuses a port named like a bridge, and a second `master` silently moves the port.
 * Two OVS bridges sharing a port name are reported by the OVS plugin (names are per OVS instance).
 */
function checkBridgePorts(n: Node, report: (d: Diagnostic) => void, src: Topology['src']): void {
  const bridges = new Set(n.bridges.map((b) => b.name));
  const owner = new Map<string, Bridge>();
  for (const b of n.bridges) {
    for (const p of b.ports) {
      if (p.patch || p.vxlan || p.internal) continue; // created by the port itself, never a bridge
      if (p.name === b.name) report(src.diag(p.path, `bridge ${b.name} lists itself as a port`));
      else if (bridges.has(p.name))
        report(src.diag(p.path, `port '${p.name}' is a bridge of node ${n.name}; bridges cannot be ports (join them with a link${b.kind === 'ovs' ? ' or a patch port' : ''})`));
      const prev = owner.get(p.name);
      if (prev && !(prev.kind === 'ovs' && b.kind === 'ovs')) {
        const where = src.locate(prev.path);
        report(src.diag(p.path, `port '${p.name}' is already a port of bridge ${prev.name} (line ${where.line}); an interface joins one bridge`));
      }
      if (!prev) owner.set(p.name, b);
    }
  }
}

/** `host:` names one of `hosts:`; host addresses are distinct. */
function checkHosts(topo: Topology, report: (d: Diagnostic) => void): void {
  const names = topo.hosts.map((h) => h.name);
  for (const n of topo.nodes) {
    if (!n.host || names.includes(n.host.name)) continue;
    report(topo.src.diag(n.host.path, names.length ? `host '${n.host.name}' is not defined under hosts${hint(n.host.name, names)}; hosts: ${names.join(', ')}` : `host '${n.host.name}' is not defined: list the machines under a top-level 'hosts:' (NAME: { address: IP })`));
  }
  const seen = new Map<string, string>();
  for (const h of topo.hosts) {
    if (!h.address) continue;
    const other = seen.get(canonicalIp(h.address));
    if (other) report(topo.src.diag([...h.path, 'address'], `address ${h.address} is already the address of host ${other}`));
    seen.set(canonicalIp(h.address), h.name);
  }
}

/** The same IP on two interfaces is a conflict unless every holder is marked `anycast: true`. */
function checkAddresses(topo: Topology, report: (d: Diagnostic) => void): void {
  const holders = new Map<string, { node: string; iface: string; path: Path; anycast: boolean }[]>();
  for (const n of topo.nodes)
    for (const i of n.interfaces)
      for (const a of i.addresses) {
        const key = canonicalIp(a.ip);
        const list = holders.get(key) ?? [];
        list.push({ node: n.name, iface: i.name, path: i.path, anycast: i.anycast });
        holders.set(key, list);
      }
  for (const [ip, list] of holders) {
    if (list.length < 2) continue;
    const [first, ...rest] = list;
    for (const h of rest) {
      if (h.node === first!.node || !(h.anycast && first!.anycast)) {
        const p = topo.src.locate(first!.path);
        report(
          topo.src.diag(
            h.path,
            `address ${ip} is already on ${first!.node}:${first!.iface} (line ${p.line})${h.node === first!.node ? '' : '; if both are an HA pair sharing it, mark both interfaces anycast: true'}`,
          ),
        );
      }
    }
  }
}

/**
 * A gateway must lie on a subnet of one of the node's (up) interfaces, or `ip route add` fails with
 * "Nexthop has invalid gateway"; an IPv6 link-local gateway also needs `dev`.
 */
function checkRoutes(n: Node, report: (d: Diagnostic) => void, src: Topology['src']): void {
  const up = n.interfaces.filter((i) => i.up);
  for (const r of n.routes) {
    const dev = r.dev ? n.interfaces.find((i) => i.name === r.dev) : undefined;
    if (dev && !dev.up) {
      report(src.diag(r.path, `route ${r.dst} uses interface ${r.dev}, which is configured down (up: false)`));
      continue;
    }
    if (!r.via) continue;
    if (r.family === 6 && r.via.toLowerCase().startsWith('fe80:')) {
      if (!r.dev) report(src.diag(r.path, `link-local gateway ${r.via} needs 'dev INTERFACE'`));
      continue;
    }
    const candidates = dev ? [dev] : up;
    if (!candidates.some((i) => i.addresses.some((a) => inSubnet(r.via!, a)))) {
      const subnets = candidates.flatMap((i) => i.addresses.filter((a) => a.family === r.family).map((a) => `${i.name} ${a.text}`));
      report(src.diag(r.path, `gateway ${r.via} is on no subnet of ${dev ? `interface ${dev.name}` : `node ${n.name}`}${subnets.length ? ` (${subnets.join(', ')})` : ` (it has no IPv${r.family} address${dev ? '' : ' on an up interface'})`}`));
    }
  }
}

function hint(word: string, candidates: string[]): string {
  const c = closest(word, candidates);
  return c ? ` (did you mean '${c}'?)` : '';
}
