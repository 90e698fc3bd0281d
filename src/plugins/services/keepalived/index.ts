/**
 * keepalived (VRRP) as a lab service: one keepalived per node, VRRP only (`--vrrp`: no health
 * checkers, no LVS), in the node's namespace, with its config, pidfiles, notify FIFO and log in
 * the node's own dir and a config-id of its own, so any number of nodes run it side by side.
 * It runs in the foreground (`--dont-fork --log-console --no-syslog`) under a spawn step, so its
 * log is a file and nothing depends on syslog.
 *
 * Beside it runs halab's vrrp-events agent (src/agents/vrrp-events.ts), started first: it reads
 * keepalived's notify FIFO and writes every state transition to the lab's event log on the
 * monotonic clock, and the node's current VRRP state to `state.json`, which `ready` and `status`
 * read.
 */
import { agentArgv } from '../../../agents/run.js';
import type { Path } from '../../../model/path.js';
import type { Action, Step } from '../../../model/plan.js';
import type { Node } from '../../../model/topology.js';
import { eventsFile, monotonicMs } from '../../../runtime/events.js';
import { pidfileAlive, readJsonFile } from '../../../runtime/netns/proc.js';
import { canonicalIp, parseCidr, v4HostProblem } from '../../../util/ip.js';
import { closest } from '../../../util/names.js';
import type { CheckCtx, RunNode, ServiceKind } from '../../types.js';
import { keepalivedConf } from './config.js';
import { readiness, type StateFile } from './notify.js';
import { keepalivedSchema, resolveInstance, resolveInstances, type KeepalivedOptions, type ResolvedInstance, type VrrpInstance } from './options.js';

export function keepalivedDir(node: { dir: string }): string {
  return `${node.dir}/keepalived`;
}

export function keepalivedFiles(node: { dir: string }) {
  const d = keepalivedDir(node);
  return {
    dir: d,
    conf: `${d}/keepalived.conf`,
    log: `${d}/keepalived.log`,
    pid: `${d}/keepalived.pid`,
    // halab's record of the keepalived it spawned. Not keepalived's own -p file: keepalived exits
    // ("daemon is already running") when that names a live process, itself included.
    spawnPid: `${d}/keepalived.spawn.pid`,
    vrrpPid: `${d}/vrrp.pid`,
    checkersPid: `${d}/checkers.pid`,
    // Not started (--vrrp), but keepalived unlinks the default /run/bfd.pid on exit unless told otherwise.
    bfdPid: `${d}/bfd.pid`,
    fifo: `${d}/notify.fifo`,
    state: `${d}/state.json`,
    agentLog: `${d}/vrrp-events.log`,
    agentPid: `${d}/vrrp-events.pid`,
  };
}

const NAME = /^[A-Za-z0-9_.:-]{1,32}$/;

function readState(node: RunNode): StateFile | null {
  return readJsonFile<StateFile>(keepalivedFiles(node).state);
}

