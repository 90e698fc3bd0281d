/**
 * Raw YAML data -> typed Topology. Tolerant: the schema has already reported shape errors, so
 * anything of the wrong shape is skipped here, while value problems (names, addresses, VLANs,
 * route syntax) are reported. Every problem is collected; nothing throws.
 */
import type { Diagnostic } from '../errors.js';
import type { Path } from '../model/path.js';
import type { Bridge, Endpoint, HostSpec, FilterRule, InterfaceConfig, Link, NatRule, Node, Port, Route, Topology } from '../model/topology.js';
import { canonicalIp, networkOf, parseCidr, v4HostProblem, type Cidr } from '../util/ip.js';
import { nameProblem, type NameKind } from '../util/names.js';
import type { SourceDoc } from './parse.js';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

export function normalize(src: SourceDoc, report: (d: Diagnostic) => void): Topology {
  const raw = isObj(src.data) ? src.data : {};
  const err = (path: Path, msg: string, key = false) => report(src.diag(path, msg, { key }));

  const checkName = (name: string, path: Path, kind: NameKind, key = true): boolean => {
    const p = nameProblem(name, kind);
    if (p) err(path, p, key);
    return !p;
  };

  const name = isStr(raw.name) ? raw.name : 'lab';
  if (isStr(raw.name)) checkName(raw.name, ['name'], 'lab', false);

  const nodes: Node[] = [];
  const rawNodes = isObj(raw.nodes) ? raw.nodes : {};
  for (const [nodeName, rn] of Object.entries(rawNodes)) {
    const path: Path = ['nodes', nodeName];
    checkName(nodeName, path, 'node');
    if (rn !== null && !isObj(rn)) continue;
    nodes.push(normalizeNode(nodeName, rn ?? {}, path, err, checkName));
  }

  const links: Link[] = [];
  if (Array.isArray(raw.links)) {
    raw.links.forEach((rl, i) => {
      const path: Path = ['links', i];
      const eps = Array.isArray(rl) ? rl : isObj(rl) && Array.isArray(rl.endpoints) ? rl.endpoints : null;
      if (!eps || eps.length !== 2 || !eps.every(isStr)) return;
      const epPath = (j: number): Path => (Array.isArray(rl) ? [...path, j] : [...path, 'endpoints', j]);
      const parsed = eps.map((e, j) => parseEndpoint(e, epPath(j), err, checkName));
      if (!parsed[0] || !parsed[1]) return;
      const link: Link = { path, endpoints: [parsed[0], parsed[1]] };
      if (isObj(rl) && typeof rl.mtu === 'number') link.mtu = rl.mtu;
      links.push(link);
    });
  }

  const hosts: HostSpec[] = [];
  if (isObj(raw.hosts)) {
    for (const [hostName, rh] of Object.entries(raw.hosts)) {
      const path: Path = ['hosts', hostName];
      if (!checkName(hostName, path, 'node') || !isObj(rh) || !isStr(rh.address)) continue;
      const a = parseCidr(rh.address, { allowBare: true });
      const ok = a.ok && !rh.address.includes('/');
      if (!ok) err([...path, 'address'], `host address '${rh.address}' must be an IP address, without a prefix length`);
      // A host with a bad address is still declared (its nodes' `host:` are fine); validation fails anyway.
      hosts.push({ name: hostName, path, address: a.ok && ok ? a.cidr.ip : '' });
    }
  }

  const topo: Topology = { name, src, nodes, links, hosts };
  if (isStr(raw.description)) topo.description = raw.description;
  return topo;
}

type Err = (path: Path, msg: string, key?: boolean) => void;
type CheckName = (name: string, path: Path, kind: NameKind, key?: boolean) => boolean;

function parseEndpoint(text: string, path: Path, err: Err, checkName: CheckName): Endpoint | null {
  const m = /^([^:]*):(.*)$/.exec(text);
  if (!m) {
    err(path, `endpoint '${text}' must be NODE:INTERFACE`);
    return null;
  }
  const [, node, iface] = m as unknown as [string, string, string];
  const ok = checkName(node, path, 'node', false) && checkName(iface, path, 'interface', false);
  return ok ? { node, iface, path } : null;
}

