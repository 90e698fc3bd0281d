import type { NodeKind } from '../types.js';

/** A namespace that forwards: ip_forward on for both families. */
export const router: NodeKind = {
  kind: 'router',
  summary: 'a host that forwards IPv4 and IPv6 (ip_forward=1)',
  sysctl: { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1' },
};