/** Checks one instance; returns it resolved, with the family of its VIPs (when they parse). */
function checkInstance(raw: VrrpInstance, at: (...p: (string | number)[]) => Path, node: Node, ctx: CheckCtx): { i: ResolvedInstance; family: 4 | 6 | undefined } {
  const i = resolveInstance(raw);
  const err = (p: Path, msg: string) => ctx.report(ctx.src.diag(p, msg));
  const ifRef = (name: string, p: Path, what: string): boolean => {
    if (ctx.hasInterface(node.name, name)) return true;
    const candidates = [
      ...ctx.topo.links.flatMap((l) => l.endpoints.filter((e) => e.node === node.name).map((e) => e.iface)),
      ...node.interfaces.map((c) => c.name),
      ...node.bridges.map((b) => b.name),
    ];
    const hint = closest(name, [...new Set(candidates)].filter((n) => ctx.hasInterface(node.name, n)));
    err(p, `${what} '${name}' is not an interface of node ${node.name}${hint ? ` (did you mean '${hint}'?)` : ''} (interfaces come from links, bridges and internal ports)`);
    return false;
  };

  if (raw.name !== undefined && !NAME.test(raw.name)) err(at('name'), `instance name '${raw.name}' must be 1-32 letters, digits, '_', '.', ':' or '-'`);

  // The interface: of this node, not enslaved to a bridge, up, with a link-local address for IPv6.
  const cfg = node.interfaces.find((c) => c.name === i.interface);
  let family: 4 | 6 | undefined;
  const vipPaths = (k: number) => (typeof raw.vips === 'string' ? at('vips') : at('vips', k));
  i.vips.forEach((v, k) => {
    const c = parseCidr(v);
    if (!c.ok) return err(vipPaths(k), c.reason);
    const bad = v4HostProblem(c.cidr);
    if (bad) return err(vipPaths(k), bad);
    if (family === undefined) family = c.cidr.family;
    else if (c.cidr.family !== family) err(vipPaths(k), `vips mix IPv4 and IPv6: an instance is VRRP for one family; put the IPv${c.cidr.family} addresses in an instance of their own`);
    for (const n of ctx.topo.nodes)
      for (const ic of n.interfaces)
        if (ic.addresses.some((a) => canonicalIp(a.ip) === canonicalIp(c.cidr.ip)))
          err(vipPaths(k), `virtual address ${c.cidr.ip} is already an address of ${n.name}:${ic.name}; a VIP must be an address of its own`);
  });
  if (ifRef(i.interface, at('interface'), 'interface')) {
    const bridge = node.bridges.find((b) => b.ports.some((p) => p.name === i.interface));
    if (bridge) err(at('interface'), `interface ${i.interface} is a port of bridge ${bridge.name}; run VRRP on ${bridge.name} instead`);
    else if (cfg && !cfg.up) err(at('interface'), `interface ${i.interface} is configured down (up: false): the instance would stay in FAULT`);
    else if (family === 6 && !(cfg?.linkLocal ?? cfg?.addresses.some((a) => a.family === 6)))
      err(at('interface'), `VRRP for IPv6 sends from the interface's link-local address, and ${i.interface} has none: give it an IPv6 address or 'link-local: true'`);
  }

  if (i.version === 2) {
    if (family === 6) err(at('version'), 'VRRPv2 is IPv4 only; IPv6 virtual addresses need version 3');
    if (raw['advert-ms'] !== undefined && i.advertMs % 1000 !== 0) err(at('advert-ms'), `advert-ms ${i.advertMs}: VRRPv2 advertises in whole seconds (1000, 2000, ...); sub-second adverts need version 3`);
  } else {
    if (i.advertMs % 10 !== 0) err(at('advert-ms'), `advert-ms ${i.advertMs}: VRRPv3 advertises in 10 ms steps (10, 20, ... 40950)`);
    else if (i.advertMs > 40950) err(at('advert-ms'), `advert-ms ${i.advertMs}: VRRPv3 allows at most 40950 ms`);
  }
  if (!i.preempt && raw['preempt-delay'] !== undefined) err(at('preempt-delay'), "preempt-delay has no effect with 'preempt: false'");

  (raw['track-interfaces'] ?? []).forEach((t, k) => {
    const name = typeof t === 'string' ? t : t.interface;
    const p = typeof t === 'string' ? at('track-interfaces', k) : at('track-interfaces', k, 'interface');
    if (!ifRef(name, p, 'tracked interface')) return;
    if (name === i.interface) return err(p, `${name} is the instance's own interface: losing it already puts the instance in FAULT`);
    const tc = node.interfaces.find((c) => c.name === name);
    if (tc && !tc.up && !(typeof t !== 'string' && t.weight)) err(p, `tracked interface ${name} is configured down (up: false): the instance would stay in FAULT (give it a weight to lower the priority instead)`);
  });
  return { i, family };
}

