/** Shapes shared by the VNF cluster services and their agents. */
import type { AppPolicy, ClusterMember, MonitorPolicy } from '../../../model/cluster.js';

/** Every VNF cluster service is generated from `clusters:` with this one option. */
export const clusterOptionSchema = { type: 'object', properties: { cluster: { type: 'string' } }, required: ['cluster'], additionalProperties: false } as const;

export const VIM_PORT = 8774;
export const LB_CONTROL_PORT = 9696;

export interface VnfmConfig {
  node: string;
  cluster: string;
  lb: { address: string; port: number; vip: string; vipPort: number };
  vims: Record<string, { address: string; port: number }>;
  placement: string[];
  antiAffinity: boolean;
  bridge: string;
  members: ClusterMember[];
  policies: MonitorPolicy[];
  app?: AppPolicy;
  events: string;
  state: string;
}

export interface MemberState extends ClusterMember {
  id: number;
  /** PENDING (being created), ACTIVE (answering, watched), DEAD (failed), ERROR (never came up). */
  status: 'PENDING' | 'ACTIVE' | 'DEAD' | 'ERROR';
  sinceMs: number;
}

export interface VnfmState {
  phase: 'starting' | 'waiting-members' | 'monitoring' | 'error';
  detail: string;
  cluster: string;
  vip: string;
  pool: string[];
  members: MemberState[];
}
