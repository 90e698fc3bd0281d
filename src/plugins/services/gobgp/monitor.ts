/** Parsing `gobgp monitor global rib -j` lines: best-path updates and withdrawals. Pure. */
export interface RibUpdate {
  prefix: string;
  /** Next hop of the new best path; undefined for a withdrawal. */
  nexthop?: string;
  withdrawal: boolean;
  /** Neighbor the path came from (absent for locally originated routes). */
  from?: string;
  asPath: number[];
}

interface Attr {
  type: number;
  nexthop?: string;
  nexthops?: string[];
  as_paths?: { asns?: number[] }[];
}

interface MonitoredPath {
  nlri?: { prefix?: string };
  attrs?: Attr[];
  withdrawal?: boolean;
  'neighbor-ip'?: string;
}

export function parseMonitorLine(line: string): RibUpdate[] {
  const t = line.trim();
  if (!t.startsWith('[') && !t.startsWith('{')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return [];
  }
  const paths = (Array.isArray(parsed) ? parsed : [parsed]) as MonitoredPath[];
  const out: RibUpdate[] = [];
  for (const p of paths) {
    const prefix = p.nlri?.prefix;
    if (!prefix) continue;
    const attrs = p.attrs ?? [];
    // NEXT_HOP (type 3) for IPv4; MP_REACH_NLRI (type 14) carries IPv6 next hops.
    const nexthop = attrs.find((a) => a.type === 3)?.nexthop ?? attrs.find((a) => a.type === 14)?.nexthops?.[0];
    const asPath = attrs.filter((a) => a.type === 2).flatMap((a) => (a.as_paths ?? []).flatMap((s) => s.asns ?? []));
    const u: RibUpdate = { prefix, withdrawal: !!p.withdrawal, asPath };
    if (!u.withdrawal && nexthop) u.nexthop = nexthop;
    if (p['neighbor-ip'] && p['neighbor-ip'] !== '<nil>') u.from = p['neighbor-ip'];
    out.push(u);
  }
  return out;
}

/** Locally originated paths (0.0.0.0 / :: next hop) are not for the kernel. */
export function isLocal(u: RibUpdate): boolean {
  return u.nexthop === '0.0.0.0' || u.nexthop === '::';
}
