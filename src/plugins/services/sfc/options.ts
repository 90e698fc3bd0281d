/**
 * The `sfc:` service options, in networking-sfc's shape (seeds/002, "HA for SFC"): port pairs
 * (ingress and egress port of a VNF instance, written NODE:IF), port pair groups (equivalent
 * instances, load-balanced), flow classifiers and port chains, as `openstack sfc ... create`
 * takes them; plus what the vnffg-ha engine needs: spare pairs for respawn and scale-out, and the
 * monitoring policy (Tacker's `ping` / `http_ping` drivers, actions `respawn`, `notify`).
 */

export interface PortPair {
  ingress: string;
  egress: string;
}

export interface PortPairGroup {
  port_pairs: string[];
  /** networking-sfc's lb_fields, e.g. `ip_src&ip_dst` (default: the 5-tuple). */
  port_pair_group_parameters?: { lb_fields?: string };
}

export interface FlowClassifier {
  logical_source_port: string;
  logical_destination_port: string;
  protocol?: 'tcp' | 'udp' | 'icmp';
  source_ip_prefix?: string;
  destination_ip_prefix?: string;
  source_port_range_min?: number;
  source_port_range_max?: number;
  destination_port_range_min?: number;
  destination_port_range_max?: number;
}

export interface PortChain {
  port_pair_groups: string[];
  flow_classifiers: string[];
  /** symmetric: the return path crosses the same instances (default true here). */
  chain_parameters?: { symmetric?: boolean };
}

export interface Monitoring {
  driver: 'ping' | 'http_ping';
  /** Tacker's names: monitoring_delay and interval/timeout in seconds, retry (failures in a row), port (http_ping). */
  monitoring_delay?: number;
  interval?: number;
  timeout?: number;
  retry?: number;
  port?: number;
  /** What the engine does when an instance fails: `respawn` (onto a spare), `notify` (an event). */
  actions: ('respawn' | 'notify')[];
}

export interface SfcOptions {
  /** The OVS bridge of this node the chain is built on (default: its only OVS bridge). */
  bridge?: string;
  port_pairs: Record<string, PortPair>;
  port_pair_groups: Record<string, PortPairGroup>;
  flow_classifiers: Record<string, FlowClassifier>;
  port_chains: Record<string, PortChain>;
  /** Per group, port pairs in no group (instances of the same function), in the order respawn and scale-out take them. */
  spares?: Record<string, string[]>;
  monitoring?: Monitoring;
  /** Where the engine's API listens (TCP, inside the node). */
  address?: string;
  port?: number;
}

export const DEFAULTS = { address: '127.0.0.1', port: 5556, interval: 1, timeout: 2, retry: 3, httpPort: 80, delay: 0 };

const name = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$' } as const;
/** A map of names (networking-sfc's resource names) to items, at least one. */
const namedMap = (item: object) => ({ type: 'object', minProperties: 1, propertyNames: name, additionalProperties: item }) as const;
const nodeIf = { type: 'string', pattern: '^[^:\\s]+:[^:\\s]+$' } as const;
const l4port = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const secs = { type: 'number', exclusiveMinimum: 0, maximum: 600 } as const;

export const sfcSchema = {
  type: 'object',
  properties: {
    bridge: { type: 'string' },
    port_pairs: namedMap({ type: 'object', properties: { ingress: nodeIf, egress: nodeIf }, required: ['ingress', 'egress'], additionalProperties: false }),
    port_pair_groups: namedMap({
      type: 'object',
      properties: {
        port_pairs: { type: 'array', minItems: 1, items: { type: 'string' } },
        port_pair_group_parameters: { type: 'object', properties: { lb_fields: { type: 'string' } }, additionalProperties: false },
      },
      required: ['port_pairs'],
      additionalProperties: false,
    }),
    flow_classifiers: namedMap({
      type: 'object',
      properties: {
        logical_source_port: nodeIf,
        logical_destination_port: nodeIf,
        protocol: { enum: ['tcp', 'udp', 'icmp'] },
        source_ip_prefix: { type: 'string' },
        destination_ip_prefix: { type: 'string' },
        source_port_range_min: l4port,
        source_port_range_max: l4port,
        destination_port_range_min: l4port,
        destination_port_range_max: l4port,
      },
      required: ['logical_source_port', 'logical_destination_port'],
      additionalProperties: false,
    }),
    port_chains: namedMap({
      type: 'object',
      properties: {
        port_pair_groups: { type: 'array', minItems: 1, items: { type: 'string' } },
        flow_classifiers: { type: 'array', minItems: 1, items: { type: 'string' } },
        chain_parameters: { type: 'object', properties: { symmetric: { type: 'boolean' } }, additionalProperties: false },
      },
      required: ['port_pair_groups', 'flow_classifiers'],
      additionalProperties: false,
    }),
    spares: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    monitoring: {
      type: 'object',
      properties: {
        driver: { enum: ['ping', 'http_ping'] },
        monitoring_delay: { type: 'number', minimum: 0, maximum: 600 },
        interval: secs,
        timeout: secs,
        retry: { type: 'integer', minimum: 1, maximum: 100 },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        actions: { type: 'array', minItems: 1, items: { enum: ['respawn', 'notify'] } },
      },
      required: ['driver', 'actions'],
      additionalProperties: false,
    },
    address: { type: 'string' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
  },
  required: ['port_pairs', 'port_pair_groups', 'flow_classifiers', 'port_chains'],
  additionalProperties: false,
} as const;

/**
 * networking-sfc's lb_fields to the symmetric hash OVS's multipath action computes. Only the field
 * sets that hash both directions alike are accepted: a chain's return path must cross the same
 * instance (null: not one of them).
 */
export function lbHash(lbFields: string | undefined): 'symmetric_l3' | 'symmetric_l3l4+udp' | null {
  if (lbFields === undefined) return 'symmetric_l3l4+udp';
  const f = new Set(lbFields.split('&').map((s) => s.trim()));
  const is = (...want: string[]) => f.size === want.length && want.every((w) => f.has(w));
  if (is('ip_src', 'ip_dst')) return 'symmetric_l3';
  if (is('ip_src', 'ip_dst', 'ip_proto', 'udp_src', 'udp_dst') || is('ip_src', 'ip_dst', 'ip_proto', 'tcp_src', 'tcp_dst')) return 'symmetric_l3l4+udp';
  return null;
}

/** The resolved chain the engine (src/agents/sfc-agent.ts) works on: OVS port names, not NODE:IF. */
export interface ChainConfig {
  /** OVS bridge (kernel name). */
  bridge: string;
  pairs: Record<string, { ingress: string; egress: string; node: string; mgmt?: string }>;
  groups: Record<string, { pairs: string[]; hash: 'symmetric_l3' | 'symmetric_l3l4+udp' }>;
  classifiers: Record<string, ResolvedClassifier>;
  chains: Record<string, { groups: string[]; classifiers: string[]; symmetric: boolean }>;
  /** group -> its spare pairs. */
  spares: Record<string, string[]>;
}

export interface ResolvedClassifier {
  /** OVS port names (kernel names) of the switch ports facing the logical ports. */
  src: string;
  dst: string;
  protocol?: 'tcp' | 'udp' | 'icmp';
  srcPrefix?: string;
  dstPrefix?: string;
  srcPorts?: [number, number];
  dstPorts?: [number, number];
}

/** What the service hands the engine (config.json in the node's sfc dir). */
export interface AgentConfig {
  chain: ChainConfig;
  monitoring?: Required<Omit<Monitoring, 'port'>> & { port: number };
  address: string;
  port: number;
  node: string;
  events: string;
  state: string;
  dir: string;
}
