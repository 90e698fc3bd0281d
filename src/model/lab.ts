/** The expanded lab: the topology plus everything derived for one instance of it (names, dirs). */
import type { InterfaceConfig, Node, Topology } from './topology.js';

export interface Lab {
  name: string;
  topology: Topology;
  /** Where the state file, daemon run dirs and logs of this lab live. */
  stateDir: string;
  nodes: LabNode[];
  node(name: string): LabNode;
}

export interface LabNode {
  name: string;
  kind: string;
  /** Network namespace name (`halab.<lab>.<node>`). */
  ns: string;
  /** Per-node run dir for daemons, sockets and logs. */
  dir: string;
  spec: Node;
  ifaces: Map<string, LabIface>;
}

export interface LabIface {
  name: string;
  /** Kernel name (<= 15 characters). */
  kname: string;
  origin: 'link' | 'bridge' | 'internal';
  /** Kind of the bridge that takes this interface as a port, if any. */
  portOf?: string;
  /** tx checksum offload must be off (a veth end on, or facing, a userspace-datapath switch). */
  txOff?: boolean;
  /**
   * A port of a userspace-datapath switch: the node's kernel sees its frames too and must not
   * answer ARP on it for the node's own addresses (the switch's bridge interface does).
   */
  userspacePort?: boolean;
  config?: InterfaceConfig;
}
