/** Sysctl keys that name an interface: `net.ipv4.conf.IF.x`, `net.ipv6.conf.IF.x`, `net.ipv4.neigh.IF.x`... */
const PER_IFACE = /^(net\.ipv[46]\.(?:conf|neigh)\.)([^.]+)(\..+)$/;
const NOT_AN_IFACE = new Set(['all', 'default', 'lo']);

/** The interface a key names (not all/default/lo), and the key rebuilt for another (kernel) name. */
export function sysctlInterface(key: string): { iface: string; withName(name: string): string } | null {
  const m = PER_IFACE.exec(key);
  if (!m || NOT_AN_IFACE.has(m[2]!)) return null;
  return { iface: m[2]!, withName: (name) => `${m[1]}${name}${m[3]}` };
}
