/**
 * `clusters:` -> Cluster objects, checked with positions, and expanded into ordinary topology
 * parts: one node per member (an HTTP service plus a Zabbix-style agent), a link from it to its
 * compute host's bridge, and the cluster's services on the LB node (vnf-lb), the compute hosts
 * (vnf-vim) and the VNFM node (vnfm). Everything generated points back at the cluster's lines,
 * so later checks report there. Runs after normalize and before the cross-reference checks.
 */
import type { Diagnostic } from '../errors.js';
import type { AppPolicy, AppTrigger, Cluster, ClusterMember, MonitorPolicy, PolicyAction } from '../model/cluster.js';
import type { Path } from '../model/path.js';
import type { Node, Topology } from '../model/topology.js';
import { intToV4, parseCidr, v4HostProblem, v4ToInt } from '../util/ip.js';
import { closest, nameProblem } from '../util/names.js';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);

export const ACTIONS: readonly PolicyAction[] = ['respawn', 'failover', 'notify'];
/** The document's `failure: recovery` (its ping example): fail over an active member, respawn a standby. */
const ALIASES: Record<string, PolicyAction[]> = { recovery: ['failover', 'respawn'] };
/** The only commands a trigger may run: the app's init script (no shell ever sees them). */
const COMMAND = /^(?:sudo\s+)?service\s+([A-Za-z0-9_.-]+)\s+(restart|stop|start)$/;

export const serviceOf = (c: Cluster, kind: string) => ({ kind, path: c.path, options: { cluster: c.name } });

export function expandClusters(topo: Topology, report: (d: Diagnostic) => void): void {
  const raw = isObj(topo.src.data) && isObj(topo.src.data.clusters) ? topo.src.data.clusters : {};
  const err = (p: Path, msg: string, key = false) => report(topo.src.diag(p, msg, { key }));
  topo.clusters = [];
  for (const [name, rc] of Object.entries(raw)) {
    const path: Path = ['clusters', name];
    const p = nameProblem(name, 'node');
    if (p) err(path, p, true);
    if (!isObj(rc) || p) continue;
    const c = readCluster(name, rc, path, err);
    if (c) topo.clusters.push(c);
  }
  for (const c of topo.clusters) attach(topo, c, err);
}

function readActions(v: unknown, path: Path, err: (p: Path, m: string) => void): PolicyAction[] {
  const words = (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : []).map((w) => String(w).trim()).filter(Boolean);
  const out: PolicyAction[] = [];
  for (const w of words) {
    if (ALIASES[w]) out.push(...ALIASES[w]);
    else if ((ACTIONS as string[]).includes(w)) out.push(w as PolicyAction);
    else {
      const hint = closest(w, [...ACTIONS, ...Object.keys(ALIASES)]);
      err(path, `unknown action '${w}'${hint ? ` (did you mean '${hint}'?)` : ''}; actions: ${[...ACTIONS, ...Object.keys(ALIASES)].join(', ')}`);
    }
  }
  if (!words.length) err(path, 'no action given');
  return [...new Set(out)];
}

function readPolicy(rp: Raw, path: Path, err: (p: Path, m: string) => void): MonitorPolicy | null {
  const pa = isObj(rp.parameters) ? rp.parameters : {};
  const actions = readActions(isObj(rp.actions) ? rp.actions.failure : undefined, [...path, 'actions', 'failure'], err);
  const delayS = num(pa.monitoring_delay, 0);
  if (rp.name === 'ping') {
    for (const k of ['retry', 'port']) if (k in pa) err([...path, 'parameters', k], `'${k}' is an http_ping parameter; ping takes monitoring_delay, count, interval, timeout`);
    return { name: 'ping', path, delayS, count: num(pa.count, 3), intervalS: num(pa.interval, 1), timeoutS: num(pa.timeout, 2), actions };
  }
  if (rp.name === 'http_ping') {
    for (const k of ['count', 'interval']) if (k in pa) err([...path, 'parameters', k], `'${k}' is a ping parameter; http_ping takes monitoring_delay, retry, timeout, port`);
    return { name: 'http_ping', path, delayS, retry: num(pa.retry, 5), timeoutS: num(pa.timeout, 10), port: num(pa.port, 80), actions };
  }
  return null;
}