export const keepalived: ServiceKind = {
  kind: 'keepalived',
  summary: 'keepalived VRRP (v2/v3): virtual addresses that move to a backup router',
  schema: keepalivedSchema,
  requires: [{ program: 'keepalived', pkg: 'keepalived' }],

  check(spec, node, ctx) {
    const o = spec.options as unknown as KeepalivedOptions;
    const at = (k: number) => (...p: (string | number)[]) => [...spec.path, 'instances', k, ...p];
    const seen = { names: new Map<string, number>(), vrids: new Map<string, number>(), vips: new Map<string, number>() };
    o.instances.forEach((raw, k) => {
      const { i, family } = checkInstance(raw, at(k), node, ctx);
      const dup = (map: Map<string, number>, key: string, p: Path, msg: (line: number) => string) => {
        const first = map.get(key);
        if (first === undefined) map.set(key, k);
        else ctx.report(ctx.src.diag(p, msg(ctx.src.locate([...spec.path, 'instances', first]).line)));
      };
      dup(seen.names, i.name, raw.name !== undefined ? at(k)('name') : at(k)('vrid'), (l) => `instance name ${i.name} is already used at line ${l}${raw.name === undefined ? ' (the default name is VI_<vrid>; give one a name)' : ''}`);
      const fam = family ?? 4;
      dup(seen.vrids, `${i.interface}/${fam}/${i.vrid}`, at(k)('vrid'), (l) => `vrid ${i.vrid} is already used on ${i.interface} for IPv${fam} at line ${l}; instances on one interface need different vrids`);
      for (const v of i.vips) {
        const c = parseCidr(v);
        if (c.ok) dup(seen.vips, canonicalIp(c.cidr.ip), at(k)('vips'), (l) => `virtual address ${c.cidr.ip} is already in the instance at line ${l}`);
      }
    });
  },

  plan(node, spec, ctx) {
    const f = keepalivedFiles(node);
    const instances = resolveInstances(spec.options as unknown as KeepalivedOptions);
    const kname = (i: string) => node.ifaces.get(i)?.kname ?? i;
    const agent = agentArgv('vrrp-events', ['--fifo', f.fifo, '--events', eventsFile(ctx.lab.stateDir), '--node', node.name, '--state', f.state]);
    const steps: Step[] = [
      { t: 'mkdir', path: f.dir },
      { t: 'write', path: f.conf, content: keepalivedConf({ node: node.name, fifo: f.fifo, instances, kname }) },
      { t: 'exec', argv: ['mkfifo', '-m', '600', f.fifo] },
      // The agent reads the FIFO before keepalived writes to it, so each transition is stamped
      // when it happens; it writes its state file once the FIFO is open.
      { t: 'spawn', ns: node.ns, argv: agent, log: f.agentLog, pidfile: f.agentPid },
      // The agent writes its state file once it has the FIFO open: wait for it (15 s at most).
      { t: 'exec', argv: ['test', '-e', f.state], retryMs: 15_000 },
      {
        t: 'spawn',
        ns: node.ns,
        argv: ['keepalived', '--vrrp', '--dont-fork', '--log-console', '--no-syslog', '--use-file', f.conf, '--pid', f.pid, '--vrrp_pid', f.vrrpPid, '--checkers_pid', f.checkersPid, '--bfd_pid', f.bfdPid, '--config-id', node.ns],
        log: f.log,
        pidfile: f.spawnPid,
      },
    ];
    const action: Action = {
      id: `keepalived:${node.name}`,
      phase: 'services',
      node: node.name,
      what: `keepalived in ${node.name}: VRRP ${instances.map((i) => `${i.name} (vrid ${i.vrid}, ${i.vips.join(' ')}, priority ${i.priority})`).join(', ')}`,
      path: spec.path,
      do: steps,
      // keepalived first (a clean stop sends priority 0 and reports STOP), then the agent.
      undo: [
        { t: 'kill', pidfile: f.spawnPid },
        { t: 'kill', pidfile: f.agentPid },
      ],
    };
    return [action];
  },

  async ready(node, spec) {
    const instances = resolveInstances(spec.options as unknown as KeepalivedOptions);
    const f = keepalivedFiles(node);
    if (!pidfileAlive(f.spawnPid)) return { ready: false, detail: 'keepalived is not running (see keepalived.log)' };
    const s = readState(node);
    if (!s) return { ready: false, detail: 'the vrrp-events agent has not opened the notify FIFO (see vrrp-events.log)' };
    return readiness(instances, s, monotonicMs());
  },

  async status(node, spec) {
    const instances = resolveInstances(spec.options as unknown as KeepalivedOptions);
    const f = keepalivedFiles(node);
    const running = pidfileAlive(f.spawnPid);
    const s = readState(node) ?? { instances: {} };
    const now = monotonicMs();
    const list = instances.map((i) => {
      const st = s.instances[i.name];
      const state = running ? (st?.state ?? 'INIT') : 'STOPPED';
      return { name: i.name, interface: i.interface, vrid: i.vrid, vips: i.vips, state, priority: st?.priority ?? i.priority, configuredPriority: i.priority, forMs: st ? Math.round(now - st.sinceMs) : null };
    });
    return {
      summary: running ? `VRRP ${list.map((i) => `${i.name} ${i.state} (priority ${i.priority})`).join(', ')}` : 'keepalived is not running',
      table: { head: ['node', 'instance', 'vrid', 'VIP', 'state', 'priority'], rows: list.map((i) => [node.name, i.name, String(i.vrid), i.vips.join(' '), i.state, String(i.priority)]) },
      data: { running, instances: list },
    };
  },

  // keepalived's own log first: readiness errors show its tail.
  logs(node) {
    const f = keepalivedFiles(node);
    return [f.log, f.agentLog];
  },
};
