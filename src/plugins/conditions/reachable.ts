/** reachable: one ICMP echo from a node to an address (or a node) is answered within a second. */
import { isIP } from 'node:net';
import { inNetns, run } from '../../runtime/netns/proc.js';
import { resolveDst } from '../../runtime/netns/resolve.js';
import type { ConditionKind } from './types.js';

interface ReachableOptions {
  node: string;
  to: string;
  /** The address must not answer. */
  absent?: boolean;
}

export const reachableCondition: ConditionKind<ReachableOptions> = {
  kind: 'reachable',
  summary: 'a ping from a node to an address (or a node) is answered within 1 s (or, with absent, is not)',
  schema: {
    type: 'object',
    properties: { node: { type: 'string' }, to: { type: 'string' }, absent: { type: 'boolean' } },
    required: ['node', 'to'],
    additionalProperties: false,
  },
  check(o, _node, lab, report) {
    if (!isIP(o.to) && !lab.nodes.some((n) => n.name === o.to)) report(['to'], `'${o.to}' is neither an IP address nor a node of the topology`);
  },
  describe: (o) => `${o.node} ${o.absent ? 'cannot reach' : 'reaches'} ${o.to}`,
  async evaluate(o, node, state) {
    const { address } = resolveDst(state, o.to);
    const r = await run(inNetns(node.ns, ['ping', '-n', '-q', '-c', '1', '-W', '1', address]));
    const answered = r.code === 0;
    return { ok: answered !== !!o.absent, detail: `${node.name} -> ${address}: ${answered ? 'answered' : 'no answer'}` };
  },
};
