/** The `spp:` service options: the memo's per-NIC file (`vfs`), plus how the agent runs. */
import { coresOfMask, type PortMap, type VfConfig } from './batch.js';

export interface SppVf {
  name: string;
  num_vhost: number;
  num_ring: number;
}

export interface SppOptions {
  /** The memo's per-NIC configuration file, verbatim: `{"vfs": [{"name": "vf1", "num_vhost": 2, "num_ring": 4}]}`. */
  vfs: SppVf[];
  /** The physical NIC's port on the vf's bridge (the memo's `nic0`). */
  nic?: string;
  /** spp_vf's core mask (`spp_vf -c 0x3ffd`); components bind to its cores but the lowest (the master). */
  'core-mask'?: string;
  /** The process id the agent reports to `process` (`spp_vf --process-id 1`). */
  'process-id'?: number;
  /** Where the agent listens for command batches (TCP, inside the node). */
  address?: string;
  port?: number;
  /**
   * atomic (default): a flush replaces the whole flow table at once (an OpenFlow bundle).
   * per-command: the data path passes through the state after each command of the batch, as an
   * spp_vf that applied commands one by one would; for measuring what a batch's order costs.
   */
  apply?: 'atomic' | 'per-command';
}

export const DEFAULTS = { nic: 'nic0', coreMask: '0x3ffd', processId: 1, address: '127.0.0.1', port: 5555, apply: 'atomic' as const };

export const sppSchema = {
  type: 'object',
  properties: {
    vfs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, num_vhost: { type: 'integer', minimum: 1, maximum: 64 }, num_ring: { type: 'integer', minimum: 2, maximum: 128 } },
        required: ['name', 'num_vhost', 'num_ring'],
        additionalProperties: false,
      },
    },
    nic: { type: 'string' },
    'core-mask': { type: 'string' },
    'process-id': { type: 'integer', minimum: 0, maximum: 127 },
    address: { type: 'string' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    apply: { enum: ['atomic', 'per-command'] },
  },
  required: ['vfs'],
  additionalProperties: false,
} as const;

export function vfConfig(o: SppOptions): VfConfig {
  const vf = o.vfs[0]!;
  return {
    name: vf.name,
    processId: o['process-id'] ?? DEFAULTS.processId,
    numVhost: vf.num_vhost,
    numRing: vf.num_ring,
    nic: o.nic ?? DEFAULTS.nic,
    cores: coresOfMask(o['core-mask'] ?? DEFAULTS.coreMask) ?? [],
  };
}

/** What the service hands the spp-agent (config.json in the node's spp dir). */
export interface AgentConfig {
  vf: VfConfig;
  map: PortMap;
  /** The OVS bridge (kernel name). */
  bridge: string;
  address: string;
  port: number;
  apply: 'atomic' | 'per-command';
  node: string;
  events: string;
  state: string;
  /** Where flow files are written before ovs-ofctl reads them. */
  dir: string;
}
