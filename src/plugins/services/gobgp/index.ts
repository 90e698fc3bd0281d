/**
 * GoBGP per node: gobgpd started with no config file (as seeds/001 does), its API on the node's
 * own loopback, configured through the gobgp CLI in the document's order; and a FIB agent that
 * programs the node's kernel from GoBGP's best paths (src/agents/gobgp-fib.ts).
 */
import { isIP } from 'node:net';
import { agentArgv } from '../../../agents/run.js';
import type { Action, Step } from '../../../model/plan.js';
import { eventsFile } from '../../../runtime/events.js';
import { inNetns, pidfileAlive, run } from '../../../runtime/netns/proc.js';
import { parseCidr } from '../../../util/ip.js';
import type { RunNode, ServiceKind } from '../../types.js';
import { gobgpCommands } from './commands.js';
import { gobgpSchema, type GobgpOptions } from './options.js';

const STATES = ['UNKNOWN', 'IDLE', 'CONNECT', 'ACTIVE', 'OPENSENT', 'OPENCONFIRM', 'ESTABLISHED'];

export function gobgpDir(node: { dir: string }): string {
  return `${node.dir}/gobgp`;
}

interface NeighborJson {
  conf?: { neighbor_address?: string; peer_asn?: number };
  state?: { neighbor_address?: string; session_state?: number; peer_asn?: number };
  timers?: { state?: { uptime?: { seconds?: number } } };
  afi_safis?: { state?: { received?: number; accepted?: number } }[];
}

async function neighbors(node: RunNode): Promise<{ ok: true; list: Map<string, NeighborJson> } | { ok: false; error: string }> {
  const r = await run(inNetns(node.ns, ['gobgp', 'neighbor', '-j']));
  if (r.code !== 0) return { ok: false, error: (r.stderr || r.stdout).trim() };
  try {
    const arr = JSON.parse(r.stdout || '[]') as NeighborJson[];
    return { ok: true, list: new Map(arr.map((n) => [n.state?.neighbor_address ?? n.conf?.neighbor_address ?? '?', n])) };
  } catch {
    return { ok: false, error: r.stdout.slice(0, 200) };
  }
}

const stateName = (n?: NeighborJson) => STATES[n?.state?.session_state ?? 0] ?? 'UNKNOWN';

function uptime(n?: NeighborJson): string {
  const s = n?.timers?.state?.uptime?.seconds;
  if (!s || stateName(n) !== 'ESTABLISHED') return '-';
  const d = Math.max(0, Math.floor(Date.now() / 1000 - s));
  return `${String(Math.floor(d / 3600)).padStart(2, '0')}:${String(Math.floor((d % 3600) / 60)).padStart(2, '0')}:${String(d % 60).padStart(2, '0')}`;
}

const agentAlive = (node: RunNode) => pidfileAlive(`${gobgpDir(node)}/fib-agent.pid`);

