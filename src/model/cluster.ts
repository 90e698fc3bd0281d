/** A validated VNF cluster (topology `clusters:`), seeds/002's Tacker cluster with its policies. */
import type { Path } from './path.js';

export type PolicyAction = 'respawn' | 'failover' | 'notify';

export interface PingPolicy {
  name: 'ping';
  path: Path;
  /** Seconds after a member is created before it is watched (a booting VM does not answer). */
  delayS: number;
  count: number;
  intervalS: number;
  timeoutS: number;
  actions: PolicyAction[];
}

export interface HttpPingPolicy {
  name: 'http_ping';
  path: Path;
  delayS: number;
  retry: number;
  timeoutS: number;
  port: number;
  actions: PolicyAction[];
}

export type MonitorPolicy = PingPolicy | HttpPingPolicy;

/** A Zabbix trigger: the item is down, or above a threshold; then the command runs on the member. */
export interface AppTrigger {
  item: 'app_status' | 'app_memory' | 'os_cpu_usage';
  condition: { op: 'down' } | { op: 'greater'; value: number };
  /** The command as written (`sudo service apache2 restart`) and what it does to the member's app. */
  command: string;
  verb: 'restart' | 'stop' | 'start';
  path: Path;
}

export interface AppPolicy {
  path: Path;
  appName: string;
  appPort: number;
  updateIntervalS: number;
  triggerCount: number;
  triggers: AppTrigger[];
}

export interface ClusterMember {
  /** Also its node's name. */
  name: string;
  host: string;
  address: string;
  prefixLen: number;
  role: 'active' | 'standby';
}

export interface Cluster {
  name: string;
  path: Path;
  active: number;
  standby: number;
  placement: { host: string; path: Path }[];
  antiAffinity: boolean;
  bridge: string;
  lb: { node: string; path: Path; vip: string; vipPort: number; poolPort: number; method: 'ROUND_ROBIN' };
  vnfm: { node: string; path: Path };
  policies: MonitorPolicy[];
  app?: AppPolicy;
  /** The members `up` builds, in order: actives first. */
  members: ClusterMember[];
}