function normalizeNode(name: string, rn: Raw, path: Path, err: Err, checkName: CheckName): Node {
  const node: Node = {
    name,
    kind: isStr(rn.kind) ? rn.kind : 'host',
    path,
    interfaces: [],
    bridges: [],
    routes: [],
    sysctl: {},
    nat: [],
    filter: [],
    services: [],
  };
  if (isStr(rn.host) && checkName(rn.host, [...path, 'host'], 'node', false)) node.host = { name: rn.host, path: [...path, 'host'] };

  if (isObj(rn.interfaces)) {
    for (const [ifName, ri] of Object.entries(rn.interfaces)) {
      const ip: Path = [...path, 'interfaces', ifName];
      checkName(ifName, ip, 'interface');
      node.interfaces.push(normalizeInterface(ifName, ri, ip, err));
    }
  }

  if (isObj(rn.bridges)) {
    for (const [brName, rb] of Object.entries(rn.bridges)) {
      const bp: Path = [...path, 'bridges', brName];
      checkName(brName, bp, 'interface');
      if (!isObj(rb)) continue;
      node.bridges.push(normalizeBridge(brName, rb, bp, err, checkName));
    }
  }

  if (Array.isArray(rn.routes)) {
    rn.routes.forEach((rr, i) => {
      const r = normalizeRoute(rr, [...path, 'routes', i], err);
      if (r) node.routes.push(r);
    });
  }

  if (isObj(rn.sysctl)) {
    for (const [k, v] of Object.entries(rn.sysctl)) {
      if (!/^[a-z0-9_]+(\.[A-Za-z0-9_-]+)+$/.test(k)) {
        err([...path, 'sysctl', k], `'${k}' is not a sysctl key (like net.ipv4.ip_forward)`, true);
        continue;
      }
      if (!k.startsWith('net.')) {
        err([...path, 'sysctl', k], `only net.* sysctls are per namespace; '${k}' would change the whole machine`, true);
        continue;
      }
      node.sysctl[k] = sysctlValue(v);
    }
  }

  if (Array.isArray(rn.nat)) {
    rn.nat.forEach((r, i) => {
      const rule = normalizeNat(r, [...path, 'nat', i], err);
      if (rule) node.nat.push(rule);
    });
  }
  if (Array.isArray(rn.filter)) {
    rn.filter.forEach((r, i) => {
      const rule = normalizeFilter(r, [...path, 'filter', i], err);
      if (rule) node.filter.push(rule);
    });
  }
  if (isObj(rn.services)) {
    for (const [kind, options] of Object.entries(rn.services)) {
      if (options === null || isObj(options)) node.services.push({ kind, path: [...path, 'services', kind], options: options ?? {} });
    }
  }
  return node;
}

function sysctlValue(v: unknown): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

function normalizeInterface(name: string, ri: unknown, path: Path, err: Err): InterfaceConfig {
  const cfg: InterfaceConfig = { name, path, addresses: [], up: true, sysctl: {}, anycast: false };
  let addrs: unknown[] = [];
  let addrPath: Path = path;
  if (isStr(ri)) addrs = [ri];
  else if (Array.isArray(ri)) addrs = ri;
  else if (isObj(ri)) {
    addrPath = [...path, 'addresses'];
    addrs = isStr(ri.addresses) ? [ri.addresses] : Array.isArray(ri.addresses) ? ri.addresses : [];
    if (typeof ri.mtu === 'number') cfg.mtu = ri.mtu;
    if (typeof ri.up === 'boolean') cfg.up = ri.up;
    if (typeof ri.anycast === 'boolean') cfg.anycast = ri.anycast;
    if (typeof ri['link-local'] === 'boolean') cfg.linkLocal = ri['link-local'];
    if (isStr(ri.mac)) {
      if (/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(ri.mac)) cfg.mac = ri.mac.toLowerCase();
      else err([...path, 'mac'], `'${ri.mac}' is not a MAC address (like 00:11:22:33:44:55)`);
    }
    if (isObj(ri.sysctl)) {
      for (const [k, v] of Object.entries(ri.sysctl)) {
        if (!/^[a-z0-9_]+$/.test(k)) err([...path, 'sysctl', k], `'${k}' is not a per-interface sysctl (like proxy_arp)`, true);
        else cfg.sysctl[k] = sysctlValue(v);
      }
    }
  }
  addrs.forEach((a, i) => {
    if (!isStr(a)) return;
    const p = Array.isArray(ri) || (isObj(ri) && Array.isArray(ri.addresses)) ? [...addrPath, i] : addrPath;
    const c = parseCidr(a);
    if (!c.ok) return err(p, c.reason);
    const host = v4HostProblem(c.cidr);
    if (host) return err(p, host);
    cfg.addresses.push(c.cidr);
  });
  return cfg;
}

function vlan(v: number, path: Path, err: Err): number | undefined {
  if (!Number.isInteger(v) || v < 1 || v > 4094) {
    err(path, `VLAN id ${v} is outside 1-4094`);
    return undefined;
  }
  return v;
}

