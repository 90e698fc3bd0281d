/**
 * FRR (the seeds' Quagga role): zebra + bgpd (+ bfdd when a neighbor asks for BFD) per node,
 * inside the node's namespace, with every file (configs, pidfiles, vty and zserv sockets, logs)
 * in the node's own dir, so any number of nodes run side by side. `vtysh --vty_socket DIR` talks
 * to them; `halab exec LAB NODE -- vtysh ...` adds that option itself.
 */
import { isIP } from 'node:net';
import type { Action, Step } from '../../../model/plan.js';
import { agentArgv } from '../../../agents/run.js';
import { eventsFile } from '../../../runtime/events.js';
import { run } from '../../../runtime/netns/proc.js';
import { parseCidr } from '../../../util/ip.js';
import type { RunNode, ServiceKind } from '../../types.js';
import { bfddConf, bgpdConf, usesBfd, zebraConf } from './config.js';
import { frrSchema, type FrrOptions } from './options.js';

const BIN = '/usr/lib/frr';

export function frrDir(node: { dir: string }): string {
  return `${node.dir}/frr`;
}

export function daemons(o: FrrOptions): string[] {
  return ['zebra', ...(o.bgp || o.raw ? ['bgpd'] : []), ...(usesBfd(o) ? ['bfdd'] : [])];
}

function daemonArgv(d: string, dir: string): string[] {
  return [
    `${BIN}/${d}`,
    '-d',
    '-f', `${dir}/${d}.conf`,
    '-i', `${dir}/${d}.pid`,
    '-z', `${dir}/zserv.api`,
    '--vty_socket', dir,
    '-P', '0',
    '--log', `file:${dir}/${d}.log`,
    ...(d === 'bfdd' ? ['--bfdctl', `${dir}/bfdd.sock`] : []),
  ];
}

/** `vtysh -c CMD` against a node's daemons; JSON output parsed. */
export async function vtyshJson<T>(node: RunNode, cmd: string): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  const r = await run(['vtysh', '--vty_socket', frrDir(node), '-c', cmd]);
  if (r.code !== 0) return { ok: false, error: (r.stderr || r.stdout).trim() || `vtysh exited ${r.code}` };
  try {
    return { ok: true, value: JSON.parse(r.stdout) as T };
  } catch {
    return { ok: false, error: r.stdout.trim().slice(0, 200) };
  }
}

interface Peer {
  remoteAs: number;
  state: string;
  peerUptime?: string;
  pfxRcd?: number;
}
type Summary = Partial<Record<'ipv4Unicast' | 'ipv6Unicast', { peers?: Record<string, Peer> }>>;

async function peers(node: RunNode): Promise<{ ok: true; peers: Map<string, Peer> } | { ok: false; error: string }> {
  const r = await vtyshJson<Summary>(node, 'show bgp summary json');
  if (!r.ok) return r;
  const m = new Map<string, Peer>();
  for (const fam of ['ipv4Unicast', 'ipv6Unicast'] as const) for (const [a, p] of Object.entries(r.value[fam]?.peers ?? {})) if (!m.has(a)) m.set(a, p);
  return { ok: true, peers: m };
}

