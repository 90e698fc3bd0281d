/**
 * seeds/000's monitoring orchestrator as a lab service: halab's agent (src/agents/orchestrator.ts)
 * runs in its own node, talks to a tor-controller over the lab's mgmt network, runs HA init,
 * monitors the master UTM's mgmt address, and on failure requests the fail-over, polls its
 * result and optionally has the slave announce itself with gratuitous ARP. `up` returns once HA
 * init has succeeded and the master answers. Decisions are lab events (kind `orchestrator`).
 */
import { isIP } from 'node:net';
import type { Node } from '../../../model/topology.js';
import { eventsFile, monotonicMs } from '../../../runtime/events.js';
import { closest } from '../../../util/names.js';
import { parseListen, type TorControllerOptions } from '../tor-controller/options.js';
import type { UtmHaOptions } from '../utm-ha/options.js';
import type { CheckCtx, ServiceKind } from '../../types.js';
import { agentAction, agentFiles, agentRunning, readAgentState } from '../agent.js';
import { DEFAULTS, orchestratorSchema, type OrchestratorConfig, type OrchestratorOptions, type OrchestratorState } from './options.js';

export const orchestratorFiles = (node: { dir: string }) => agentFiles(node, 'orchestrator');
export const readOrchestratorState = (node: { dir: string }) => readAgentState<OrchestratorState>(orchestratorFiles(node));

/** The tor-controllers of the topology: node, listen text, options. */
function controllers(ctx: CheckCtx): { node: Node; o: TorControllerOptions }[] {
  return ctx.topo.nodes.flatMap((n) => n.services.filter((s) => s.kind === 'tor-controller').map((s) => ({ node: n, o: s.options as unknown as TorControllerOptions })));
}

/** The utm-ha service listening on ADDRESS:PORT, with its node. */
function utmHaAt(ctx: CheckCtx, address: string, port: number): { node: Node; o: UtmHaOptions } | undefined {
  for (const n of ctx.topo.nodes)
    for (const s of n.services) if (s.kind === 'utm-ha' && (s.options as unknown as UtmHaOptions).listen === `${address}:${port}`) return { node: n, o: s.options as unknown as UtmHaOptions };
  return undefined;
}

const v4Of = (n: Node) => n.interfaces.flatMap((i) => i.addresses.filter((a) => a.family === 4).map((a) => a.ip));

