/**
 * The `utm-ha:` service options (fencing of one member of an active/standby pair):
 *
 *   services:
 *     utm-ha:
 *       listen: 10.0.0.11:8081                 # one of the node's addresses (its mgmt), and a TCP port
 *       interfaces: [master_red_nic, br0]      # the shared addresses: silent unless active
 */
export interface UtmHaOptions {
  listen: string;
  interfaces: string[];
}

export const utmHaSchema = {
  type: 'object',
  properties: {
    listen: { type: 'string' },
    interfaces: { type: 'array', items: { type: 'string' }, minItems: 1 },
  },
  required: ['listen', 'interfaces'],
  additionalProperties: false,
} as const;

/** One fenced interface: its name in the topology, its kernel name, its IPv4 addresses. */
export interface FencedInterface {
  iface: string;
  kname: string;
  addresses: string[];
  /** A bridge of the UTM: still bridges while fenced (see fenceScript). */
  bridge: boolean;
}

/** The agent's configuration file, written by the plugin's plan. */
export interface UtmHaConfig {
  node: string;
  address: string;
  port: number;
  interfaces: FencedInterface[];
  events: string;
  state: string;
}

/** What the agent keeps in state.json for readiness and status. */
export interface UtmHaState {
  listening: string | null;
  role: 'standby' | 'active';
  sinceMs: number;
  reason: string;
  leaseUntilMs: number | null;
}