function normalizeBridge(name: string, rb: Raw, path: Path, err: Err, checkName: CheckName): Bridge {
  const bridge: Bridge = { name, kind: isStr(rb.kind) ? rb.kind : 'linux', path, ports: [] };
  const entries: [string, Raw | null, Path][] = [];
  if (Array.isArray(rb.ports)) rb.ports.forEach((p, i) => isStr(p) && entries.push([p, null, [...path, 'ports', i]]));
  else if (isObj(rb.ports))
    for (const [pn, po] of Object.entries(rb.ports)) entries.push([pn, isObj(po) ? po : null, [...path, 'ports', pn]]);

  for (const [pn, po, pp] of entries) {
    if (!checkName(pn, pp, 'interface', !Array.isArray(rb.ports))) continue;
    const port: Port = { name: pn, path: pp };
    if (po) {
      // Non-numbers are the schema's to report; here only the range.
      if (typeof po.tag === 'number') port.tag = vlan(po.tag, [...pp, 'tag'], err);
      if (Array.isArray(po.trunks))
        port.trunks = po.trunks
          .map((t, i) => (typeof t === 'number' ? vlan(t, [...pp, 'trunks', i], err) : undefined))
          .filter((t): t is number => t !== undefined);
      if (isStr(po.patch)) {
        const m = /^([^:]+):([^:]+)$/.exec(po.patch);
        if (!m) err([...pp, 'patch'], `patch peer '${po.patch}' must be BRIDGE:PORT`);
        else port.patch = { bridge: m[1]!, port: m[2]!, path: [...pp, 'patch'] };
      }
      if (po.internal === true) port.internal = { node: '', path: [...pp, 'internal'] };
      else if (isStr(po.internal) && checkName(po.internal, [...pp, 'internal'], 'node', false))
        port.internal = { node: po.internal, path: [...pp, 'internal'] };
      if (isObj(po.vxlan)) {
        const vp: Path = [...pp, 'vxlan'];
        const remote = isStr(po.vxlan.remote) ? parseCidr(po.vxlan.remote, { allowBare: true }) : null;
        if (remote && !remote.ok) err([...vp, 'remote'], remote.reason);
        if (isStr(po.vxlan.remote) && po.vxlan.remote.includes('/') && remote?.ok) err([...vp, 'remote'], `VXLAN remote '${po.vxlan.remote}' must be an address, without a prefix length`);
        if (remote?.ok) {
          port.vxlan = { remote: remote.cidr.ip, path: vp };
          if (typeof po.vxlan.key === 'number') port.vxlan.key = po.vxlan.key;
          if (typeof po.vxlan['dst-port'] === 'number') port.vxlan.dstPort = po.vxlan['dst-port'];
        }
      }
    }
    bridge.ports.push(port);
  }
  return bridge;
}

/** `DST via GW [dev IF] [metric N]`, `DST dev IF [metric N]`, or `{to, via, dev, metric}`. */
function normalizeRoute(rr: unknown, path: Path, err: Err): Route | null {
  let to: string | undefined, via: string | undefined, dev: string | undefined, metric: number | undefined;
  if (isStr(rr)) {
    const words = rr.trim().split(/\s+/);
    to = words.shift();
    while (words.length) {
      const w = words.shift()!;
      const v = words.shift();
      if (v === undefined) return err(path, `route '${rr}': '${w}' needs a value`), null;
      if (w === 'via') via = v;
      else if (w === 'dev') dev = v;
      else if (w === 'metric') {
        if (!/^\d+$/.test(v)) return err(path, `route '${rr}': metric '${v}' is not a whole number`), null;
        metric = Number(v);
      } else return err(path, `route '${rr}': unexpected '${w}' (write DST via GATEWAY [dev IF] [metric N])`), null;
    }
  } else if (isObj(rr) && isStr(rr.to)) {
    to = rr.to;
    via = isStr(rr.via) ? rr.via : undefined;
    dev = isStr(rr.dev) ? rr.dev : undefined;
    metric = typeof rr.metric === 'number' ? rr.metric : undefined;
  } else return null;
  if (!to) return null;
  if (!via && !dev) return err(path, `route to ${to} needs 'via GATEWAY' or 'dev INTERFACE'`), null;

  let family: 4 | 6 | undefined;
  let gw: Cidr | undefined;
  if (via) {
    const g = parseCidr(via, { allowBare: true });
    if (!g.ok || via.includes('/')) return err(path, `route gateway '${via}' is not an IP address`), null;
    gw = g.cidr;
    family = gw.family;
  }
  let dst = to;
  if (to !== 'default') {
    const d = parseCidr(to, { allowBare: true });
    if (!d.ok) return err(path, `route destination: ${d.reason}`), null;
    if (family && d.cidr.family !== family) return err(path, `route mixes IPv${d.cidr.family} destination ${to} with IPv${family} gateway ${via}`), null;
    // `ip route add 10.1.2.3/16` fails with "Invalid prefix for given prefix length".
    const net = networkOf(d.cidr);
    if (canonicalIp(net.ip) !== canonicalIp(d.cidr.ip))
      return err(path, `route destination ${d.cidr.text} has host bits set; write ${net.text}`), null;
    family = d.cidr.family;
    dst = d.cidr.text;
  }
  const route: Route = { path, dst, family: family ?? 4 };
  if (gw) route.via = gw.ip;
  if (dev) route.dev = dev;
  if (metric !== undefined) route.metric = metric;
  return route;
}

