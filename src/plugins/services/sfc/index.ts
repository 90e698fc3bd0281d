/**
 * sfc: a networking-sfc style service chain (seeds/002, "HA for SFC") on an OVS node, and the
 * vnffg-ha engine that keeps it whole. The instances are ordinary topology nodes whose two
 * interfaces are linked to ports of the node's OVS bridge; the service makes that bridge
 * fail-mode secure and runs halab's sfc-agent (src/agents/sfc-agent.ts), which programs the chain
 * as OpenFlow rules, monitors the instances (Tacker's ping / http_ping) and updates the chain on
 * respawn, scale-out and scale-in (requests over TCP: `halab sfc ...` inside the node).
 */
import type { Action, Step } from '../../../model/plan.js';
import { eventsFile } from '../../../runtime/events.js';
import { isAlive, readJsonFile } from '../../../runtime/netns/proc.js';
import { ovsDb, ovsEnv } from '../../switches/ovs/daemons.js';
import type { RunNode, ServiceKind } from '../../types.js';
import { agentAction, agentFiles } from '../agent.js';
import { DEFAULTS, sfcSchema, type AgentConfig, type SfcOptions } from './options.js';
import { resolveChain } from './resolve.js';

export const sfcFiles = (node: { dir: string }) => agentFiles(node, 'sfc', 'sfc-agent');

/** What the engine keeps in its state file (readiness, status, the CLI's `show`). */
export interface SfcState {
  pid: number;
  address: string;
  port: number;
  /** group -> its members, in slot-count order, and how many slots each has. */
  groups: Record<string, { members: Record<string, number> }>;
  spares: Record<string, string[]>;
  /** Pairs the engine deleted after a failure. */
  failed: string[];
  monitoring: Record<string, 'up' | 'down' | 'unknown'>;
  flows: number;
  updates: number;
}

export function readSfcState(node: { dir: string }): SfcState | null {
  return readJsonFile<SfcState>(sfcFiles(node).state);
}

export const sfc: ServiceKind = {
  kind: 'sfc',
  summary: 'service function chain (networking-sfc port pairs, groups, classifiers, chains) on OVS, kept by a vnffg-ha engine: monitor, respawn, scale-out, scale-in (seeds/002)',
  schema: sfcSchema,
  requires: [
    { program: 'ovs-ofctl', pkg: 'openvswitch-switch' },
    { program: 'ping', pkg: 'iputils-ping' },
  ],

  check(spec, node, ctx) {
    resolveChain(ctx.topo, node, spec.options as unknown as SfcOptions, (p, m) => ctx.report(ctx.src.diag([...spec.path, ...p], m)));
  },

  plan(node, spec, ctx) {
    const o = spec.options as unknown as SfcOptions;
    const kname = (p: string) => node.ifaces.get(p)?.kname ?? p;
    const chain = resolveChain(ctx.lab.topology, node.spec, o, (p, m) => {
      throw new Error(`sfc on ${node.name}: ${p.join('.')}: ${m}`);
    }, kname)!;
    const f = sfcFiles(node);
    const db = ovsDb(node);
    const vsctl = (...args: string[]): Step => ({ t: 'ovs-vsctl', db, args });
    const m = o.monitoring;
    const agentConfig: AgentConfig = {
      chain,
      ...(m
        ? {
            monitoring: {
              driver: m.driver,
              actions: m.actions,
              monitoring_delay: m.monitoring_delay ?? DEFAULTS.delay,
              interval: m.interval ?? DEFAULTS.interval,
              timeout: m.timeout ?? DEFAULTS.timeout,
              retry: m.retry ?? DEFAULTS.retry,
              port: m.port ?? DEFAULTS.httpPort,
            },
          }
        : {}),
      address: o.address ?? DEFAULTS.address,
      port: o.port ?? DEFAULTS.port,
      node: node.name,
      events: eventsFile(ctx.lab.stateDir),
      state: f.state,
      dir: f.dir,
    };
    const groups = Object.entries(chain.groups).map(([g, x]) => `${g}(${x.pairs.join(',')})`).join(' -> ');
    const secure: Action = {
      id: `sfc-bridge:${node.name}`,
      phase: 'services',
      node: node.name,
      what: `chain bridge ${chain.bridge} in ${node.name}: fail-mode secure, no flows until the engine programs the chain`,
      path: spec.path,
      do: [vsctl('set-fail-mode', chain.bridge, 'secure'), { t: 'exec', ns: node.ns, env: ovsEnv(node), argv: ['ovs-ofctl', 'del-flows', chain.bridge] }],
      undo: [],
      coveredBy: `ovs-bridge:${node.name}:${o.bridge ?? chain.bridge}`,
    };
    const agent = agentAction({
      id: `sfc:${node.name}`,
      node,
      spec,
      what: `sfc-agent (vnffg-ha engine) in ${node.name}: ${Object.keys(chain.chains).join(', ')}: ${groups}; spares ${Object.values(chain.spares).flat().join(', ') || 'none'}; ${m ? `monitor ${m.driver} -> ${m.actions.join(', ')}` : 'no monitor'}; API on ${agentConfig.address}:${agentConfig.port}`,
      program: 'sfc-agent',
      files: f,
      config: agentConfig,
      env: ovsEnv(node),
    });
    return [secure, agent];
  },

  async ready(node) {
    const s = readSfcState(node);
    if (!s) return { ready: false, detail: 'sfc-agent has not programmed the chain yet (see sfc-agent.log)' };
    if (!isAlive(s.pid)) return { ready: false, detail: `sfc-agent (pid ${s.pid}) has exited (see sfc-agent.log)` };
    const down = Object.entries(s.monitoring).filter(([, v]) => v === 'down').map(([k]) => k);
    return { ready: true, detail: `chain programmed (${s.flows} flows), API on ${s.address}:${s.port}${down.length ? `; down: ${down.join(', ')}` : ''}` };
  },

  async status(node) {
    const s = readSfcState(node);
    const running = !!s && isAlive(s.pid);
    const rows = s ? Object.entries(s.groups).flatMap(([g, x]) => Object.entries(x.members).map(([p, n]) => [node.name, g, p, String(n), s.monitoring[p] ?? 'unmonitored'])) : [];
    return {
      summary: running
        ? `chain: ${Object.entries(s!.groups).map(([g, x]) => `${g} [${Object.keys(x.members).join(', ')}]`).join(' -> ')}; spares ${Object.values(s!.spares).flat().join(', ') || 'none'}; ${s!.updates} updates`
        : 'sfc-agent is not running',
      table: { head: ['node', 'group', 'port pair', 'slots', 'monitor'], rows },
      data: { running, ...(s ?? {}) },
    };
  },

  logs(node: RunNode) {
    return [sfcFiles(node).log];
  },
};
