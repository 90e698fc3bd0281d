/**
 * Resolves a node's OVS ports: a patch pair is declared once (`patch: BRIDGE:PORT` on one end), so
 * the peer end is derived here; a declaration of the peer without `patch` only adds its VLAN options.
 */
import type { Path } from '../../../model/path.js';
import type { Bridge, Node } from '../../../model/topology.js';
import { closest } from '../../../util/names.js';

export interface OvsPort {
  bridge: string;
  name: string;
  path: Path;
  type: 'system' | 'patch' | 'internal' | 'vxlan';
  tag?: number;
  trunks?: number[];
  peer?: string;
  /** Internal ports: the node that receives the interface. */
  internalTo?: string;
  vxlan?: { remote: string; key?: number; dstPort?: number };
}

export interface ResolvedPorts {
  ports: OvsPort[];
  problems: { path: Path; message: string; key?: boolean }[];
}

export function ovsBridges(node: Node): Bridge[] {
  return node.bridges.filter((b) => b.kind === 'ovs');
}

function bridgeHint(name: string, bridges: Bridge[]): string {
  const c = closest(name, bridges.map((b) => b.name));
  return c ? ` (did you mean '${c}'?)` : '';
}

export function resolveOvsPorts(node: Node): ResolvedPorts {
  const bridges = ovsBridges(node);
  const problems: ResolvedPorts['problems'] = [];
  const key = (bridge: string, port: string) => `${bridge}\0${port}`;
  const declared = new Map<string, Bridge['ports'][number]>();
  for (const b of bridges) for (const p of b.ports) declared.set(key(b.name, p.name), p);

  // Pass 1: far ends of patch pairs declared once. A plain declaration of such an end only
  // contributes its VLAN options.
  const implicit = new Map<string, OvsPort>();
  for (const b of bridges) {
    for (const p of b.ports) {
      if (!p.patch) continue;
      const peerBridge = bridges.find((x) => x.name === p.patch!.bridge);
      if (!peerBridge) {
        const other = node.bridges.find((x) => x.name === p.patch!.bridge);
        problems.push({
          path: p.patch.path,
          message: other
            ? `patch peer bridge ${other.name} is a ${other.kind} bridge; patch ports join two OVS bridges`
            : `patch peer bridge '${p.patch.bridge}' is not an OVS bridge of node ${node.name}${bridgeHint(p.patch.bridge, bridges)}`,
        });
        continue;
      }
      if (peerBridge.name === b.name) {
        problems.push({ path: p.patch.path, message: `patch port ${p.name} points at its own bridge ${b.name}` });
        continue;
      }
      const peerDecl = declared.get(key(peerBridge.name, p.patch.port));
      const back = peerDecl?.patch;
      if (back) {
        if (back.bridge !== b.name || back.port !== p.name)
          problems.push({ path: back.path, message: `patch port ${p.patch.port} is the peer of ${b.name}:${p.name} but points at ${back.bridge}:${back.port}` });
        continue; // both ends declared explicitly
      }
      const peer: OvsPort = { bridge: peerBridge.name, name: p.patch.port, path: peerDecl?.path ?? p.patch.path, type: 'patch', peer: p.name };
      if (peerDecl?.tag !== undefined) peer.tag = peerDecl.tag;
      if (peerDecl?.trunks !== undefined) peer.trunks = peerDecl.trunks;
      implicit.set(key(peerBridge.name, p.patch.port), peer);
    }
  }

  // Pass 2: every declared port, in file order, with implicit peers placed after their bridge's ports.
  const ports: OvsPort[] = [];
  for (const b of bridges) {
    for (const p of b.ports) {
      const kinds = (['patch', 'internal', 'vxlan'] as const).filter((k) => p[k] !== undefined);
      if (kinds.length > 1) problems.push({ path: p.path, message: `port ${p.name} is ${kinds.join(' and ')} at once; choose one` });
      if (p.tag !== undefined && p.trunks !== undefined)
        problems.push({ path: [...p.path, 'trunks'], message: `port ${p.name} has both 'tag' (access) and 'trunks'; choose one`, key: true });
      if (implicit.has(key(b.name, p.name))) continue;
      const op: OvsPort = { bridge: b.name, name: p.name, path: p.path, type: 'system' };
      if (p.tag !== undefined) op.tag = p.tag;
      if (p.trunks !== undefined) op.trunks = p.trunks;
      if (p.internal) {
        op.type = 'internal';
        op.internalTo = p.internal.node || node.name;
      } else if (p.vxlan) {
        op.type = 'vxlan';
        op.vxlan = { remote: p.vxlan.remote };
        if (p.vxlan.key !== undefined) op.vxlan.key = p.vxlan.key;
        if (p.vxlan.dstPort !== undefined) op.vxlan.dstPort = p.vxlan.dstPort;
      } else if (p.patch) {
        op.type = 'patch';
        op.peer = p.patch.port;
      }
      ports.push(op);
    }
    for (const [k, peer] of implicit) if (k.startsWith(`${b.name}\0`)) ports.push(peer);
  }

  const seen = new Map<string, OvsPort>();
  for (const p of ports) {
    const prev = seen.get(p.name);
    // Two internal ports that land on the same node: the interface inventory reports that clash.
    const sameInterface = prev?.type === 'internal' && p.type === 'internal' && prev.internalTo === p.internalTo;
    if (prev && !sameInterface)
      problems.push({ path: p.path, message: `port name ${p.name} is used twice in node ${node.name} (also on bridge ${prev.bridge}); OVS port names are unique per switch instance` });
    else seen.set(p.name, p);
  }
  return { ports, problems };
}
