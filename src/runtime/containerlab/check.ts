/**
 * Checks containerlab's schema leaves out: the brief link form `"node:interface"` (its pattern is
 * under `prefixItems`, which draft-07 ignores), and that endpoints name nodes of the file.
 */
import type { ClabTopology } from './types.js';

const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

export function endpointProblems(doc: ClabTopology): string[] {
  const problems: string[] = [];
  const nodes = doc.topology.nodes;
  const used = new Map<string, number>();
  const check = (node: string, iface: string, where: string) => {
    if (!(node in nodes)) problems.push(`${where}: node '${node}' is not in topology.nodes`);
    if (!IFNAME.test(iface)) problems.push(`${where}: interface '${iface}' is not an interface name of at most 15 characters`);
    const key = `${node}:${iface}`;
    if (used.has(key)) problems.push(`${where}: endpoint ${key} is also used by link ${used.get(key)}`);
    used.set(key, Number(where.replace(/\D+/g, '')));
  };
  doc.topology.links.forEach((l, i) => {
    const where = `links[${i}]`;
    if ('endpoints' in l) {
      if (l.endpoints.length !== 2) problems.push(`${where}: a link has 2 endpoints, not ${l.endpoints.length}`);
      for (const e of l.endpoints) {
        const m = /^([^:\s]+):([^:\s]+)$/.exec(e);
        if (!m) problems.push(`${where}: endpoint '${e}' is not NODE:INTERFACE`);
        else check(m[1]!, m[2]!, where);
      }
    } else check(l.endpoint.node, l.endpoint.interface, where);
  });
  // Host-side names share the host's namespace: they must be unique across bridges and ports.
  const hostNames = new Map<string, string>();
  for (const [name, n] of Object.entries(nodes)) if (n.kind !== 'linux') hostNames.set(name, 'bridge');
  for (const key of used.keys()) {
    const [node, iface] = key.split(':') as [string, string];
    if (nodes[node]?.kind === 'linux') continue;
    if (hostNames.has(iface)) problems.push(`host interface ${iface} (port of ${node}) clashes with a ${hostNames.get(iface)} of the same name`);
    hostNames.set(iface, `port of ${node}`);
  }
  return problems;
}
