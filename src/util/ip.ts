/** IPv4/IPv6 address and prefix parsing, enough to validate topology files. */
import { isIP } from 'node:net';

export interface Cidr {
  /** The address as written, without the prefix length. */
  ip: string;
  prefix: number;
  family: 4 | 6;
  /** The full text, `ip/prefix`. */
  text: string;
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; reason: string };

/** Parse `a.b.c.d/len` or `v6::addr/len`; a bare address gets a host prefix only if `allowBare`. */
export function parseCidr(text: string, opts: { allowBare?: boolean } = {}): CidrResult {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(ip);
  if (family === 0) return { ok: false, reason: `'${ip}' is not an IPv4 or IPv6 address` };
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash < 0) {
    if (!opts.allowBare) return { ok: false, reason: `'${text}' has no prefix length (write ${ip}/${family === 4 ? 24 : 64}, for example)` };
  } else {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return { ok: false, reason: `'${text}' has a bad prefix length '${p}' (0-${max})` };
    prefix = Number(p);
  }
  return { ok: true, cidr: { ip, prefix, family: family as 4 | 6, text: `${ip}/${prefix}` } };
}

/** IPv4 address as a 32-bit number. */
export function v4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToV4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** For an IPv4 host address: is it the network or broadcast address of its prefix? */
export function v4HostProblem(c: Cidr): string | null {
  if (c.family !== 4 || c.prefix >= 31) return null;
  const size = 2 ** (32 - c.prefix);
  const off = v4ToInt(c.ip) % size;
  if (off === 0) return `${c.text} is the network address of its subnet, not a host address`;
  if (off === size - 1) return `${c.text} is the broadcast address of its subnet, not a host address`;
  return null;
}

/** IPv6 address as a 128-bit number (`::` and a trailing dotted IPv4 part allowed). */
export function v6ToBigInt(ip: string): bigint {
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = v4ToInt(v4[1]!);
    text = `${text.slice(0, v4.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export function bigIntToV6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(16 * (7 - i))) & 0xffffn).toString(16));
  return canonicalIp(groups.join(':'));
}

/** The network of a prefix: its address with the host bits cleared. */
export function networkOf(c: Cidr): Cidr {
  let ip: string;
  if (c.family === 4) {
    const mask = c.prefix === 0 ? 0 : (0xffffffff << (32 - c.prefix)) >>> 0;
    ip = intToV4((v4ToInt(c.ip) & mask) >>> 0);
  } else {
    const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - c.prefix)) - 1n);
    ip = bigIntToV6(v6ToBigInt(c.ip) & mask);
  }
  return { ip, prefix: c.prefix, family: c.family, text: `${ip}/${c.prefix}` };
}

/** Normalised IPv6 text for comparing addresses written differently. */
export function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}

/** An address as a bigint (IPv4 or IPv6), for prefix arithmetic. */
export function ipToBigInt(ip: string): bigint {
  if (isIP(ip) === 4) return BigInt(v4ToInt(ip));
  let [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  let t = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const last = (tail !== undefined ? t : h).at(-1);
  if (last?.includes('.')) {
    const n = v4ToInt(last);
    const groups = [(n >>> 16).toString(16), (n & 0xffff).toString(16)];
    if (tail !== undefined) t = [...t.slice(0, -1), ...groups];
    else h.splice(h.length - 1, 1, ...groups);
  }
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}

/** Is `ip` inside the subnet of `c` (same family, same first `c.prefix` bits)? */
export function inSubnet(ip: string, c: Cidr): boolean {
  const fam = isIP(ip);
  if (fam !== c.family) return false;
  const bits = BigInt(fam === 4 ? 32 : 128);
  const shift = bits - BigInt(c.prefix);
  return ipToBigInt(ip) >> shift === ipToBigInt(c.ip) >> shift;
}
