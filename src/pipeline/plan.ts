/**
 * Stage 4: Lab -> Plan. Pure: no system calls. Core actions (namespaces, veths, interface
 * configuration, routes, firewall) are built here; switch kinds add their own through plugins.
 */
import type { Lab, LabNode } from '../model/lab.js';
import { PHASES, type Action, type Plan, type Step } from '../model/plan.js';
import type { FilterRule, NatRule, Route } from '../model/topology.js';
import { serviceKinds } from '../plugins/services/index.js';
import { switchKinds } from '../plugins/switches/index.js';
import { sysctlInterface } from '../util/sysctl.js';

/** Veth ends get interface indexes from here on (see the links below). */
const LINK_INDEX_BASE = 1000;

export function plan(lab: Lab): Plan {
  const actions: Action[] = [];
  for (const n of lab.nodes) actions.push(namespaceAction(n));
  lab.topology.links.forEach((l, i) => {
    const [a, b] = l.endpoints.map((e) => ({ node: lab.node(e.node), iface: e.iface }));
    // Both ends of a veth would otherwise get the same ifindex in their fresh namespaces; the
    // kernel then takes their carrier changes as non-urgent and delays them by up to a second
    // (linkwatch), which bridges, FRR and keepalived all wait for. Distinct indexes, per link.
    const [ia, ib] = [String(LINK_INDEX_BASE + 2 * i), String(LINK_INDEX_BASE + 2 * i + 1)];
    const ka = a!.node.ifaces.get(a!.iface)!.kname;
    const kb = b!.node.ifaces.get(b!.iface)!.kname;
    const mtu = l.mtu ? ['mtu', String(l.mtu)] : [];
    actions.push({
      id: `veth:${a!.node.name}:${a!.iface}`,
      phase: 'links',
      what: `link ${a!.node.name}:${a!.iface} <-> ${b!.node.name}:${b!.iface}`,
      path: l.path,
      do: [{ t: 'ip', args: ['link', 'add', 'name', ka, 'index', ia, 'netns', a!.node.ns, ...mtu, 'type', 'veth', 'peer', 'name', kb, 'index', ib, 'netns', b!.node.ns, ...mtu] }],
      undo: [],
      coveredBy: `netns:${a!.node.name}`,
    });
  });
  for (const n of lab.nodes) {
    for (const kind of switchKinds.values()) {
      const bridges = n.spec.bridges.filter((b) => b.kind === kind.kind);
      if (bridges.length) actions.push(...kind.plan(n, bridges, { lab }));
    }
  }
  for (const n of lab.nodes) actions.push(...interfaceActions(n));
  for (const n of lab.nodes) actions.push(...routeActions(n));
  for (const n of lab.nodes) actions.push(...firewallActions(n));
  for (const n of lab.nodes) for (const sv of n.spec.services) actions.push(...serviceKinds.get(sv.kind)!.plan(n, sv, { lab }));

  // Stable sort by phase keeps each plugin's order within a phase.
  const order = new Map(PHASES.map((p, i) => [p, i]));
  actions.sort((x, y) => order.get(x.phase)! - order.get(y.phase)!);
  return { lab: lab.name, actions };
}

function namespaceAction(n: LabNode): Action {
  return {
    id: `netns:${n.name}`,
    phase: 'namespaces',
    node: n.name,
    what: `namespace for ${n.kind} ${n.name}`,
    path: n.spec.path,
    do: [{ t: 'netns-add', ns: n.ns }],
    undo: [
      { t: 'kill-ns', ns: n.ns },
      { t: 'netns-del', ns: n.ns },
    ],
  };
}

