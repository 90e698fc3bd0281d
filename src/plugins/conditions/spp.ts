/**
 * spp: what a patch panel's data path (seeds/003, the `spp` service) does now, asked of OVS itself.
 * `mac` + `reaches`: a frame from the NIC to this destination MAC leaves through exactly this
 * vhost port (`none`: is dropped), as `ovs-appctl ofproto/trace` follows it through the classifier,
 * the ring and the forward. `cleared: true`: no classifier and no merge are registered, and no rule
 * of the bridge takes frames from the NIC or sends them to it.
 */
import { readFileSync } from 'node:fs';
import { inNetns, run } from '../../runtime/netns/proc.js';
import type { StateNode } from '../../runtime/netns/state.js';
import { readSppState, sppFiles } from '../services/spp/index.js';
import { vfConfig, type AgentConfig, type SppOptions } from '../services/spp/options.js';
import type { ConditionKind } from './types.js';

interface SppCondOptions {
  node: string;
  mac?: string;
  /** A vhost port (vhost0), or `none`. */
  reaches?: string;
  cleared?: boolean;
}

function agentConfig(node: StateNode): AgentConfig | null {
  try {
    return JSON.parse(readFileSync(sppFiles(node).config, 'utf8')) as AgentConfig;
  } catch {
    return null;
  }
}

function ovsEnv(node: StateNode): Record<string, string> {
  const d = `${node.dir}/ovs`;
  return { ...(process.env as Record<string, string>), OVS_RUNDIR: d, OVS_DBDIR: d, OVS_LOGDIR: d };
}

export const sppCondition: ConditionKind<SppCondOptions> = {
  kind: 'spp',
  summary: "a patch panel's data path: where frames to a MAC go (ofproto/trace), or that classifier and merge are cleared",
  schema: {
    type: 'object',
    properties: { node: { type: 'string' }, mac: { type: 'string' }, reaches: { type: 'string' }, cleared: { type: 'boolean' } },
    required: ['node'],
    additionalProperties: false,
  },
  check(o, node, _lab, report) {
    const spec = node.spec.services.find((s) => s.kind === 'spp');
    if (!spec) return report(['node'], `node ${node.name} runs no spp (patch panel) service`);
    const cfg = vfConfig(spec.options as unknown as SppOptions);
    const vhosts = Array.from({ length: cfg.numVhost }, (_, i) => `vhost${i}`);
    if (o.cleared !== undefined && (o.mac !== undefined || o.reaches !== undefined)) return report(['cleared'], 'use either cleared, or mac with reaches');
    if (o.cleared === false) return report(['cleared'], 'cleared: false checks nothing; write cleared: true, or check a MAC with mac and reaches');
    if (o.cleared === undefined) {
      if (o.mac === undefined) return report([], 'an spp condition needs mac (with reaches) or cleared: true');
      if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(o.mac)) report(['mac'], `'${o.mac}' is not a MAC address (xx:xx:xx:xx:xx:xx)`);
      if (o.reaches === undefined) report(['mac'], `say where frames to ${o.mac} must go: reaches: ${vhosts[0]} (or none)`);
      else if (o.reaches !== 'none' && !vhosts.includes(o.reaches)) report(['reaches'], `reaches '${o.reaches}' is not a vhost port of ${cfg.name} (${vhosts.join(', ')}) or none`);
    }
  },
  describe: (o) => (o.cleared ? `${o.node} patch panel has no classifier and no merge` : `${o.node} patch panel sends frames to ${o.mac} to ${o.reaches === 'none' ? 'no port' : `${o.reaches} only`}`),
  async evaluate(o, node) {
    const ac = agentConfig(node);
    const st = readSppState(node);
    if (!ac || !st) return { ok: false, detail: `the spp-agent of ${node.name} has not started` };
    const nic = ac.map.ports[ac.vf.nic] ?? ac.vf.nic;
    if (o.cleared) {
      const shared = Object.values(st.state.components).filter((c) => c.type === 'classifier' || c.type === 'merge');
      const r = await run(inNetns(node.ns, ['ovs-ofctl', '--no-stats', '--names', 'dump-flows', ac.bridge]), { env: ovsEnv(node) });
      if (r.code !== 0) return { ok: false, detail: `ovs-ofctl dump-flows in ${node.name} failed: ${r.stderr.trim()}` };
      const rules = r.stdout.split('\n').filter((l) => l.includes(`in_port=${nic}`) || l.includes(`output:${nic}`) || new RegExp(`actions=.*\\b${nic}\\b`).test(l));
      const ok = shared.length === 0 && rules.length === 0;
      return {
        ok,
        detail: `${node.name}: ${shared.length ? shared.map((c) => `${c.type} on core ${c.core}`).join(', ') : 'no classifier, no merge'}; ${rules.length} rules from or to ${ac.vf.nic}`,
      };
    }
    const r = await run(inNetns(node.ns, ['ovs-appctl', 'ofproto/trace', '--names', ac.bridge, `in_port=${nic},dl_dst=${o.mac!.toLowerCase()}`]), { env: ovsEnv(node) });
    if (r.code !== 0) return { ok: false, detail: `ofproto/trace in ${node.name} failed: ${r.stderr.trim()}` };
    const m = /Datapath actions:\s*(.*)/.exec(r.stdout);
    const toName = new Map(Object.entries(ac.map.ports).map(([name, k]) => [k, name]));
    const outs = !m || m[1]!.trim() === 'drop' ? [] : m[1]!.split(',').map((a) => a.trim()).map((a) => toName.get(a) ?? a);
    const want = o.reaches === 'none' ? [] : [o.reaches!];
    const ok = outs.length === want.length && want.every((w) => outs.includes(w));
    return { ok, detail: `${node.name}: frames from ${ac.vf.nic} to ${o.mac} go to ${outs.length ? outs.join(', ') : 'no port (dropped)'}` };
  },
};