export const orchestrator: ServiceKind = {
  kind: 'orchestrator',
  summary: "seeds/000's orchestrator: HA init, master monitoring, fail-over through a tor-controller, UTM promotion (utm-ha), gratuitous ARP",
  schema: orchestratorSchema,
  requires: [
    { program: 'ping', pkg: 'iputils-ping' },
    { program: 'ip', pkg: 'iproute2' },
  ],

  check(spec, node, ctx) {
    const o = spec.options as unknown as OrchestratorOptions;
    const at = (...p: (string | number)[]) => [...spec.path, ...p];
    const err = (p: (string | number)[], msg: string) => ctx.report(ctx.src.diag(p, msg));
    const l = parseListen(o.controller);
    const ctls = controllers(ctx);
    let ctl: TorControllerOptions | undefined;
    if (!l.ok) err(at('controller'), `controller: ${l.reason}`);
    else {
      ctl = ctls.find((c) => c.o.listen === o.controller)?.o;
      if (!ctl)
        err(at('controller'), `no tor-controller listens on ${o.controller}${ctls.length ? ` (tor-controller: ${ctls.map((c) => `${c.node.name} on ${c.o.listen}`).join(', ')})` : ' (no node of this lab runs one)'}`);
    }
    const addrs = ctx.topo.nodes.flatMap((n) => v4Of(n));
    for (const side of ['master', 'slave'] as const) {
      const mgmt = o[side].mgmt;
      if (mgmt !== undefined) {
        if (isIP(mgmt) !== 4) err(at(side, 'mgmt'), `${side} mgmt '${mgmt}' is not an IPv4 address (no prefix length)`);
        else if (!addrs.includes(mgmt)) err(at(side, 'mgmt'), `${side} mgmt ${mgmt} is no node's address in this lab`);
        else if (v4Of(node).includes(mgmt)) err(at(side, 'mgmt'), `${side} mgmt ${mgmt} is an address of the orchestrator's own node ${node.name}`);
      }
      const port = o[side]['switch-port'];
      if (ctl && !Object.hasOwn(ctl.ports, String(port))) err(at(side, 'switch-port'), `physical port ${port} is not in the tor-controller's ports (${Object.keys(ctl.ports).join(', ')})`);
    }
    if (o.master['switch-port'] === o.slave['switch-port']) err(at('slave', 'switch-port'), `master and slave are both on physical port ${o.slave['switch-port']}: an HA pair needs two hosts`);
    const seen = new Map<number, string>();
    for (const [name, value] of Object.entries(o['current-vlans'])) {
      const p = at('current-vlans', name);
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) err(p, `network name '${name}' must be 1-32 letters, digits, '_' or '-'`);
      const m = /^vlan([0-9]{1,4})$/.exec(value);
      if (!m) {
        err(p, `'${value}' is not 'vlanN' (the document's form: vlan113)`);
        continue;
      }
      const vlan = Number(m[1]);
      if (vlan < 1 || vlan > 4094) err(p, `VLAN ${vlan} is out of range (1-4094)`);
      else if (seen.has(vlan)) err(p, `VLAN ${vlan} is already current-vlans.${seen.get(vlan)}`);
      else if (ctl?.['shared-vlans']?.includes(vlan)) err(p, `VLAN ${vlan} is a shared VLAN of the tor-controller (shared-vlans: ${ctl['shared-vlans'].join(', ')}): it is never deactivated on a live host, so HA init would be refused`);
      seen.set(vlan, name);
    }
    const g = o['gratuitous-arp'];
    const u = o['utm-ha'];
    if (u) {
      if (o.slave.mgmt === undefined) err(at('slave'), `utm-ha needs the slave's mgmt address (slave: { mgmt: ... }) to promote it`);
      const agents = (['master', 'slave'] as const).map((side) => {
        const mgmt = o[side].mgmt;
        if (mgmt === undefined || isIP(mgmt) !== 4) return undefined;
        const a = utmHaAt(ctx, mgmt, u.port);
        if (!a) err(at('utm-ha', 'port'), `no utm-ha service listens on ${mgmt}:${u.port} (the ${side}'s mgmt address): give that node 'utm-ha: { listen: ${mgmt}:${u.port}, interfaces: [...] }'`);
        return a;
      });
      const slave = agents[1];
      // The slave announces what it fences: gratuitous-arp must name the same node and interfaces.
      if (g && slave) {
        if (g.node !== slave.node.name) err(at('gratuitous-arp', 'node'), `with utm-ha, the slave's agent announces its addresses: gratuitous-arp.node must be ${slave.node.name}, the node of ${o.slave.mgmt}:${u.port}`);
        g.interfaces.forEach((i, k) => {
          if (!slave.o.interfaces.includes(i)) err(at('gratuitous-arp', 'interfaces', k), `with utm-ha, the slave announces the interfaces it fences (${slave.o.interfaces.join(', ')}); '${i}' is not one of them`);
        });
      }
    }
    if (g) {
      const target = ctx.node(g.node);
      if (!target) {
        const hint = closest(g.node, ctx.topo.nodes.map((n) => n.name));
        err(at('gratuitous-arp', 'node'), `node '${g.node}' is not defined${hint ? ` (did you mean '${hint}'?)` : ''}`);
      } else
        g.interfaces.forEach((i, k) => {
          const p = at('gratuitous-arp', 'interfaces', k);
          if (!ctx.hasInterface(target.name, i)) {
            const known = [...ctx.topo.links.flatMap((l) => l.endpoints.filter((e) => e.node === target.name).map((e) => e.iface)), ...target.bridges.map((b) => b.name), ...target.interfaces.map((c) => c.name)];
            const hint = closest(i, [...new Set(known)].filter((n) => ctx.hasInterface(target.name, n)));
            err(p, `node ${target.name} has no interface '${i}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
          } else if (!target.interfaces.find((c) => c.name === i)?.addresses.some((a) => a.family === 4)) err(p, `interface ${target.name}:${i} has no IPv4 address to announce`);
        });
    }
  },

  plan(node, spec, ctx) {
    const o = spec.options as unknown as OrchestratorOptions;
    const f = orchestratorFiles(node);
    const l = parseListen(o.controller);
    if (!l.ok) throw new Error(l.reason);
    const g = o['gratuitous-arp'];
    const u = o['utm-ha'];
    const target = g ? ctx.lab.node(g.node) : undefined;
    const config: OrchestratorConfig = {
      node: node.name,
      controller: { address: l.address, port: l.port },
      vmName: o['vm-name'],
      master: { mgmt: o.master.mgmt, port: o.master['switch-port'] },
      slave: { mgmt: o.slave.mgmt ?? null, port: o.slave['switch-port'] },
      currentVlans: o['current-vlans'],
      intervalMs: o.monitor?.['interval-ms'] ?? DEFAULTS.intervalMs,
      misses: o.monitor?.misses ?? DEFAULTS.misses,
      pollIntervalMs: o['poll-interval-ms'] ?? DEFAULTS.pollIntervalMs,
      reqIds: { init: o['req-ids']?.init ?? null, failover: o['req-ids']?.failover ?? null },
      garp:
        g && target && !u
          ? g.interfaces.map((i) => ({
              node: target.name,
              ns: target.ns,
              iface: i,
              kname: target.ifaces.get(i)?.kname ?? i,
              addresses: target.spec.interfaces.find((c) => c.name === i)?.addresses.filter((a) => a.family === 4).map((a) => a.ip) ?? [],
            }))
          : [],
      utmHa: u
        ? { master: { address: o.master.mgmt, port: u.port }, slave: { address: o.slave.mgmt!, port: u.port }, leaseMs: u['lease-ms'] ?? DEFAULTS.leaseMs, announce: g !== undefined && g !== null }
        : null,
      events: eventsFile(ctx.lab.stateDir),
      state: f.state,
    };
    const action = agentAction({
      id: `orchestrator:${node.name}`,
      node,
      spec,
      what: `orchestrator in ${node.name}: HA init via ${o.controller}, monitor ${o.master.mgmt} every ${config.intervalMs} ms (${config.misses} misses), fail-over ${o.master['switch-port']} -> ${o.slave['switch-port']}, results polled every ${config.pollIntervalMs} ms${u ? `, fencing through utm-ha on :${u.port} (lease ${config.utmHa!.leaseMs} ms)` : ''}${g ? `, gratuitous ARP from ${g.node}` : ''}`,
      program: 'orchestrator',
      files: f,
      config,
    });
    return [action];
  },

  async ready(node) {
    const f = orchestratorFiles(node);
    if (!agentRunning(f)) return { ready: false, detail: `the orchestrator is not running (see ${f.log})` };
    const s = readOrchestratorState(node);
    if (!s) return { ready: false, detail: 'the orchestrator has not started' };
    const forS = ((monotonicMs() - s.sinceMs) / 1000).toFixed(1);
    if (s.phase === 'monitoring' || s.phase === 'failed-over') return { ready: true, detail: s.detail };
    return { ready: false, detail: `${s.phase} for ${forS} s: ${s.detail}` };
  },

  async status(node) {
    const running = agentRunning(orchestratorFiles(node));
    const s = readOrchestratorState(node);
    const summary = !running ? 'orchestrator is not running' : !s ? 'orchestrator starting' : `orchestrator ${s.phase}: ${s.detail}`;
    return {
      summary,
      table: {
        head: ['node', 'phase', 'master', 'HA init', 'fail-over'],
        rows: [[node.name, running ? (s?.phase ?? 'starting') : 'STOPPED', s?.master ?? '?', s?.init ? `${s.init.reqId} ${s.init.status}` : '-', s?.failover ? `${s.failover.reqId} ${s.failover.status}` : '-']],
      },
      data: { running, ...(s ?? {}) },
    };
  },

  logs(node) {
    return [orchestratorFiles(node).log];
  },
};
