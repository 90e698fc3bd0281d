/**
 * The services of a VNF cluster (seeds/002), generated from the topology's `clusters:` by
 * pipeline/clusters.ts: vnf-member in each member node (the app and its Zabbix-style agent),
 * vnf-lb on the load balancer (the VIP), vnf-vim on each compute host (creates members on
 * respawn), and vnfm on the VNFM node (the monitor; its status is the cluster and member tables).
 */
import type { Cluster } from '../../../model/cluster.js';
import type { LabNode } from '../../../model/lab.js';
import type { Action } from '../../../model/plan.js';
import type { ServiceSpec, Topology } from '../../../model/topology.js';
import { eventsFile } from '../../../runtime/events.js';
import { pidfileAlive, readJsonFile } from '../../../runtime/netns/proc.js';
import type { ServiceKind } from '../../types.js';
import { agentAction, agentFiles } from '../agent.js';
import { clusterOptionSchema, LB_CONTROL_PORT, VIM_PORT, type VnfmConfig, type VnfmState } from './options.js';


function clusterOf(topo: Topology, spec: ServiceSpec): Cluster {
  const name = String(spec.options['cluster']);
  const c = topo.clusters?.find((x) => x.name === name);
  if (!c) throw new Error(`no cluster '${name}'`);
  return c;
}

const v4 = (topo: Topology, node: string, iface?: string) =>
  topo.nodes.find((n) => n.name === node)?.interfaces.filter((i) => !iface || i.name === iface).flatMap((i) => i.addresses.filter((a) => a.family === 4).map((a) => a.ip)) ?? [];

/** An address of `node` in the members' subnet (how the VNFM reaches it over mgmt). */
function mgmtAddress(topo: Topology, c: Cluster, node: string): string {
  const m = c.members[0]!;
  const mask = m.prefixLen === 0 ? 0 : (~0 << (32 - m.prefixLen)) >>> 0;
  const net = (ip: string) => (ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) & mask) >>> 0;
  const a = v4(topo, node).find((ip) => net(ip) === net(m.address));
  if (!a) throw new Error(`${node} has no address in ${m.address}/${m.prefixLen}`);
  return a;
}

function vnfAgent(node: LabNode, spec: ServiceSpec, kind: string, what: string, config: unknown, args?: string[]): Action {
  return agentAction({ id: `${kind}:${node.name}`, node, spec, what, program: kind, files: agentFiles(node, kind), config, ...(args ? { args } : {}) });
}

/** What the four services share; ready and status are whether the agent runs (vnfm overrides them). */
function simple(kind: string, summary: string): Omit<ServiceKind, 'plan'> & { running: (n: { dir: string }) => boolean } {
  const running = (node: { dir: string }) => pidfileAlive(agentFiles(node, kind).pid);
  return {
    kind,
    summary,
    schema: clusterOptionSchema,
    requires: [],
    // Generated from `clusters:`, which pipeline/clusters.ts has checked with positions.
    check() {},
    logs: (node) => [agentFiles(node, kind).log],
    running,
    async ready(node) {
      return running(node) ? { ready: true, detail: 'running' } : { ready: false, detail: `${kind} is not running` };
    },
    async status(node) {
      const up = running(node);
      return { summary: up ? `${kind} running` : `${kind} STOPPED`, data: { running: up } };
    },
  };
}

export const vnfMember: ServiceKind = {
  ...simple('vnf-member', 'a VNF cluster member: the app (vnf-httpd) and its Zabbix-style agent on port 10050'),
  plan(node, spec, ctx) {
    const c = clusterOf(ctx.lab.topology, spec);
    const app = c.app ?? { appName: 'httpd', appPort: c.lb.poolPort };
    return [vnfAgent(node, spec, 'vnf-member', `${node.name}: ${app.appName} on port ${app.appPort} and its agent on 10050`, null, ['--name', node.name, '--app', app.appName, '--port', String(app.appPort)])];
  },
};

export const vnfLb: ServiceKind = {
  ...simple('vnf-lb', "a VNF cluster's load balancer: the VIP, proxied ROUND_ROBIN to the active members"),
  plan(node, spec, ctx) {
    const c = clusterOf(ctx.lab.topology, spec);
    const control = mgmtAddress(ctx.lab.topology, c, node.name);
    const config = { node: node.name, cluster: c.name, vip: c.lb.vip, vipPort: c.lb.vipPort, poolPort: c.lb.poolPort, control: { address: control, port: LB_CONTROL_PORT }, members: [], events: eventsFile(ctx.lab.stateDir) };
    return [vnfAgent(node, spec, 'vnf-lb', `${node.name}: VIP ${c.lb.vip}:${c.lb.vipPort} of cluster ${c.name} (pool set by the VNFM on ${control}:${LB_CONTROL_PORT})`, config)];
  },
};

