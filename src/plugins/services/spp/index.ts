/**
 * spp: an SPP-style patch panel (seeds/003) on an OVS node. The node holds one OVS bridge per
 * spp_vf (named like the vf, `vf1`), whose ports are the physical NIC (`nic0`) and the vhost ports
 * to the VMs (`vhost0`...), all declared in the topology as the bridge's ports. The service adds the
 * rings (a patch-port pair each: `ringN` -> `ringN-deq`), makes the bridge fail-mode secure (no
 * NORMAL switching: only the components' rules forward), writes the memo's per-NIC file, and runs
 * halab's spp-agent (src/agents/spp-agent.ts), which takes the memo's JSON batches over TCP and
 * programs the bridge's flow table at each flush.
 */
import { isIP } from 'node:net';
import type { LabNode } from '../../../model/lab.js';
import type { Action, Step } from '../../../model/plan.js';
import { eventsFile } from '../../../runtime/events.js';
import { isAlive, readJsonFile } from '../../../runtime/netns/proc.js';
import { ovsDb, ovsEnv } from '../../switches/ovs/daemons.js';
import type { RunNode, ServiceKind } from '../../types.js';
import { agentAction, agentFiles } from '../agent.js';
import { MAX_COMMANDS, ringDeq, ringNames, summarize, vhostNames, type PortMap, type SppState } from './batch.js';
import { DEFAULTS, sppSchema, vfConfig, type SppOptions } from './options.js';

export function sppFiles(node: { dir: string }) {
  const f = agentFiles(node, 'spp', 'spp-agent');
  return { ...f, vfConfig: `${f.dir}/spp_vf.json` };
}

export interface SppStateFile {
  pid: number;
  address: string;
  port: number;
  apply: string;
  process: { process_id: number; name: string };
  state: SppState;
  flows: string[];
  batches: number;
  rejected: number;
}

export function readSppState(node: { dir: string }): SppStateFile | null {
  return readJsonFile<SppStateFile>(sppFiles(node).state);
}

function portMap(node: LabNode, o: SppOptions): PortMap {
  const cfg = vfConfig(o);
  const kname = (n: string) => node.ifaces.get(n)?.kname ?? n;
  return { ports: Object.fromEntries([cfg.nic, ...vhostNames(cfg)].map((p) => [p, kname(p)])) };
}