function readApp(ra: Raw, path: Path, err: (p: Path, m: string) => void): AppPolicy | undefined {
  const params = isObj(ra.parameters) ? ra.parameters : {};
  const app = isObj(params.application) ? params.application : {};
  const os = isObj(params.OS) ? params.OS : {};
  if (typeof app.app_name !== 'string') return undefined;
  const appName = app.app_name;
  const triggers: AppTrigger[] = [];
  const items: [AppTrigger['item'], unknown, Path][] = [
    ['app_status', app.app_status, [...path, 'parameters', 'application', 'app_status']],
    ['app_memory', app.app_memory, [...path, 'parameters', 'application', 'app_memory']],
    ['os_cpu_usage', os.os_cpu_usage, [...path, 'parameters', 'OS', 'os_cpu_usage']],
  ];
  for (const [item, ri, ip] of items) {
    if (!isObj(ri) || !Array.isArray(ri.condition) || typeof ri['cmd-action'] !== 'string') continue;
    const [op, value] = ri.condition as unknown[];
    let condition: AppTrigger['condition'];
    if (item === 'app_status') {
      if (op !== 'down' || ri.condition.length !== 1) {
        err([...ip, 'condition'], `app_status takes condition [down]`);
        continue;
      }
      condition = { op: 'down' };
    } else {
      if (op !== 'greater' || typeof value !== 'number' || value < 0) {
        err([...ip, 'condition'], `${item} takes condition [greater, N] with N >= 0 (${item === 'app_memory' ? 'MB' : '%'})`);
        continue;
      }
      condition = { op: 'greater', value };
    }
    const cmd = ri['cmd-action'].trim();
    const m = COMMAND.exec(cmd);
    if (!m) err([...ip, 'cmd-action'], `cmd-action '${cmd}' is not 'service ${appName} restart|stop|start' (the only commands the lab's agent runs)`);
    else if (m[1] !== appName) err([...ip, 'cmd-action'], `cmd-action names service '${m[1]}', but the application is '${appName}'`);
    else triggers.push({ item, condition, command: cmd, verb: m[2] as AppTrigger['verb'], path: ip });
  }
  return { path, appName, appPort: num(app.app_port, 80), updateIntervalS: num(ra.update_interval, 1), triggerCount: num(ra.trigger_count, 3), triggers };
}

function readCluster(name: string, rc: Raw, path: Path, err: (p: Path, m: string, key?: boolean) => void): Cluster | null {
  const role = isObj(rc.role) ? rc.role : {};
  const net = isObj(rc.network) ? rc.network : {};
  const lb = isObj(rc.load_balancer) ? rc.load_balancer : {};
  const vip = isObj(lb.vip) ? lb.vip : {};
  const pool = isObj(lb.pool) ? lb.pool : {};
  if (!Array.isArray(rc.placement) || typeof net.bridge !== 'string' || typeof net.address !== 'string' || typeof lb.node !== 'string' || typeof vip.address !== 'string' || typeof rc.vnfm !== 'string') return null;
  const active = num(role.active, 1);
  const standby = num(role.standby, 0);
  const placement = rc.placement.map((h, i) => ({ host: String(h), path: [...path, 'placement', i] }));
  const antiAffinity = rc['anti-affinity'] !== false;
  const total = active + standby;
  if (antiAffinity && placement.length < total)
    err([...path, 'placement'], `${total} members (active ${active}, standby ${standby}) need ${total} compute hosts with anti-affinity; placement has ${placement.length} (or set anti-affinity: false)`);
  const seen = new Set<string>();
  for (const pl of placement) {
    if (antiAffinity && seen.has(pl.host)) err(pl.path, `compute host ${pl.host} is listed twice: anti-affinity puts one member per host`);
    seen.add(pl.host);
  }
  const a = parseCidr(net.address);
  let base = 0;
  let prefixLen = 24;
  if (!a.ok || a.cidr.family !== 4) err([...path, 'network', 'address'], `'${net.address}' is not an IPv4 address with a prefix length (the first member's, e.g. 10.0.0.11/24)`);
  else {
    const hp = v4HostProblem(a.cidr);
    if (hp) err([...path, 'network', 'address'], hp);
    base = v4ToInt(a.cidr.ip);
    prefixLen = a.cidr.prefix;
  }
  const rawPolicies = Array.isArray(rc.monitoring_policy) ? rc.monitoring_policy : isObj(rc.monitoring_policy) ? [rc.monitoring_policy] : [];
  const policies: MonitorPolicy[] = [];
  rawPolicies.forEach((rp, i) => {
    if (!isObj(rp)) return;
    const pp: Path = Array.isArray(rc.monitoring_policy) ? [...path, 'monitoring_policy', i] : [...path, 'monitoring_policy'];
    const p = readPolicy(rp, pp, err);
    if (p && policies.some((q) => q.name === p.name)) err([...pp, 'name'], `a second ${p.name} policy`);
    else if (p) policies.push(p);
  });
  const app = isObj(rc.app_monitoring_policy) ? readApp(rc.app_monitoring_policy, [...path, 'app_monitoring_policy'], err) : undefined;
  const members: ClusterMember[] = [];
  for (let i = 0; i < total && placement.length; i++)
    members.push({ name: `${name}-${i + 1}`, host: placement[i % placement.length]!.host, address: intToV4(base + i), prefixLen, role: i < active ? 'active' : 'standby' });
  return {
    name,
    path,
    active,
    standby,
    placement,
    antiAffinity,
    bridge: net.bridge,
    lb: { node: lb.node, path: [...path, 'load_balancer', 'node'], vip: vip.address, vipPort: num(vip.protocol_port, 80), poolPort: num(pool.protocol_port, 80), method: 'ROUND_ROBIN' },
    vnfm: { node: rc.vnfm, path: [...path, 'vnfm'] },
    policies,
    ...(app ? { app } : {}),
    members,
  };
}