export const vnfVim: ServiceKind = {
  ...simple('vnf-vim', "a compute host's VIM: creates cluster members (namespace, veth on the bridge, agent) on request"),
  plan(node, spec, ctx) {
    const c = clusterOf(ctx.lab.topology, spec);
    const address = v4(ctx.lab.topology, node.name, c.bridge)[0]!;
    const app = c.app ?? { appName: 'httpd', appPort: c.lb.poolPort };
    const config = { node: node.name, lab: ctx.lab.name, stateDir: ctx.lab.stateDir, listen: { address, port: VIM_PORT }, app: { name: app.appName, port: app.appPort }, events: eventsFile(ctx.lab.stateDir) };
    return [vnfAgent(node, spec, 'vnf-vim', `${node.name}: VIM on ${address}:${VIM_PORT}, members on ${c.bridge}`, config)];
  },
};

export const vnfm: ServiceKind = {
  ...simple('vnfm', "seeds/002's VNFM monitor: ping / http_ping policies, failover, respawn, notify, Zabbix-style app triggers"),
  requires: [{ program: 'ping', pkg: 'iputils-ping' }],
  plan(node, spec, ctx) {
    const topo = ctx.lab.topology;
    const c = clusterOf(topo, spec);
    const f = agentFiles(node, 'vnfm-monitor');
    const vims = Object.fromEntries([...new Set(c.placement.map((p) => p.host))].map((h) => [h, { address: v4(topo, h, c.bridge)[0]!, port: VIM_PORT }]));
    const config: VnfmConfig = {
      node: node.name,
      cluster: c.name,
      lb: { address: mgmtAddress(topo, c, c.lb.node), port: LB_CONTROL_PORT, vip: c.lb.vip, vipPort: c.lb.vipPort },
      vims,
      placement: c.placement.map((p) => p.host),
      antiAffinity: c.antiAffinity,
      bridge: c.bridge,
      members: c.members,
      policies: c.policies,
      ...(c.app ? { app: c.app } : {}),
      events: eventsFile(ctx.lab.stateDir),
      state: f.state,
    };
    const pol = c.policies.map((p) => (p.name === 'ping' ? `ping count ${p.count} interval ${p.intervalS}s` : `http_ping retry ${p.retry} timeout ${p.timeoutS}s`)).join(', ');
    return [vnfAgent(node, spec, 'vnfm-monitor', `${node.name}: VNFM of cluster ${c.name} (${c.members.map((m) => `${m.name} ${m.role}`).join(', ')}; ${pol || 'no monitoring policy'}${c.app ? ', zabbix app monitoring' : ''})`, config)];
  },
  logs: (node) => [agentFiles(node, 'vnfm-monitor').log],
  async ready(node) {
    const f = agentFiles(node, 'vnfm-monitor');
    if (!pidfileAlive(f.pid)) return { ready: false, detail: `the VNFM monitor is not running (see ${f.log})` };
    const s = readJsonFile<VnfmState>(f.state);
    return s?.phase === 'monitoring' ? { ready: true, detail: s.detail } : { ready: false, detail: s ? `${s.phase}: ${s.detail}` : 'starting' };
  },
  async status(node) {
    const f = agentFiles(node, 'vnfm-monitor');
    const running = pidfileAlive(f.pid);
    const s = readJsonFile<VnfmState>(f.state);
    const roles = s ? `${s.members.filter((m) => m.role === 'active' && m.status === 'ACTIVE').length} active, ${s.members.filter((m) => m.role === 'standby' && m.status === 'ACTIVE').length} standby` : '';
    return {
      summary: !running ? 'VNFM monitor is not running' : !s ? 'VNFM monitor starting' : `cluster ${s.cluster} ${s.phase}: VIP ${s.vip} -> ${s.pool.join(', ') || 'none'}; ${roles}`,
      table: {
        head: ['id', 'cluster', 'name', 'role', 'placement', 'address', 'status'],
        rows: (s?.members ?? []).map((m) => [String(m.id), s!.cluster, m.name, m.status === 'DEAD' || m.status === 'ERROR' ? '-' : m.role, m.host, m.address, m.status]),
      },
      data: s,
    };
  },
};

export const vnfServices = [vnfMember, vnfLb, vnfVim, vnfm];
