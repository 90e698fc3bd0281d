/**
 * The `orchestrator:` service options (seeds/000's monitoring orchestrator):
 *
 *   services:
 *     orchestrator:
 *       controller: 10.0.0.1:8080                  # a tor-controller's listen address
 *       vm-name: forbiz_utm
 *       master: { mgmt: 10.0.0.11, switch-port: 22 }
 *       slave: { mgmt: 10.0.0.12, switch-port: 24 }
 *       current-vlans: { orange: vlan113, green: vlan114 }
 *       monitor: { interval-ms: 200, misses: 3 }
 *       poll-interval-ms: 5000
 *       req-ids: { init: 1111-2222-3333-4444, failover: 1111-2222-3333-5555 }
 *       gratuitous-arp: { node: utm-slave, interfaces: [br0, slave_red_nic] }
 *       utm-ha: { port: 8081, lease-ms: 2000 }     # fencing: utm-ha agents on master and slave mgmt
 */
export interface OrchestratorOptions {
  controller: string;
  'vm-name': string;
  master: { mgmt: string; 'switch-port': number };
  slave: { mgmt?: string; 'switch-port': number };
  'current-vlans': Record<string, string>;
  monitor?: { 'interval-ms'?: number; misses?: number };
  'poll-interval-ms'?: number;
  'req-ids'?: { init?: string; failover?: string };
  'gratuitous-arp'?: { node: string; interfaces: string[] };
  'utm-ha'?: { port: number; 'lease-ms'?: number };
}

export const DEFAULTS = { intervalMs: 200, misses: 3, pollIntervalMs: 5000, leaseMs: 2000 } as const;

const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' } as const;

export const orchestratorSchema = {
  type: 'object',
  properties: {
    controller: { type: 'string' },
    'vm-name': ID,
    master: {
      type: 'object',
      properties: { mgmt: { type: 'string' }, 'switch-port': { type: 'integer', minimum: 1 } },
      required: ['mgmt', 'switch-port'],
      additionalProperties: false,
    },
    slave: {
      type: 'object',
      properties: { mgmt: { type: 'string' }, 'switch-port': { type: 'integer', minimum: 1 } },
      required: ['switch-port'],
      additionalProperties: false,
    },
    'current-vlans': { type: 'object', minProperties: 1, additionalProperties: { type: 'string' } },
    monitor: {
      type: 'object',
      properties: { 'interval-ms': { type: 'integer', minimum: 10, maximum: 60000 }, misses: { type: 'integer', minimum: 1, maximum: 100 } },
      additionalProperties: false,
    },
    'poll-interval-ms': { type: 'integer', minimum: 50, maximum: 600000 },
    'req-ids': { type: 'object', properties: { init: ID, failover: ID }, additionalProperties: false },
    'gratuitous-arp': {
      type: 'object',
      properties: { node: { type: 'string' }, interfaces: { type: 'array', items: { type: 'string' }, minItems: 1 } },
      required: ['node', 'interfaces'],
      additionalProperties: false,
    },
    'utm-ha': {
      type: 'object',
      properties: { port: { type: 'integer', minimum: 1, maximum: 65535 }, 'lease-ms': { type: 'integer', minimum: 400, maximum: 600000 } },
      required: ['port'],
      additionalProperties: false,
    },
  },
  required: ['controller', 'vm-name', 'master', 'slave', 'current-vlans'],
  additionalProperties: false,
} as const;

/** One interface the orchestrator has announce its addresses after a take-over. */
export interface GarpTarget {
  node: string;
  ns: string;
  iface: string;
  kname: string;
  addresses: string[];
}

/** The agent's configuration file, written by the plugin's plan. */
export interface OrchestratorConfig {
  node: string;
  controller: { address: string; port: number };
  vmName: string;
  master: { mgmt: string; port: number };
  slave: { mgmt: string | null; port: number };
  currentVlans: Record<string, string>;
  intervalMs: number;
  misses: number;
  pollIntervalMs: number;
  reqIds: { init: string | null; failover: string | null };
  garp: GarpTarget[];
  /**
   * Fencing through utm-ha agents: the master is promoted after HA init and its lease renewed
   * every leaseMs / 4 until it fails; the slave is promoted at take-over (announcing its addresses
   * when gratuitous-arp is set: `garp` then stays empty) and renewed from then on.
   */
  utmHa: { master: { address: string; port: number }; slave: { address: string; port: number }; leaseMs: number; announce: boolean } | null;
  events: string;
  state: string;
}

export type OrchestratorPhase = 'starting' | 'init' | 'promoting' | 'waiting-master' | 'monitoring' | 'failover' | 'failed-over' | 'error';

/** What the agent keeps in state.json for readiness and status. */
export interface OrchestratorState {
  phase: OrchestratorPhase;
  sinceMs: number;
  detail: string;
  master: string;
  lastReplyMs: number | null;
  init: { reqId: string; status: string; reason?: string } | null;
  failover: { reqId: string; status: string; reason?: string; detectedMs: number; requestedMs?: number; resultMs?: number } | null;
}