export const spp: ServiceKind = {
  kind: 'spp',
  summary: 'SPP-style patch panel: classifier/merge/forward components as OVS flows, driven by JSON command batches (seeds/003)',
  schema: sppSchema,
  requires: [{ program: 'ovs-ofctl', pkg: 'openvswitch-switch' }],

  check(spec, node, ctx) {
    const o = spec.options as unknown as SppOptions;
    const at = (...p: (string | number)[]) => [...spec.path, ...p];
    const err = (p: readonly (string | number)[], m: string) => ctx.report(ctx.src.diag(p, m));
    if (o.vfs.length > 1) err(at('vfs', 1), `one spp_vf per physical NIC: a patch-panel node holds one vf (this one has ${o.vfs.length}); make a node per NIC`);
    const vf = o.vfs[0]!;
    if (vf.num_ring !== vf.num_vhost * 2)
      err(at('vfs', 0, 'num_ring'), `num_ring ${vf.num_ring} must be num_vhost x 2 = ${vf.num_vhost * 2}: each vhost has a classifier->forward ring and a forward->merge ring`);
    const mask = o['core-mask'] ?? DEFAULTS.coreMask;
    const cores = vfConfig(o).cores;
    if (o['core-mask'] !== undefined && (!/^0x[0-9a-f]+$/i.test(mask) || cores.length < 3))
      err(at('core-mask'), `core-mask '${mask}' must be a hex mask (0x3ffd) with a master core and at least 3 more (classifier, merge, a forward)`);
    if (o.address !== undefined) {
      const own = node.interfaces.flatMap((i) => i.addresses.map((a) => a.ip));
      if (isIP(o.address) !== 4) err(at('address'), `address '${o.address}' is not an IPv4 address`);
      else if (!o.address.startsWith('127.') && !own.includes(o.address))
        err(at('address'), `address ${o.address} is not an address of node ${node.name}${own.length ? ` (its addresses: ${own.join(', ')})` : ''}; the agent listens on 127.0.0.1 by default`);
    }
    // The vf's bridge: an OVS bridge of this node named like the vf, with the NIC and vhost ports.
    const br = node.bridges.find((b) => b.name === vf.name);
    if (!br) {
      err(at('vfs', 0, 'name'), `node ${node.name} has no bridge '${vf.name}': declare an OVS bridge named like the vf, with ports ${[o.nic ?? DEFAULTS.nic, ...Array.from({ length: vf.num_vhost }, (_, i) => `vhost${i}`)].join(', ')}`);
      return;
    }
    if (br.kind !== 'ovs') {
      err(at('vfs', 0, 'name'), `bridge ${vf.name} is a ${br.kind} bridge; the patch panel needs kind: ovs`);
      return;
    }
    const ports = br.ports.map((p) => p.name);
    const nic = o.nic ?? DEFAULTS.nic;
    const want = [nic, ...Array.from({ length: vf.num_vhost }, (_, i) => `vhost${i}`)];
    const missing = want.filter((p) => !ports.includes(p));
    if (missing.length) err(at(o.nic !== undefined && missing.includes(nic) ? 'nic' : 'vfs', ...(o.nic !== undefined && missing.includes(nic) ? [] : [0, 'num_vhost'])), `bridge ${vf.name} has no port${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (its ports: ${ports.join(', ') || 'none'}); num_vhost ${vf.num_vhost} needs vhost0..vhost${vf.num_vhost - 1}`);
    for (const p of br.ports) {
      if (/^ring\d+(-deq)?$/.test(p.name)) err(p.path, `port name ${p.name} is taken by the patch panel's rings`);
      else if (!want.includes(p.name)) err(p.path, `port ${p.name} is not part of the patch panel: bridge ${vf.name} holds only ${want.join(', ')}`);
      else if (p.internal || p.patch || p.vxlan || p.tag !== undefined || p.trunks) err(p.path, `port ${p.name} of the patch panel is a plain link end (no tag, trunks, patch, internal or vxlan)`);
    }
  },

  plan(node, spec, ctx) {
    const o = spec.options as unknown as SppOptions;
    const cfg = vfConfig(o);
    const f = sppFiles(node);
    const db = ovsDb(node);
    const bridge = node.ifaces.get(cfg.name)?.kname ?? cfg.name;
    const vsctl = (...args: string[]): Step => ({ t: 'ovs-vsctl', db, args });
    const rings = ringNames(cfg);
    const agentConfig = {
      vf: cfg,
      map: portMap(node, o),
      bridge,
      address: o.address ?? DEFAULTS.address,
      port: o.port ?? DEFAULTS.port,
      apply: o.apply ?? DEFAULTS.apply,
      node: node.name,
      events: eventsFile(ctx.lab.stateDir),
      state: f.state,
      dir: f.dir,
    };
    const ringsAction: Action = {
      id: `spp-rings:${node.name}`,
      phase: 'services',
      node: node.name,
      what: `patch panel ${cfg.name} in ${node.name}: ${rings.length} rings (patch pairs ringN -> ringN-deq), fail-mode secure`,
      path: spec.path,
      do: [
        vsctl('set-fail-mode', bridge, 'secure'),
        ...rings.flatMap((r) => [
          vsctl('add-port', bridge, r, '--', 'set', 'interface', r, 'type=patch', `options:peer=${ringDeq(r)}`),
          vsctl('add-port', bridge, ringDeq(r), '--', 'set', 'interface', ringDeq(r), 'type=patch', `options:peer=${r}`),
        ]),
        { t: 'exec', ns: node.ns, env: ovsEnv(node), argv: ['ovs-ofctl', 'del-flows', bridge] },
      ],
      undo: [],
      coveredBy: `ovs-bridge:${node.name}:${cfg.name}`,
    };
    const agent = agentAction({
      id: `spp:${node.name}`,
      node,
      spec,
      what: `spp-agent in ${node.name}: spp_vf ${cfg.name} (process ${cfg.processId}, cores ${cfg.cores.join(',')}), batches on ${agentConfig.address}:${agentConfig.port}, apply ${agentConfig.apply}`,
      program: 'spp-agent',
      files: f,
      // The memo's per-NIC configuration file, as spp_vf --config would read it.
      extraFiles: [{ path: f.vfConfig, content: JSON.stringify({ vfs: o.vfs }, null, 2) + '\n' }],
      config: agentConfig,
      env: ovsEnv(node),
    });
    return [ringsAction, agent];
  },

  async ready(node) {
    const s = readSppState(node);
    if (!s) return { ready: false, detail: 'spp-agent has not started listening (see spp-agent.log)' };
    if (!isAlive(s.pid)) return { ready: false, detail: `spp-agent (pid ${s.pid}) has exited (see spp-agent.log)` };
    return { ready: true, detail: `spp-agent listening on ${s.address}:${s.port}` };
  },

  async status(node, spec) {
    const o = spec.options as unknown as SppOptions;
    const s = readSppState(node);
    const running = !!s && isAlive(s.pid);
    const comps = s ? Object.values(s.state.components).sort((a, b) => a.core - b.core) : [];
    return {
      summary: running
        ? `spp_vf ${s!.process.name} on ${s!.address}:${s!.port} (${s!.apply}): ${summarize(s!.state)}; ${s!.batches} batches applied, ${s!.rejected} rejected`
        : `spp-agent for ${o.vfs[0]!.name} is not running`,
      table: { head: ['node', 'core', 'component', 'rx', 'tx'], rows: comps.map((c) => [node.name, String(c.core), c.type, c.rx.join(','), c.tx.join(',')]) },
      data: { running, maxCommands: MAX_COMMANDS, ...(s ?? {}) },
    };
  },

  logs(node: RunNode) {
    return [sppFiles(node).log];
  },
};