export const gobgp: ServiceKind = {
  kind: 'gobgp',
  summary: 'GoBGP (gobgpd configured through its CLI) with a FIB agent for the kernel routes',
  schema: gobgpSchema,
  requires: [
    { program: 'gobgpd', pkg: 'gobgpd' },
    { program: 'gobgp', pkg: 'gobgpd' },
  ],

  check(spec, _node, ctx) {
    const o = spec.options as unknown as GobgpOptions;
    const at = (...p: (string | number)[]) => [...spec.path, ...p];
    if (isIP(o['router-id']) !== 4) ctx.report(ctx.src.diag(at('router-id'), `router-id '${o['router-id']}' must be an IPv4 address`));
    const policies = Object.keys(o.policies ?? {});
    for (const [addr, n] of Object.entries(o.neighbors ?? {})) {
      if (!isIP(addr)) ctx.report(ctx.src.diag(at('neighbors', addr), `neighbor '${addr}' is not an IP address`, { key: true }));
      for (const dir of ['export', 'import'] as const)
        (n[dir] ?? []).forEach((p, i) => {
          if (!policies.includes(p)) ctx.report(ctx.src.diag(at('neighbors', addr, dir, i), `policy '${p}' is not defined under policies${policies.length ? ` (${policies.join(', ')})` : ''}`));
        });
    }
    const statements = new Map<string, string>();
    for (const [policy, sts] of Object.entries(o.policies ?? {})) {
      for (const [name, st] of Object.entries(sts)) {
        const other = statements.get(name);
        if (other) ctx.report(ctx.src.diag(at('policies', policy, name), `statement '${name}' is also in policy ${other}; GoBGP statement names are global`, { key: true }));
        statements.set(name, policy);
        if (st['next-hop'] && st['next-hop'] !== 'self' && !isIP(st['next-hop'])) ctx.report(ctx.src.diag(at('policies', policy, name, 'next-hop'), `next-hop '${st['next-hop']}' must be 'self' or an address`));
      }
    }
    (o.networks ?? []).forEach((p, i) => {
      const c = parseCidr(p);
      if (!c.ok) ctx.report(ctx.src.diag(at('networks', i), c.reason));
    });
  },

  plan(node, spec, ctx) {
    const o = spec.options as unknown as GobgpOptions;
    const dir = gobgpDir(node);
    const cli = (args: string[], retryMs?: number): Step => ({ t: 'exec', ns: node.ns, argv: ['gobgp', ...args], ...(retryMs ? { retryMs } : {}) });
    const [first, ...rest] = gobgpCommands(o);
    const steps: Step[] = [
      { t: 'mkdir', path: dir },
      { t: 'spawn', ns: node.ns, argv: ['gobgpd', '--api-hosts', '127.0.0.1:50051', '--pprof-disable'], log: `${dir}/gobgpd.log`, pidfile: `${dir}/gobgpd.pid` },
      // gobgpd takes a moment to open its API: the first call retries.
      cli(first!, 10_000),
      ...rest.map((c) => cli(c)),
    ];
    const undo: Step[] = [{ t: 'kill', pidfile: `${dir}/gobgpd.pid` }];
    if (o.fib !== false) {
      steps.push({ t: 'spawn', ns: node.ns, argv: agentArgv('gobgp-fib', ['--node', node.name, '--events', eventsFile(ctx.lab.stateDir), '--log', `${dir}/gobgpd.log`]), log: `${dir}/fib-agent.log`, pidfile: `${dir}/fib-agent.pid` });
      undo.unshift({ t: 'kill', pidfile: `${dir}/fib-agent.pid` });
    }
    const action: Action = {
      id: `gobgp:${node.name}`,
      phase: 'services',
      node: node.name,
      what: `GoBGP in ${node.name} (AS ${o.as}, router-id ${o['router-id']})${o.fib !== false ? ' with its FIB agent' : ''}`,
      path: spec.path,
      do: steps,
      undo,
    };
    return [action];
  },

  async ready(node, spec) {
    const o = spec.options as unknown as GobgpOptions;
    const want = Object.entries(o.neighbors ?? {});
    const n = await neighbors(node);
    if (!n.ok) return { ready: false, detail: `gobgpd does not answer: ${n.error}` };
    if (o.fib !== false && !agentAlive(node)) return { ready: false, detail: 'the FIB agent is not running (see fib-agent.log)' };
    const down = want.filter(([a]) => stateName(n.list.get(a)) !== 'ESTABLISHED');
    return {
      ready: down.length === 0,
      detail: down.length
        ? `BGP session${down.length > 1 ? 's' : ''} not Established: ${down.map(([a, x]) => `${a} (AS ${x.as}) is ${stateName(n.list.get(a))}`).join('; ')}`
        : `${want.length} BGP sessions Established`,
    };
  },

  async status(node, spec) {
    const o = spec.options as unknown as GobgpOptions;
    const want = Object.entries(o.neighbors ?? {});
    const n = await neighbors(node);
    if (!n.ok) return { summary: `gobgpd does not answer: ${n.error}`, data: { error: n.error } };
    const rows = want.map(([a, x]) => {
      const nb = n.list.get(a);
      const st = stateName(nb);
      const af = nb?.afi_safis?.[0]?.state;
      return [node.name, a, String(x.as), st === 'ESTABLISHED' ? 'UP' : 'DOWN', st, uptime(nb), af ? `${af.received ?? 0}/${af.accepted ?? 0}` : '-'];
    });
    const up = rows.filter((r) => r[3] === 'UP').length;
    return {
      summary: `GoBGP: ${up}/${want.length} BGP sessions Established${o.fib !== false ? `, FIB agent ${agentAlive(node) ? 'running' : 'NOT running'}` : ''}`,
      table: { head: ['host', 'neighbor', 'peer AS', 'status', 'state', 'uptime', 'received/accepted'], rows },
      data: { neighbors: Object.fromEntries(want.map(([a]) => [a, { state: stateName(n.list.get(a)) }])), fibAgent: agentAlive(node) },
    };
  },

  async rib(node) {
    const v4 = await run(inNetns(node.ns, ['gobgp', 'global', 'rib', '-a', 'ipv4']));
    const v6 = await run(inNetns(node.ns, ['gobgp', 'global', 'rib', '-a', 'ipv6']));
    return [v4, v6].map((r) => (r.stdout || r.stderr).trim()).filter((t) => t && t !== 'Network not in table').join('\n\n');
  },

  logs(node) {
    return [`${gobgpDir(node)}/gobgpd.log`, `${gobgpDir(node)}/fib-agent.log`];
  },
};
