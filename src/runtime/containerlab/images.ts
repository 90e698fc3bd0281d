/**
 * Container images per node. `--image KEY=IMAGE` sets one by node name, service kind or node kind,
 * in that order of precedence; otherwise a default by the node's services, then by its kind.
 */
import type { Node } from '../../model/topology.js';

const NETSHOOT = 'nicolaka/netshoot:v0.13';
const FRR = 'quay.io/frrouting/frr:10.2.1';

export const DEFAULT_IMAGES: Readonly<Record<string, string>> = {
  host: NETSHOOT,
  router: FRR,
  frr: FRR,
  iperf3: NETSHOOT,
};

/** Which halab services the default images can run (both have ip, sysctl and iptables). */
const PROVIDES: Readonly<Record<string, readonly string[]>> = {
  [NETSHOOT]: ['iperf3'],
  [FRR]: ['frr'],
};

export interface ImageChoice {
  image: string;
  /** Chosen by the user (--image): halab assumes it has what the node's services need. */
  user: boolean;
}

export function imageFor(node: Node, overrides: Readonly<Record<string, string>>): ImageChoice {
  const user = overrides[node.name] ?? node.services.map((s) => overrides[s.kind]).find(Boolean) ?? overrides[node.kind];
  if (user) return { image: user, user: true };
  const byService = node.services.map((s) => DEFAULT_IMAGES[s.kind]).find(Boolean);
  return { image: byService ?? DEFAULT_IMAGES[node.kind] ?? NETSHOOT, user: false };
}

/** Services of the node that a default image cannot run. */
export function missingServices(node: Node, choice: ImageChoice): string[] {
  if (choice.user) return [];
  const has = PROVIDES[choice.image] ?? [];
  return node.services.map((s) => s.kind).filter((k) => !has.includes(k));
}

/** `KEY=IMAGE` options -> a map; null with the bad entry when one is malformed. */
export function parseImageOptions(list: readonly string[]): { ok: true; images: Record<string, string> } | { ok: false; bad: string } {
  const images: Record<string, string> = {};
  for (const item of list) {
    const m = /^([^=\s]+)=(\S+)$/.exec(item);
    if (!m) return { ok: false, bad: item };
    images[m[1]!] = m[2]!;
  }
  return { ok: true, images };
}