export const frr: ServiceKind = {
  kind: 'frr',
  summary: 'FRR routing suite: zebra, bgpd, bfdd',
  schema: frrSchema,
  requires: [
    { program: `${BIN}/zebra`, pkg: 'frr' },
    { program: 'vtysh', pkg: 'frr' },
  ],

  check(spec, _node, ctx) {
    const o = spec.options as FrrOptions;
    const bgp = o.bgp;
    if (!bgp) return;
    const at = (...p: (string | number)[]) => [...spec.path, 'bgp', ...p];
    if (bgp['router-id'] !== undefined && isIP(bgp['router-id']) !== 4) ctx.report(ctx.src.diag(at('router-id'), `router-id '${bgp['router-id']}' must be an IPv4 address`));
    const timers = (p: (string | number)[], t: { keepalive?: number; hold?: number }) => {
      if (t.hold !== undefined && t.hold !== 0 && t.hold < 3) ctx.report(ctx.src.diag([...p, 'hold'], `hold time ${t.hold} s: BGP allows 0 or at least 3 s`));
      if (t.hold !== undefined && t.keepalive !== undefined && t.hold !== 0 && t.keepalive >= t.hold) ctx.report(ctx.src.diag([...p, 'keepalive'], `keepalive ${t.keepalive} s must be shorter than hold ${t.hold} s`));
    };
    if (bgp.timers) timers(at('timers'), bgp.timers);
    for (const [addr, n] of Object.entries(bgp.neighbors ?? {})) {
      if (!isIP(addr)) ctx.report(ctx.src.diag(at('neighbors', addr), `neighbor '${addr}' is not an IP address`, { key: true }));
      timers(at('neighbors', addr), { keepalive: n.keepalive ?? bgp.timers?.keepalive, hold: n.hold ?? bgp.timers?.hold });
    }
    (bgp.networks ?? []).forEach((p, i) => {
      const c = parseCidr(p);
      if (!c.ok) ctx.report(ctx.src.diag(at('networks', i), c.reason));
    });
  },

  plan(node, spec, ctx) {
    const o = spec.options as FrrOptions;
    const dir = frrDir(node);
    const files: Record<string, string> = { zebra: zebraConf(node.name), bgpd: bgpdConf(node.name, o), bfdd: bfddConf(node.name, o) };
    const ds = daemons(o);
    const steps: Step[] = [{ t: 'mkdir', path: dir }, ...ds.map((d): Step => ({ t: 'write', path: `${dir}/${d}.conf`, content: files[d]! }))];
    // The daemons drop to the frr user (root is not in FRR's vty group): they own their dir.
    steps.push({ t: 'exec', argv: ['chown', '-R', 'frr:frr', dir] });
    for (const d of ds) steps.push({ t: 'exec', ns: node.ns, daemon: true, argv: daemonArgv(d, dir) });
    // BGP session, kernel route and link changes of this node as lab events.
    const agent = agentArgv('node-events', ['--node', node.name, '--events', eventsFile(ctx.lab.stateDir), ...(ds.includes('bgpd') ? ['--bgpd-log', `${dir}/bgpd.log`] : [])]);
    steps.push({ t: 'spawn', ns: node.ns, argv: agent, log: `${dir}/events-agent.log`, pidfile: `${dir}/events-agent.pid` });
    const action: Action = {
      id: `frr:${node.name}`,
      phase: 'services',
      node: node.name,
      what: `FRR in ${node.name}: ${ds.join(', ')}`,
      path: spec.path,
      do: steps,
      undo: [{ t: 'kill', pidfile: `${dir}/events-agent.pid` }, ...[...ds].reverse().map((d): Step => ({ t: 'kill', pidfile: `${dir}/${d}.pid` }))],
    };
    return [action];
  },

  async ready(node, spec) {
    const o = spec.options as FrrOptions;
    const want = Object.keys(o.bgp?.neighbors ?? {});
    if (!want.length) {
      const r = await run(['vtysh', '--vty_socket', frrDir(node), '-c', 'show version']);
      return { ready: r.code === 0, detail: r.code === 0 ? 'zebra answers' : `zebra does not answer: ${r.stderr.trim()}` };
    }
    const p = await peers(node);
    if (!p.ok) return { ready: false, detail: `bgpd does not answer: ${p.error}` };
    const down = want.filter((a) => p.peers.get(a)?.state !== 'Established');
    return {
      ready: down.length === 0,
      detail: down.length
        ? `BGP session${down.length > 1 ? 's' : ''} not Established: ${down.map((a) => `${a} (AS ${o.bgp!.neighbors![a]!.as}) is ${p.peers.get(a)?.state ?? 'not configured'}`).join('; ')}`
        : `${want.length} BGP session${want.length > 1 ? 's' : ''} Established`,
    };
  },

  async status(node, spec) {
    const o = spec.options as FrrOptions;
    const want = Object.keys(o.bgp?.neighbors ?? {});
    const p = await peers(node);
    if (!p.ok) return { summary: `bgpd does not answer: ${p.error}`, data: { error: p.error } };
    const rows = want.map((a) => {
      const peer = p.peers.get(a);
      return [node.name, a, String(peer?.remoteAs ?? o.bgp!.neighbors![a]!.as), peer?.state === 'Established' ? 'UP' : 'DOWN', peer?.state ?? '-', peer?.peerUptime ?? '-', String(peer?.pfxRcd ?? '-')];
    });
    const up = rows.filter((r) => r[3] === 'UP').length;
    return {
      summary: `FRR: ${up}/${want.length} BGP sessions Established`,
      table: { head: ['host', 'neighbor', 'peer AS', 'status', 'state', 'uptime', 'prefixes'], rows },
      data: { neighbors: Object.fromEntries(want.map((a) => [a, p.peers.get(a) ?? null])) },
    };
  },

  async rib(node) {
    const r = await run(['vtysh', '--vty_socket', frrDir(node), '-c', 'show bgp ipv4 unicast', '-c', 'show bgp ipv6 unicast']);
    return (r.stdout || r.stderr).trim();
  },

  logs(node, spec) {
    // bgpd says most about sessions; zebra and bfdd follow.
    const ds = daemons(spec.options as FrrOptions);
    return [...ds.filter((d) => d === 'bgpd'), ...ds.filter((d) => d !== 'bgpd')].map((d) => `${frrDir(node)}/${d}.log`);
  },
};
