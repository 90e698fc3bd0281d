/**
 * Open vSwitch bridges (`kind: ovs`) with the userspace datapath (this kernel has no OVS module):
 * access (tag) and trunk ports, patch pairs, internal ports (optionally handed to another node),
 * VXLAN ports. Userspace VXLAN needs the underlay address on an OVS bridge's own interface.
 */
import { createHash } from 'node:crypto';
import type { LabNode } from '../../../model/lab.js';
import type { Action, Step } from '../../../model/plan.js';
import { closest } from '../../../util/names.js';
import type { CheckCtx, SwitchKind } from '../../types.js';
import { daemonActions, ovsDb } from './daemons.js';
import { ovsBridges, resolveOvsPorts, type OvsPort } from './ports.js';

export const ovs: SwitchKind = {
  kind: 'ovs',
  summary: 'Open vSwitch bridge, userspace datapath, one OVS instance per node',
  requires: [
    { program: 'ovs-vswitchd', pkg: 'openvswitch-switch' },
    { program: 'ovsdb-server', pkg: 'openvswitch-switch' },
    { program: 'ovs-vsctl', pkg: 'openvswitch-switch' },
    { program: 'ethtool', pkg: 'ethtool' },
  ],
  needsTxOff: true,

  interfaces(bridge, owner) {
    const out: ReturnType<SwitchKind['interfaces']> = [{ node: owner.name, name: bridge.name, path: bridge.path, origin: 'bridge' }];
    for (const p of bridge.ports) if (p.internal) out.push({ node: p.internal.node || owner.name, name: p.name, path: p.path, origin: 'internal' });
    return out;
  },

  check(bridge, owner, ctx) {
    // Node-wide checks (patch pairs, unique port names) run once, on the node's first OVS bridge.
    const first = ovsBridges(owner)[0];
    if (first === bridge) {
      for (const pr of resolveOvsPorts(owner).problems) ctx.report(ctx.src.diag(pr.path, pr.message, { key: pr.key ?? false }));
    }
    for (const p of bridge.ports) {
      if (p.internal?.node && !ctx.node(p.internal.node))
        ctx.report(ctx.src.diag(p.internal.path, `internal port ${p.name} is handed to node '${p.internal.node}', which is not defined${nodeHint(ctx, p.internal.node)}`));
      if (!p.internal && !p.patch && !p.vxlan && !ctx.hasInterface(owner.name, p.name) && !isImplicitPeer(owner, bridge.name, p.name))
        ctx.report(ctx.src.diag(p.path, `port '${p.name}' is not an interface of node ${owner.name} (declare it in links, or make it internal, patch or vxlan)`));
    }
  },

  plan(node, bridges, ctx) {
    if (!bridges.length) return [];
    const db = ovsDb(node);
    const actions = daemonActions(node);
    const vsctl = (...args: string[]): Step => ({ t: 'ovs-vsctl', db, args });
    const kname = (n: string) => node.ifaces.get(n)?.kname ?? n;
    for (const br of bridges) {
      const k = kname(br.name);
      actions.push({
        id: `ovs-bridge:${node.name}:${br.name}`,
        phase: 'switches',
        node: node.name,
        what: `create OVS bridge ${br.name} in ${node.name}`,
        path: br.path,
        // A fixed MAC: otherwise the bridge takes its lowest port's MAC, which changes as ports are
        // added, and a VXLAN peer that learned the old one has its packets to the tunnel endpoint
        // go to the kernel instead of being decapsulated (native tunneling checks the bridge MAC).
        do: [vsctl('add-br', k, '--', 'set', 'bridge', k, 'datapath_type=netdev', `other-config:hwaddr="${bridgeMac(node, br.name)}"`)],
        undo: [vsctl('--if-exists', 'del-br', k)],
      });
    }
    for (const p of resolveOvsPorts(node.spec).ports) {
      actions.push({
        id: `ovs-port:${node.name}:${p.bridge}:${p.name}`,
        phase: 'switches',
        node: node.name,
        what: describe(p),
        path: p.path,
        do: [vsctl(...portArgs(p, kname))],
        undo: [],
        coveredBy: `ovs-bridge:${node.name}:${p.bridge}`,
      });
      if (p.type === 'internal' && p.internalTo && p.internalTo !== node.name) {
        const target = ctx.lab.node(p.internalTo).ns;
        actions.push({
          id: `handoff:${node.name}:${p.name}`,
          phase: 'handoff',
          node: node.name,
          what: `hand internal port ${p.name} to ${p.internalTo}`,
          path: p.path,
          do: [{ t: 'ip', ns: node.ns, args: ['link', 'set', 'dev', kname(p.name), 'netns', target] }],
          undo: [],
          coveredBy: `ovs-bridge:${node.name}:${p.bridge}`,
        });
      }
    }
    return actions;
  },
};

function nodeHint(ctx: CheckCtx, name: string): string {
  const c = closest(name, ctx.topo.nodes.map((n) => n.name));
  return c ? ` (did you mean '${c}'?)` : '';
}

function isImplicitPeer(owner: Parameters<SwitchKind['check']>[1], bridge: string, port: string): boolean {
  return owner.bridges.some((b) => b.kind === 'ovs' && b.ports.some((p) => p.patch?.bridge === bridge && p.patch.port === port));
}

function portArgs(p: OvsPort, kname: (n: string) => string): string[] {
  const name = kname(p.name);
  const args = ['add-port', kname(p.bridge), name];
  if (p.tag !== undefined) args.push(`tag=${p.tag}`);
  if (p.trunks?.length) args.push(`trunks=${p.trunks.join(',')}`);
  switch (p.type) {
    case 'patch':
      args.push('--', 'set', 'interface', name, 'type=patch', `options:peer=${kname(p.peer!)}`);
      break;
    case 'internal':
      args.push('--', 'set', 'interface', name, 'type=internal');
      break;
    case 'vxlan': {
      args.push('--', 'set', 'interface', name, 'type=vxlan', `options:remote_ip=${p.vxlan!.remote}`);
      if (p.vxlan!.key !== undefined) args.push(`options:key=${p.vxlan!.key}`);
      if (p.vxlan!.dstPort !== undefined) args.push(`options:dst_port=${p.vxlan!.dstPort}`);
      break;
    }
    case 'system':
      break;
  }
  return args;
}

function describe(p: OvsPort): string {
  const vlan = p.tag !== undefined ? ` (access, VLAN ${p.tag})` : p.trunks ? ` (trunk, VLANs ${p.trunks.join(',')})` : '';
  switch (p.type) {
    case 'patch':
      return `patch port ${p.name} on ${p.bridge}, peer ${p.peer}${vlan}`;
    case 'internal':
      return `internal port ${p.name} on ${p.bridge}${vlan}`;
    case 'vxlan':
      return `VXLAN port ${p.name} on ${p.bridge} to ${p.vxlan!.remote}`;
    default:
      return `port ${p.name} on ${p.bridge}${vlan}`;
  }
}

/** The bridge interface's configured MAC, else a locally administered one derived from the node and bridge names. */
function bridgeMac(node: LabNode, bridge: string): string {
  const set = node.spec.interfaces.find((i) => i.name === bridge)?.mac;
  if (set) return set.toLowerCase();
  const h = createHash('sha1').update(`${node.name}/${bridge}`).digest();
  return ['02', ...[...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