/** References to nodes, then the member nodes, links and services. */
function attach(topo: Topology, c: Cluster, err: (p: Path, m: string, key?: boolean) => void): void {
  const byName = new Map(topo.nodes.map((n) => [n.name, n]));
  const names = [...byName.keys()];
  const need = (name: string, p: Path, what: string): Node | undefined => {
    const n = byName.get(name);
    if (!n) {
      const hint = closest(name, names);
      err(p, `${what} '${name}' is not a node of this topology${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    return n;
  };
  const lbNode = need(c.lb.node, c.lb.path, 'load balancer');
  if (lbNode && !lbNode.interfaces.some((i) => i.addresses.some((a) => a.ip === c.lb.vip)))
    err([...c.path, 'load_balancer', 'vip', 'address'], `VIP ${c.lb.vip} is not an address of ${c.lb.node} (give it to one of its interfaces)`);
  const vnfm = need(c.vnfm.node, c.vnfm.path, 'VNFM node');
  const hosts = c.placement.map((pl) => need(pl.host, pl.path, 'compute host'));
  hosts.forEach((h, i) => {
    if (!h) return;
    const p = c.placement[i]!.path;
    const br = h.bridges.find((b) => b.name === c.bridge);
    if (!br) err(p, `compute host ${h.name} has no bridge '${c.bridge}' (network.bridge) to plug members into`);
    else if (!h.interfaces.some((x) => x.name === c.bridge && x.addresses.some((a) => a.family === 4)))
      err(p, `compute host ${h.name} needs an IPv4 address on ${c.bridge}: its VIM agent listens there`);
  });
  for (const m of c.members) if (byName.has(m.name)) err(c.path, `member node ${m.name} would take the name of an existing node`, true);
  if (!lbNode || !vnfm || hosts.some((h) => !h)) return;
  for (const m of c.members) {
    const host = byName.get(m.host)!;
    const br = host.bridges.find((b) => b.name === c.bridge);
    if (!br) continue;
    topo.nodes.push({
      name: m.name,
      kind: 'host',
      path: c.path,
      interfaces: [{ name: 'eth0', path: c.path, addresses: [{ ip: m.address, prefix: m.prefixLen, family: 4, text: `${m.address}/${m.prefixLen}` }], up: true, sysctl: {}, anycast: false }],
      bridges: [],
      routes: [],
      sysctl: {},
      nat: [],
      filter: [],
      services: [serviceOf(c, 'vnf-member')],
    });
    topo.links.push({ path: c.path, endpoints: [{ node: m.name, iface: 'eth0', path: c.path }, { node: host.name, iface: m.name, path: c.path }] });
    br.ports.push({ name: m.name, path: c.path });
  }
  for (const h of new Set(hosts)) if (!h!.services.some((s) => s.kind === 'vnf-vim')) h!.services.push(serviceOf(c, 'vnf-vim'));
  lbNode.services.push(serviceOf(c, 'vnf-lb'));
  vnfm.services.push(serviceOf(c, 'vnfm'));
}
