/** bgp-best: a node's BGP best path to a prefix (GoBGP's or FRR's table) has a given next hop. */
import { isIP } from 'node:net';
import { inNetns, run } from '../../runtime/netns/proc.js';
import type { StateNode } from '../../runtime/netns/state.js';
import { vtyshJson } from '../services/frr/index.js';
import type { ConditionKind } from './types.js';

interface BgpBestOptions {
  node: string;
  prefix: string;
  /** The best path's next hop; without it, the condition holds when there is a best path at all. */
  via?: string;
}

interface Path {
  nexthop: string;
  best: boolean;
}

const BGP_SERVICES = ['frr', 'gobgp'];
const family = (prefix: string) => (isIP(prefix.split('/')[0]!) === 6 ? 'ipv6' : 'ipv4');

async function gobgpPaths(node: StateNode, prefix: string): Promise<Path[] | string> {
  const r = await run(inNetns(node.ns, ['gobgp', 'global', 'rib', '-a', family(prefix), prefix, '-j']));
  if (r.code !== 0) return `gobgp global rib failed: ${(r.stderr || r.stdout).trim()}`;
  const table = JSON.parse(r.stdout.trim() || '{}') as Record<string, { best?: boolean; attrs?: { type: number; nexthop?: string }[] }[]>;
  return (table[prefix] ?? []).map((p) => ({ best: !!p.best, nexthop: p.attrs?.find((a) => a.type === 3 || a.nexthop)?.nexthop ?? '?' }));
}

async function frrPaths(node: StateNode, prefix: string): Promise<Path[] | string> {
  const r = await vtyshJson<{ paths?: { bestpath?: { overall?: boolean }; nexthops?: { ip?: string }[] }[] }>(node, `show bgp ${family(prefix)} unicast ${prefix} json`);
  if (!r.ok) return r.error;
  return (r.value.paths ?? []).map((p) => ({ best: !!p.bestpath?.overall, nexthop: p.nexthops?.[0]?.ip ?? '?' }));
}

export const bgpBestCondition: ConditionKind<BgpBestOptions> = {
  kind: 'bgp-best',
  summary: "a node's BGP best path to a prefix (GoBGP or FRR) goes via a next hop",
  schema: {
    type: 'object',
    properties: { node: { type: 'string' }, prefix: { type: 'string' }, via: { type: 'string' } },
    required: ['node', 'prefix'],
    additionalProperties: false,
  },
  check(o, node, _lab, report) {
    if (!node.spec.services.some((s) => BGP_SERVICES.includes(s.kind))) report(['node'], `node ${node.name} runs no BGP service (frr or gobgp)`);
    if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(o.prefix) || !isIP(o.prefix.split('/')[0]!)) report(['prefix'], `'${o.prefix}' is not a prefix (e.g. 0.0.0.0/0, 10.0.0.0/24)`);
    if (o.via !== undefined && !isIP(o.via)) report(['via'], `'${o.via}' is not an IP address`);
  },
  describe: (o) => `${o.node} BGP best path to ${o.prefix}${o.via ? ` via ${o.via}` : ''}`,
  async evaluate(o, node) {
    const kind = node.services.find((s) => BGP_SERVICES.includes(s.kind))!.kind;
    const paths = kind === 'gobgp' ? await gobgpPaths(node, o.prefix) : await frrPaths(node, o.prefix);
    if (typeof paths === 'string') return { ok: false, detail: `${node.name}: ${paths}` };
    const best = paths.find((p) => p.best);
    const list = paths.length ? paths.map((p) => `${p.best ? '*> ' : ''}via ${p.nexthop}`).join(', ') : 'not in the table';
    return { ok: !!best && (o.via === undefined || best.nexthop === o.via), detail: `${node.name} ${o.prefix}: ${list}` };
  },
};
