/** bgp: a node's BGP sessions (FRR or GoBGP) are Established, or down. */
import { serviceKinds } from '../services/index.js';
import type { ConditionKind } from './types.js';

interface BgpOptions {
  node: string;
  /** Default: every neighbor the node configures. */
  neighbor?: string;
  state?: 'established' | 'down';
}

const BGP_SERVICES = ['frr', 'gobgp'];

/** Neighbor address -> session state, upper-case (ESTABLISHED, ACTIVE, IDLE...), from the service's status data. */
async function sessions(node: Parameters<ConditionKind['evaluate']>[1]): Promise<Map<string, string> | string> {
  const spec = node.services.find((s) => BGP_SERVICES.includes(s.kind))!;
  const st = await serviceKinds.get(spec.kind)!.status(node, spec);
  const data = st.data as { neighbors?: Record<string, { state?: string } | null>; error?: string };
  if (!data?.neighbors) return st.summary;
  return new Map(Object.entries(data.neighbors).map(([a, n]) => [a, (n?.state ?? 'NOT CONFIGURED').toUpperCase()]));
}

export const bgpCondition: ConditionKind<BgpOptions> = {
  kind: 'bgp',
  summary: "a node's BGP sessions (FRR or GoBGP) are established (or down)",
  schema: {
    type: 'object',
    properties: { node: { type: 'string' }, neighbor: { type: 'string' }, state: { enum: ['established', 'down'] } },
    required: ['node'],
    additionalProperties: false,
  },
  check(o, node, _lab, report) {
    const spec = node.spec.services.find((s) => BGP_SERVICES.includes(s.kind));
    if (!spec) return report(['node'], `node ${node.name} runs no BGP service (frr or gobgp)`);
    const opts = spec.options as { neighbors?: Record<string, unknown>; bgp?: { neighbors?: Record<string, unknown> } };
    const neighbors = Object.keys((spec.kind === 'frr' ? opts.bgp?.neighbors : opts.neighbors) ?? {});
    if (o.neighbor !== undefined && !neighbors.includes(o.neighbor)) report(['neighbor'], `node ${node.name} has no BGP neighbor ${o.neighbor}; it has: ${neighbors.join(', ') || 'none'}`);
  },
  describe: (o) => `${o.node} BGP ${o.neighbor ? `session with ${o.neighbor}` : 'sessions'} ${o.state === 'down' ? 'down' : 'Established'}`,
  async evaluate(o, node) {
    const s = await sessions(node);
    if (typeof s === 'string') return { ok: o.state === 'down', detail: s };
    const list = [...s].filter(([a]) => o.neighbor === undefined || a === o.neighbor);
    const up = (st: string) => st === 'ESTABLISHED';
    return {
      ok: list.length > 0 && list.every(([, st]) => (o.state === 'down' ? !up(st) : up(st))),
      detail: list.map(([a, st]) => `${node.name} neighbor ${a} ${st}`).join(', '),
    };
  },
};
