/** Renders FRR's per-daemon configuration files from the `frr:` options. Pure. */
import { isIP } from 'node:net';
import type { FrrOptions } from './options.js';

export const BFD_PROFILE = 'halab';

export function usesBfd(o: FrrOptions): boolean {
  return Object.values(o.bgp?.neighbors ?? {}).some((n) => n.bfd);
}

export function zebraConf(node: string): string {
  return `hostname ${node}\n`;
}

export function bfddConf(node: string, o: FrrOptions): string {
  const interval = o.bfd?.['interval-ms'] ?? 300;
  const mult = o.bfd?.multiplier ?? 3;
  return [`hostname ${node}`, 'bfd', ` profile ${BFD_PROFILE}`, `  transmit-interval ${interval}`, `  receive-interval ${interval}`, `  detect-multiplier ${mult}`, ' exit', 'exit', ''].join('\n');
}

export function bgpdConf(node: string, o: FrrOptions): string {
  // What bgpd hands zebra (the best paths it installs or withdraws) goes to bgpd.log: the node's
  // events agent turns it into bgp-bestpath events.
  const lines = [`hostname ${node}`, 'debug bgp zebra'];
  const bgp = o.bgp;
  if (bgp) {
    lines.push(`router bgp ${bgp.as}`);
    if (bgp['router-id']) lines.push(` bgp router-id ${bgp['router-id']}`);
    // Labs announce and accept routes without route-maps unless they say otherwise (FRR 8
    // otherwise refuses eBGP routes), and may announce prefixes that are not in the RIB.
    lines.push(' no bgp ebgp-requires-policy', ' no bgp network import-check');
    // Session changes in bgpd.log are where the node's events agent reads them.
    lines.push(' bgp log-neighbor-changes');
    const neighbors = Object.entries(bgp.neighbors ?? {});
    for (const [addr, n] of neighbors) {
      lines.push(` neighbor ${addr} remote-as ${n.as}`);
      if (n.description) lines.push(` neighbor ${addr} description ${n.description.replace(/[^\w .:/-]/g, '_')}`);
      const keepalive = n.keepalive ?? bgp.timers?.keepalive;
      const hold = n.hold ?? bgp.timers?.hold;
      if (keepalive !== undefined || hold !== undefined) lines.push(` neighbor ${addr} timers ${keepalive ?? Math.max(1, Math.floor((hold ?? 180) / 3))} ${hold ?? 180}`);
      // Retry quickly after a session drops, so that recovery is not bounded by the 120 s default.
      lines.push(` neighbor ${addr} timers connect 1`);
      if (n.bfd) lines.push(` neighbor ${addr} bfd profile ${BFD_PROFILE}`);
    }
    for (const family of [4, 6] as const) {
      const nets = (bgp.networks ?? []).filter((p) => isIP(p.split('/')[0]!) === family);
      const fams = neighbors.filter(([a]) => isIP(a) === family);
      if (!nets.length && !fams.length) continue;
      lines.push(` address-family ipv${family} unicast`);
      for (const p of nets) lines.push(`  network ${p}`);
      for (const [addr, n] of fams) {
        if (family === 6) lines.push(`  neighbor ${addr} activate`);
        if (n['next-hop-self']) lines.push(`  neighbor ${addr} next-hop-self`);
        if (n['default-originate']) lines.push(`  neighbor ${addr} default-originate`);
      }
      lines.push(' exit-address-family');
    }
    lines.push('exit');
  }
  if (o.raw) lines.push(o.raw.trimEnd());
  return lines.join('\n') + '\n';
}