function addrFamily(text: string, path: Path, err: Err): 4 | 6 | null {
  const c = parseCidr(text, { allowBare: true });
  if (!c.ok) return err(path, c.reason), null;
  return c.cidr.family;
}

function normalizeNat(r: unknown, path: Path, err: Err): NatRule | null {
  if (!isObj(r)) return null;
  const types = (['dnat', 'snat', 'masquerade'] as const).filter((t) => r[t] !== undefined);
  if (types.length !== 1) {
    err(path, types.length ? `a NAT rule has one of dnat, snat, masquerade; this one has ${types.join(' and ')}` : 'a NAT rule needs one of: dnat (destination to translate), snat (source to translate), masquerade (source)');
    return null;
  }
  const type = types[0]!;
  if (!isStr(r[type])) return null;
  const family = addrFamily(r[type] as string, [...path, type], err);
  if (!family) return null;
  const rule: NatRule = { path, type, match: r[type] as string, family };
  if (type !== 'masquerade') {
    if (!isStr(r.to)) return err(path, `${type} needs 'to' (the translated address)`), null;
    const tf = addrFamily(r.to, [...path, 'to'], err);
    if (!tf) return null;
    if (tf !== family)
      return err([...path, 'to'], `${type} translates IPv${family} ${r[type] as string} to IPv${tf} ${r.to}; NAT cannot change the address family`), null;
    rule.to = r.to;
  } else if (r.to !== undefined) err([...path, 'to'], `masquerade takes the outgoing interface's address; 'to' is for dnat and snat`);
  for (const k of ['proto', 'port', 'in', 'out'] as const) if (r[k] !== undefined) (rule as unknown as Raw)[k] = r[k];
  if (type === 'dnat' && rule.out !== undefined) err([...path, 'out'], `dnat happens before routing (PREROUTING): match the incoming interface with 'in'`, true);
  if (type !== 'dnat' && rule.in !== undefined) err([...path, 'in'], `${type} happens after routing (POSTROUTING): match the outgoing interface with 'out'`, true);
  if (rule.port !== undefined && rule.proto !== 'tcp' && rule.proto !== 'udp') err([...path, 'port'], `'port' needs 'proto: tcp' or 'proto: udp'`);
  return rule;
}

function normalizeFilter(r: unknown, path: Path, err: Err): FilterRule | null {
  if (!isObj(r) || !isStr(r.action)) return null;
  let family: 4 | 6 | undefined;
  for (const k of ['src', 'dst'] as const) {
    if (isStr(r[k])) {
      const f = addrFamily(r[k] as string, [...path, k], err);
      if (!f) return null;
      if (family && f !== family) return err([...path, k], `rule mixes IPv${family} and IPv${f} addresses; write one rule per family`), null;
      family = f;
    }
  }
  const rule = { path, chain: isStr(r.chain) ? r.chain : 'forward', action: r.action, family: family ?? 4 } as FilterRule;
  for (const k of ['src', 'dst', 'proto', 'dport', 'in', 'out'] as const) if (r[k] !== undefined) (rule as unknown as Raw)[k] = r[k];
  if (rule.dport !== undefined && rule.proto !== 'tcp' && rule.proto !== 'udp') err([...path, 'dport'], `'dport' needs 'proto: tcp' or 'proto: udp'`);
  // iptables matches -i only where packets come in, -o only where they go out.
  if (rule.chain === 'input' && rule.out !== undefined) err([...path, 'out'], `the input chain sees no outgoing interface; 'out' goes with forward or output`, true);
  if (rule.chain === 'output' && rule.in !== undefined) err([...path, 'in'], `the output chain sees no incoming interface; 'in' goes with forward or input`, true);
  return rule;
}