function interfaceActions(n: LabNode): Action[] {
  const ip = (...args: string[]): Step => ({ t: 'ip', ns: n.ns, args });
  const covered = `netns:${n.name}`;
  const out: Action[] = [
    { id: `lo:${n.name}`, phase: 'interfaces', node: n.name, what: `loopback up in ${n.name}`, do: [ip('link', 'set', 'dev', 'lo', 'up')], undo: [], coveredBy: covered },
  ];
  for (const li of n.ifaces.values()) {
    const cfg = li.config;
    const k = li.kname;
    const steps: Step[] = [];
    // Else the node's kernel answers ARP for its bridge's address on this port with the port's
    // MAC, racing the switch: a VXLAN peer that learns that MAC sends its tunnel packets to the
    // kernel, not to the switch that decapsulates them.
    if (li.userspacePort) steps.push({ t: 'sysctl', ns: n.ns, key: `net.ipv4.conf.${k}.arp_ignore`, value: '8' });
    if (li.txOff)
      steps.push({ t: 'exec', ns: n.ns, argv: ['ethtool', '-K', k, 'tx', 'off'], quiet: true });
    if (cfg?.mac) steps.push(ip('link', 'set', 'dev', k, 'address', cfg.mac));
    if (cfg?.mtu) steps.push(ip('link', 'set', 'dev', k, 'mtu', String(cfg.mtu)));
    // nodad: lab addresses are unique by validation; waiting for IPv6 DAD only slows `up`.
    for (const a of cfg?.addresses ?? []) steps.push(ip('addr', 'add', a.text, 'dev', k, ...(a.family === 6 ? ['nodad'] : [])));
    // No IPv6 link-local address (so no DAD, router solicitations or MLD flooding every bridge)
    // on interfaces that have no IPv6 address, unless asked for: IPv4 labs stay quiet and scale.
    if (!(cfg?.linkLocal ?? cfg?.addresses.some((a) => a.family === 6))) steps.push(ip('link', 'set', 'dev', k, 'addrgenmode', 'none'));
    if (cfg?.up !== false) steps.push(ip('link', 'set', 'dev', k, 'up'));
    for (const [key, value] of Object.entries(cfg?.sysctl ?? {})) steps.push({ t: 'sysctl', ns: n.ns, key: `net.ipv4.conf.${k}.${key}`, value });
    const label = k === li.name ? li.name : `${li.name} (kernel name ${k})`;
    const parts = [cfg?.addresses.length ? cfg.addresses.map((a) => a.text).join(', ') : '', cfg?.up === false ? 'down' : 'up'];
    out.push({
      id: `iface:${n.name}:${li.name}`,
      phase: 'interfaces',
      node: n.name,
      what: `${n.name} ${label}: ${parts.filter(Boolean).join(', ')}`,
      ...(cfg ? { path: cfg.path } : {}),
      do: steps,
      undo: [],
      coveredBy: covered,
    });
  }
  const sysctls = Object.entries(n.spec.sysctl);
  if (sysctls.length)
    out.push({
      id: `sysctl:${n.name}`,
      phase: 'interfaces',
      node: n.name,
      what: `sysctls of ${n.name}`,
      do: sysctls.map(([key, value]) => {
        const named = sysctlInterface(key);
        const k = named ? named.withName(n.ifaces.get(named.iface)?.kname ?? named.iface) : key;
        return { t: 'sysctl', ns: n.ns, key: k, value };
      }),
      undo: [],
      coveredBy: covered,
    });
  return out;
}

export function routeArgs(r: Route, n: LabNode): string[] {
  const dst = r.dst === 'default' && r.family === 6 ? '::/0' : r.dst;
  const args = ['route', 'add', dst];
  if (r.via) args.push('via', r.via);
  if (r.dev) args.push('dev', n.ifaces.get(r.dev)?.kname ?? r.dev);
  if (r.metric !== undefined) args.push('metric', String(r.metric));
  return args;
}

function routeActions(n: LabNode): Action[] {
  return n.spec.routes.map((r, i) => ({
    id: `route:${n.name}:${i}`,
    phase: 'routes',
    node: n.name,
    what: `route ${r.dst}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''} in ${n.name}`,
    path: r.path,
    do: [{ t: 'ip', ns: n.ns, args: routeArgs(r, n) }],
    undo: [],
    coveredBy: `netns:${n.name}`,
  }));
}

function firewallActions(n: LabNode): Action[] {
  const kn = (i: string) => n.ifaces.get(i)?.kname ?? i;
  // ICMP for IPv6 is its own protocol (ipv6-icmp); `-p icmp` in ip6tables would match nothing.
  const proto = (r: { proto?: string; family: 4 | 6 }) => (r.proto === 'icmp' && r.family === 6 ? 'ipv6-icmp' : r.proto);
  const common = (r: { proto?: string; in?: string; out?: string; family: 4 | 6 }) => [
    ...(r.in ? ['-i', kn(r.in)] : []),
    ...(r.out ? ['-o', kn(r.out)] : []),
    ...(r.proto ? ['-p', proto(r)!] : []),
  ];
  const natArgs = (r: NatRule): string[] => {
    const port = r.port ? ['--dport', String(r.port)] : [];
    switch (r.type) {
      case 'dnat':
        return ['-t', 'nat', '-A', 'PREROUTING', '-d', r.match, ...common(r), ...port, '-j', 'DNAT', '--to-destination', r.to!];
      case 'snat':
        return ['-t', 'nat', '-A', 'POSTROUTING', '-s', r.match, ...common(r), ...port, '-j', 'SNAT', '--to-source', r.to!];
      case 'masquerade':
        return ['-t', 'nat', '-A', 'POSTROUTING', '-s', r.match, ...common(r), ...port, '-j', 'MASQUERADE'];
    }
  };
  const filterArgs = (r: FilterRule): string[] => [
    '-A',
    r.chain.toUpperCase(),
    ...(r.src ? ['-s', r.src] : []),
    ...(r.dst ? ['-d', r.dst] : []),
    ...common(r),
    ...(r.dport ? ['--dport', String(r.dport)] : []),
    '-j',
    r.action.toUpperCase(),
  ];
  const rule = (kind: string, i: number, r: NatRule | FilterRule, args: string[], what: string): Action => ({
    id: `${kind}:${n.name}:${i}`,
    phase: 'firewall',
    node: n.name,
    what,
    path: r.path,
    do: [{ t: 'exec', ns: n.ns, argv: [r.family === 6 ? 'ip6tables' : 'iptables', ...args] }],
    undo: [],
    coveredBy: `netns:${n.name}`,
  });
  return [
    ...n.spec.nat.map((r, i) => rule('nat', i, r, natArgs(r), `${r.type.toUpperCase()} ${r.match}${r.to ? ` -> ${r.to}` : ''} in ${n.name}`)),
    ...n.spec.filter.map((r, i) => rule('filter', i, r, filterArgs(r), `${r.action} ${r.chain} rule in ${n.name}`)),
  ];
}
