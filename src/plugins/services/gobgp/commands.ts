/**
 * The gobgp CLI calls that configure a gobgpd started without a config file, in seeds/001's
 * order: global settings (register the router), neighbors, then policies. Pure.
 *
 * GoBGP 3 has no per-neighbor policies outside route-server mode, so "policy P exported towards
 * neighbor N" becomes a global export policy whose statements match a neighbor set holding the
 * neighbors that list P (for export policies GoBGP matches the neighbor a route is sent to).
 */
import { isIP } from 'node:net';
import type { GobgpOptions } from './options.js';

export function neighborSetName(policy: string, dir: 'export' | 'import'): string {
  return `${policy}-${dir}`;
}

export function gobgpCommands(o: GobgpOptions): string[][] {
  const cmds: string[][] = [['global', 'as', String(o.as), 'router-id', o['router-id']]];
  const neighbors = Object.entries(o.neighbors ?? {});
  for (const [addr, n] of neighbors) cmds.push(['neighbor', 'add', addr, 'as', String(n.as)]);
  for (const dir of ['import', 'export'] as const) {
    const applied: string[] = [];
    for (const [policy, statements] of Object.entries(o.policies ?? {})) {
      const peers = neighbors.filter(([, n]) => n[dir]?.includes(policy)).map(([a]) => a);
      if (!peers.length) continue;
      const set = neighborSetName(policy, dir);
      cmds.push(['policy', 'neighbor', 'add', set, ...peers]);
      for (const [name, st] of Object.entries(statements)) {
        cmds.push(['policy', 'statement', 'add', name]);
        cmds.push(['policy', 'statement', name, 'add', 'condition', 'neighbor', set]);
        if (st['next-hop']) cmds.push(['policy', 'statement', name, 'add', 'action', 'next-hop', st['next-hop']]);
        cmds.push(['policy', 'statement', name, 'add', 'action', st.route ?? 'accept']);
      }
      cmds.push(['policy', 'add', policy, ...Object.keys(statements)]);
      applied.push(policy);
    }
    if (applied.length) cmds.push(['global', 'policy', dir, 'add', ...applied, 'default', 'accept']);
  }
  for (const p of o.networks ?? []) cmds.push(['global', 'rib', 'add', p, '-a', isIP(p.split('/')[0]!) === 6 ? 'ipv6' : 'ipv4']);
  return cmds;
}
