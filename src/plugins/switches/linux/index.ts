/**
 * Linux bridge (`kind: linux`, the default) inside a node. This kernel has no bridge VLAN filtering
 * and no 802.1Q sub-interfaces, so VLAN tags and trunks need an OVS bridge.
 */
import type { Action } from '../../../model/plan.js';
import type { SwitchKind } from '../../types.js';

export const linuxBridge: SwitchKind = {
  kind: 'linux',
  summary: 'Linux bridge in the node (no VLANs on this kernel)',
  requires: [],
  needsTxOff: false,

  interfaces: (bridge, owner) => [{ node: owner.name, name: bridge.name, path: bridge.path, origin: 'bridge' }],

  check(bridge, owner, ctx) {
    for (const p of bridge.ports) {
      const unsupported = (['tag', 'trunks', 'patch', 'internal', 'vxlan'] as const).filter((k) => p[k] !== undefined);
      for (const k of unsupported) {
        const why = k === 'tag' || k === 'trunks' ? 'this kernel has no bridge VLAN filtering' : `${k} ports are OVS features`;
        ctx.report(ctx.src.diag([...p.path, k], `'${k}' needs 'kind: ovs' on bridge ${bridge.name} (${why})`, { key: true }));
      }
      if (!unsupported.length && !ctx.hasInterface(owner.name, p.name))
        ctx.report(ctx.src.diag(p.path, `port '${p.name}' is not an interface of node ${owner.name} (declare it in links first)`));
    }
  },

  plan(node, bridges) {
    const actions: Action[] = [];
    for (const br of bridges) {
      const k = node.ifaces.get(br.name)!.kname;
      actions.push({
        id: `bridge:${node.name}:${br.name}`,
        phase: 'switches',
        node: node.name,
        what: `create Linux bridge ${br.name} in ${node.name}`,
        path: br.path,
        do: [{ t: 'ip', ns: node.ns, args: ['link', 'add', 'name', k, 'type', 'bridge'] }],
        undo: [],
        coveredBy: `netns:${node.name}`,
      });
      for (const p of br.ports) {
        actions.push({
          id: `bridge-port:${node.name}:${br.name}:${p.name}`,
          // After internal ports are handed over, before addresses: see model/plan.ts phases.
          phase: 'interfaces',
          node: node.name,
          what: `add ${p.name} to bridge ${br.name}`,
          path: p.path,
          do: [{ t: 'ip', ns: node.ns, args: ['link', 'set', 'dev', node.ifaces.get(p.name)!.kname, 'master', k] }],
          undo: [],
          coveredBy: `netns:${node.name}`,
        });
      }
    }
    return actions;
  },
};
