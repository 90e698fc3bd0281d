/**
 * iperf3 servers (seeds/000's throughput flows): one `iperf3 -s -p PORT` per port inside the
 * node's namespace, started in the foreground by `spawn` (log and pidfile in the node's iperf3
 * dir) and stopped by `kill`. The servers run with `--json` and a 0.1 s interval, so that a client
 * asking for `--get-server-output` (src/probes/iperf3) gets the receiving side's intervals too.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Action, Step } from '../../../model/plan.js';
import { inNetns, isAlive, run } from '../../../runtime/netns/proc.js';
import type { RunNode, ServiceKind } from '../../types.js';
import { DEFAULT_INTERVAL, iperf3Schema, portsOf, type Iperf3Options } from './options.js';

export function iperf3Dir(node: { dir: string }): string {
  return `${node.dir}/iperf3`;
}

const logOf = (node: { dir: string }, port: number) => `${iperf3Dir(node)}/server-${port}.log`;
const pidfileOf = (node: { dir: string }, port: number) => `${iperf3Dir(node)}/server-${port}.pid`;

export function serverArgv(o: Iperf3Options, port: number): string[] {
  return ['iperf3', '-s', '-p', String(port), '-i', String(o.interval ?? DEFAULT_INTERVAL), '--json', ...(o.bind ? ['-B', o.bind] : [])];
}

export interface Listener {
  port: number;
  address: string;
  /** Names of the programs holding the socket (from `ss -p`). */
  programs: string[];
}

/** TCP sockets listening inside a namespace (`ss -Hltnp`). */
export async function tcpListeners(ns: string): Promise<Listener[]> {
  const r = await run(inNetns(ns, ['ss', '-Hltnp']));
  if (r.code !== 0) throw new Error(`ss in ${ns} failed: ${r.stderr.trim()}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      // State Recv-Q Send-Q Local:Port Peer:Port [users:(("iperf3",pid=N,fd=3))]
      const local = line.trim().split(/\s+/)[3];
      const m = local ? /^(.*):(\d+)$/.exec(local) : null;
      if (!m) return [];
      return [{ port: Number(m[2]), address: m[1]!, programs: [...line.matchAll(/\("([^"]+)",pid=/g)].map((x) => x[1]!) }];
    });
}

function pidOf(pidfile: string): number | null {
  try {
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

interface PortState {
  port: number;
  listening: boolean;
  why?: string;
}

async function portStates(node: RunNode, o: Iperf3Options): Promise<PortState[]> {
  const listeners = await tcpListeners(node.ns);
  return portsOf(o).map((port) => {
    const here = listeners.filter((l) => l.port === port);
    if (here.some((l) => l.programs.includes('iperf3'))) return { port, listening: true };
    const pid = pidOf(pidfileOf(node, port));
    const why = here.length
      ? `held by ${[...new Set(here.flatMap((l) => l.programs))].join(', ') || 'another program'}`
      : pid === null
        ? 'no server started'
        : isAlive(pid)
          ? `iperf3 (pid ${pid}) is not listening yet`
          : `iperf3 (pid ${pid}) has exited; see ${logOf(node, port)}`;
    return { port, listening: false, why };
  });
}

export const iperf3: ServiceKind = {
  kind: 'iperf3',
  summary: 'iperf3 servers, one per port',
  schema: iperf3Schema,
  requires: [
    { program: 'iperf3', pkg: 'iperf3' },
    { program: 'ss', pkg: 'iproute2' },
  ],

  check(spec, node, ctx) {
    const o = spec.options as Iperf3Options;
    const seen = new Map<number, number>();
    (o.ports ?? []).forEach((port, i) => {
      const at = [...spec.path, 'ports', i];
      if (port < 1 || port > 65535) ctx.report(ctx.src.diag(at, `port ${port} is out of range: TCP/UDP ports are 1-65535`));
      else if (seen.has(port)) ctx.report(ctx.src.diag(at, `port ${port} is listed twice (first as ports[${seen.get(port)}]): one server per port`));
      else seen.set(port, i);
    });
    if (o.bind !== undefined) {
      const at = [...spec.path, 'bind'];
      const fam = isIP(o.bind);
      if (!fam) {
        ctx.report(ctx.src.diag(at, `bind '${o.bind}' is not an IP address (write one of the node's addresses, without a prefix length)`));
        return;
      }
      const own = node.interfaces.flatMap((i) => i.addresses.map((a) => a.ip));
      const loopback = fam === 4 ? o.bind.startsWith('127.') : o.bind === '::1';
      const nonlocal = node.sysctl[fam === 4 ? 'net.ipv4.ip_nonlocal_bind' : 'net.ipv6.ip_nonlocal_bind'] === '1';
      if (!loopback && !nonlocal && !own.includes(o.bind))
        ctx.report(ctx.src.diag(at, `bind ${o.bind} is not an address of node ${node.name}${own.length ? ` (its addresses: ${own.join(', ')})` : ' (it has none)'}`));
    }
  },

  plan(node, spec) {
    const o = spec.options as Iperf3Options;
    const dir = iperf3Dir(node);
    const ports = portsOf(o);
    const action: Action = {
      id: `iperf3:${node.name}`,
      phase: 'services',
      node: node.name,
      what: `iperf3 servers in ${node.name} on port${ports.length > 1 ? 's' : ''} ${ports.join(', ')}${o.bind ? ` (bound to ${o.bind})` : ''}`,
      path: spec.path,
      do: [
        { t: 'mkdir', path: dir },
        ...ports.map((port): Step => ({ t: 'spawn', ns: node.ns, argv: serverArgv(o, port), log: logOf(node, port), pidfile: pidfileOf(node, port) })),
      ],
      undo: [...ports].reverse().map((port): Step => ({ t: 'kill', pidfile: pidfileOf(node, port) })),
    };
    return [action];
  },

  async ready(node, spec) {
    const states = await portStates(node, spec.options as Iperf3Options);
    const down = states.filter((s) => !s.listening);
    return {
      ready: down.length === 0,
      detail: down.length
        ? `not listening on ${down.map((s) => `port ${s.port} (${s.why})`).join('; ')}`
        : `listening on ${states.map((s) => s.port).join(', ')}`,
    };
  },

  async status(node, spec) {
    const o = spec.options as Iperf3Options;
    const states = await portStates(node, o);
    const up = states.filter((s) => s.listening).map((s) => s.port);
    const down = states.filter((s) => !s.listening);
    const on = (ps: number[]) => `${ps.length > 1 ? 'servers' : 'server'} on ${ps.join(', ')}`;
    return {
      summary: `iperf3 ${up.length ? on(up) : 'servers: none listening'}${o.bind ? ` (${o.bind})` : ''}${down.length ? `; not listening: ${down.map((s) => `${s.port} (${s.why})`).join(', ')}` : ''}`,
      data: { ports: states.map((s) => ({ port: s.port, listening: s.listening, ...(s.why ? { why: s.why } : {}) })), bind: o.bind ?? null },
    };
  },

  logs(node, spec) {
    return portsOf(spec.options as Iperf3Options).map((p) => logOf(node, p));
  },
};
