/** The validated topology: what `validate` produces and every later stage consumes. */
import type { SourceDoc } from '../pipeline/parse.js';
import type { Cidr } from '../util/ip.js';
import type { Cluster } from './cluster.js';
import type { Path } from './path.js';

export interface Topology {
  /** The lab's default name (`name:` in the file). */
  name: string;
  description?: string;
  src: SourceDoc;
  nodes: Node[];
  links: Link[];
  /** Machines of a multi-host lab (`hosts:`), in file order; empty for a one-machine lab. */
  hosts: HostSpec[];
  /** VNF clusters (`clusters:`); their members are in `nodes` too (pipeline/clusters.ts). */
  clusters?: Cluster[];
}

export interface HostSpec {
  name: string;
  path: Path;
  /** Underlay address other hosts reach this one at (VXLAN remote). */
  address: string;
}

export interface Node {
  name: string;
  /** A node-kind plugin name (`host`, `router`, ...). */
  kind: string;
  path: Path;
  interfaces: InterfaceConfig[];
  bridges: Bridge[];
  routes: Route[];
  /** Full sysctl keys, after the kind's defaults. */
  sysctl: Record<string, string>;
  nat: NatRule[];
  /** Daemons run in the node (FRR, GoBGP, keepalived, iperf3), in file order. */
  services: ServiceSpec[];
  filter: FilterRule[];
  /** The machine it runs on (`host:`), one of the topology's hosts; unset: the first host. */
  host?: { name: string; path: Path };
}

export interface ServiceSpec {
  /** A service-kind plugin name. */
  kind: string;
  path: Path;
  /** The options as written; the service plugin's schema has checked their shape. */
  options: Record<string, unknown>;
}

export interface InterfaceConfig {
  name: string;
  path: Path;
  addresses: Cidr[];
  mtu?: number;
  mac?: string;
  /** Brought up by default. */
  up: boolean;
  /** Per-interface IPv4 sysctls (`proxy_arp`, `rp_filter`, ...), keys without the `net.ipv4.conf.IF.` prefix. */
  sysctl: Record<string, string>;
  /** The same address may stand on other interfaces marked anycast (an HA pair's shared IPs). */
  anycast: boolean;
  /** An IPv6 link-local address; by default only interfaces with an IPv6 address get one. */
  linkLocal?: boolean;
}

export interface Bridge {
  name: string;
  /** A switch-kind plugin name (`linux`, `ovs`). */
  kind: string;
  path: Path;
  ports: Port[];
}

export interface Port {
  name: string;
  path: Path;
  /** Access port in this VLAN. */
  tag?: number;
  /** Trunk port carrying these VLANs. */
  trunks?: number[];
  /** Patch port whose peer is `port` on `bridge` (same node). */
  patch?: { bridge: string; port: string; path: Path };
  /** Internal port; `node` is where its interface ends up (the owning node unless handed over). */
  internal?: { node: string; path: Path };
  vxlan?: { remote: string; key?: number; dstPort?: number; path: Path };
}

export interface Endpoint {
  node: string;
  iface: string;
  path: Path;
}

export interface Link {
  path: Path;
  endpoints: [Endpoint, Endpoint];
  mtu?: number;
}

export interface Route {
  path: Path;
  /** A prefix, or `default`. */
  dst: string;
  via?: string;
  dev?: string;
  metric?: number;
  family: 4 | 6;
}

export interface NatRule {
  path: Path;
  type: 'dnat' | 'snat' | 'masquerade';
  /** dnat: original destination; snat/masquerade: source to translate. */
  match: string;
  /** Translated address (dnat/snat). */
  to?: string;
  proto?: 'tcp' | 'udp' | 'icmp';
  port?: number;
  in?: string;
  out?: string;
  family: 4 | 6;
}

export interface FilterRule {
  path: Path;
  chain: 'input' | 'forward' | 'output';
  action: 'accept' | 'drop' | 'reject';
  src?: string;
  dst?: string;
  proto?: 'tcp' | 'udp' | 'icmp';
  dport?: number;
  in?: string;
  out?: string;
  family: 4 | 6;
}
