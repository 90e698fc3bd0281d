/** vrrp: a node's VRRP instance (keepalived) is in a state (MASTER by default). */
import { serviceKinds } from '../services/index.js';
import { resolveInstances, type KeepalivedOptions } from '../services/keepalived/options.js';
import type { ConditionKind } from './types.js';

interface VrrpOptions {
  node: string;
  /** Default: every instance of the node. */
  instance?: string;
  state?: 'MASTER' | 'BACKUP' | 'FAULT';
}

export const vrrpCondition: ConditionKind<VrrpOptions> = {
  kind: 'vrrp',
  summary: "a node's VRRP instance (keepalived) is MASTER (or BACKUP, FAULT)",
  schema: {
    type: 'object',
    properties: { node: { type: 'string' }, instance: { type: 'string' }, state: { enum: ['MASTER', 'BACKUP', 'FAULT'] } },
    required: ['node'],
    additionalProperties: false,
  },
  check(o, node, _lab, report) {
    const spec = node.spec.services.find((s) => s.kind === 'keepalived');
    if (!spec) return report(['node'], `node ${node.name} runs no keepalived (VRRP) service`);
    const names = resolveInstances(spec.options as unknown as KeepalivedOptions).map((i) => i.name);
    if (o.instance !== undefined && !names.includes(o.instance)) report(['instance'], `node ${node.name} has no VRRP instance '${o.instance}'; it has: ${names.join(', ')}`);
  },
  describe: (o) => `${o.node} VRRP ${o.instance ?? 'every instance'} is ${o.state ?? 'MASTER'}`,
  async evaluate(o, node) {
    const spec = node.services.find((s) => s.kind === 'keepalived')!;
    const st = await serviceKinds.get('keepalived')!.status(node, spec);
    const data = st.data as { running: boolean; instances: { name: string; state: string; priority: number }[] };
    const want = o.state ?? 'MASTER';
    const list = data.instances.filter((i) => o.instance === undefined || i.name === o.instance);
    return {
      ok: data.running && list.length > 0 && list.every((i) => i.state === want),
      detail: data.running ? list.map((i) => `${node.name} VRRP ${i.name} is ${i.state} (priority ${i.priority})`).join(', ') : `keepalived is not running in ${node.name}`,
    };
  },
};
