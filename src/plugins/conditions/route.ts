/** route: a node's kernel routing table has a route to a prefix (via a next hop, out of an interface), or has none. */
import { isIP } from 'node:net';
import { inNetns, run } from '../../runtime/netns/proc.js';
import { parseCidr } from '../../util/ip.js';
import type { ConditionKind } from './types.js';

interface RouteOptions {
  node: string;
  /** A prefix (10.0.0.0/24), an address (a host route) or `default`. */
  prefix: string;
  via?: string;
  /** The node's interface name, as in the topology. */
  dev?: string;
  /** The route must not be there. */
  absent?: boolean;
}

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  nexthops?: { gateway?: string; dev?: string }[];
}

const canonicalPrefix = (p: string) => (p === 'default' ? '0.0.0.0/0' : p.includes('/') ? p : `${p}/${isIP(p) === 6 ? 128 : 32}`);

export const routeCondition: ConditionKind<RouteOptions> = {
  kind: 'route',
  summary: "a node's kernel routing table has (or lacks) a route to a prefix, optionally via a next hop or out of an interface",
  schema: {
    type: 'object',
    properties: { node: { type: 'string' }, prefix: { type: 'string' }, via: { type: 'string' }, dev: { type: 'string' }, absent: { type: 'boolean' } },
    required: ['node', 'prefix'],
    additionalProperties: false,
  },
  check(o, node, _lab, report) {
    const p = o.prefix === 'default' ? null : parseCidr(canonicalPrefix(o.prefix));
    if (p && !p.ok) report(['prefix'], `'${o.prefix}' is not a prefix (e.g. 10.0.0.0/24, 10.0.0.1 or default): ${p.reason}`);
    if (o.via !== undefined && !isIP(o.via)) report(['via'], `'${o.via}' is not an IP address`);
    if (o.dev !== undefined && !node.ifaces.has(o.dev)) report(['dev'], `node ${node.name} has no interface '${o.dev}'; it has: ${[...node.ifaces.keys()].join(', ')}`);
    if (o.absent && (o.via !== undefined || o.dev !== undefined)) report(['absent'], 'a route that must be absent takes no via or dev');
  },
  describe: (o) => `${o.node} has ${o.absent ? 'no ' : ''}route to ${o.prefix}${o.via ? ` via ${o.via}` : ''}${o.dev ? ` dev ${o.dev}` : ''}`,
  async evaluate(o, node) {
    const prefix = canonicalPrefix(o.prefix);
    const family = isIP(prefix.split('/')[0]!) === 6 ? '-6' : '-4';
    const r = await run(inNetns(node.ns, ['ip', family, '-j', 'route', 'show', 'exact', prefix]));
    if (r.code !== 0) return { ok: false, detail: `ip route show in ${node.name} failed: ${r.stderr.trim()}` };
    const routes = JSON.parse(r.stdout || '[]') as IpRoute[];
    const toName = new Map(node.ifaces.map((i) => [i.kname, i.name]));
    const hops = routes.flatMap((rt) => (rt.nexthops?.length ? rt.nexthops : [rt]).map((h) => ({ via: h.gateway, dev: h.dev ? (toName.get(h.dev) ?? h.dev) : undefined })));
    const seen = hops.length ? hops.map((h) => `${o.prefix}${h.via ? ` via ${h.via}` : ''}${h.dev ? ` dev ${h.dev}` : ''}`).join(', ') : `no route to ${o.prefix}`;
    if (o.absent) return { ok: hops.length === 0, detail: `${node.name}: ${seen}` };
    const ok = hops.some((h) => (o.via === undefined || h.via === o.via) && (o.dev === undefined || h.dev === o.dev));
    return { ok, detail: `${node.name}: ${seen}` };
  },
};
