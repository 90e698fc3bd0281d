/**
 * utm-ha: fencing for one member of an active/standby UTM pair (seeds/000's UTMs share their red
 * and customer addresses). halab's agent (src/agents/utm-ha.ts) runs in the UTM's namespace,
 * keeps the listed interfaces silent (no ARP, no IP) until an orchestrator promotes the UTM over
 * the mgmt network, and fences them again when it is demoted or its lease runs out. `up` returns
 * once it listens (fenced). Role changes are lab events (kind `utm-ha`); docs/services.md has the API.
 */
import { eventsFile } from '../../../runtime/events.js';
import { closest } from '../../../util/names.js';
import { checkListen, parseListen } from '../tor-controller/options.js';
import type { ServiceKind } from '../../types.js';
import { agentAction, agentFiles, agentRunning, readAgentState } from '../agent.js';
import { utmHaSchema, type UtmHaConfig, type UtmHaOptions, type UtmHaState } from './options.js';

export const utmHaFiles = (node: { dir: string }) => agentFiles(node, 'utm-ha');

export const utmHa: ServiceKind = {
  kind: 'utm-ha',
  summary: 'fencing of an active/standby UTM: shared addresses silent unless promoted (HTTP/JSON API, lease)',
  schema: utmHaSchema,
  requires: [
    { program: 'nft', pkg: 'nftables' },
    { program: 'ip', pkg: 'iproute2' },
  ],

  check(spec, node, ctx) {
    const o = spec.options as unknown as UtmHaOptions;
    const at = (...p: (string | number)[]) => [...spec.path, ...p];
    const err = (p: (string | number)[], msg: string) => ctx.report(ctx.src.diag(p, msg));
    const l = checkListen(o.listen, node, (m) => err(at('listen'), m));
    if (l) {
      const fenced = node.interfaces.filter((i) => o.interfaces.includes(i.name));
      if (fenced.some((i) => i.addresses.some((a) => a.ip === l.address))) err(at('listen'), `listen address ${l.address} is on a fenced interface: the orchestrator could not reach a standby UTM`);
    }
    const seen = new Set<string>();
    o.interfaces.forEach((i, k) => {
      if (seen.has(i)) err(at('interfaces', k), `interface '${i}' is listed twice`);
      seen.add(i);
      if (!ctx.hasInterface(node.name, i)) {
        const known = node.interfaces.map((c) => c.name).filter((n) => ctx.hasInterface(node.name, n));
        const hint = closest(i, known);
        err(at('interfaces', k), `node ${node.name} has no interface '${i}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
      }
    });
  },

  plan(node, spec, ctx) {
    const o = spec.options as unknown as UtmHaOptions;
    const f = utmHaFiles(node);
    const l = parseListen(o.listen);
    if (!l.ok) throw new Error(l.reason);
    const config: UtmHaConfig = {
      node: node.name,
      address: l.address,
      port: l.port,
      interfaces: o.interfaces.map((i) => ({
        iface: i,
        kname: node.ifaces.get(i)?.kname ?? i,
        addresses: node.spec.interfaces.find((c) => c.name === i)?.addresses.filter((a) => a.family === 4).map((a) => a.ip) ?? [],
        bridge: node.spec.bridges.some((b) => b.name === i),
      })),
      events: eventsFile(ctx.lab.stateDir),
      state: f.state,
    };
    return [agentAction({ id: `utm-ha:${node.name}`, node, spec, what: `utm-ha in ${node.name} on ${o.listen}: ${o.interfaces.join(', ')} fenced until promoted`, program: 'utm-ha', files: f, config })];
  },

  async ready(node, spec) {
    const o = spec.options as unknown as UtmHaOptions;
    const f = utmHaFiles(node);
    if (!agentRunning(f)) return { ready: false, detail: `utm-ha is not running (see ${f.log})` };
    const s = readAgentState<UtmHaState>(f);
    if (!s?.listening) return { ready: false, detail: `not listening on ${o.listen} yet` };
    return { ready: true, detail: `${s.role} (${s.reason}), listening on ${s.listening}` };
  },

  async status(node, spec) {
    const o = spec.options as unknown as UtmHaOptions;
    const f = utmHaFiles(node);
    const running = agentRunning(f);
    const s = readAgentState<UtmHaState>(f);
    return {
      summary: running ? `utm-ha ${s?.role ?? 'starting'}${s ? `: ${s.reason}` : ''}` : 'utm-ha is not running',
      table: { head: ['node', 'role', 'fenced interfaces', 'why'], rows: [[node.name, running ? (s?.role ?? 'starting') : 'STOPPED', s?.role === 'active' ? '-' : o.interfaces.join(', '), s?.reason ?? '-']] },
      data: { running, ...(s ?? {}) },
    };
  },

  logs(node) {
    return [utmHaFiles(node).log];
  },
};
