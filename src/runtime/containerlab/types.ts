/** What the containerlab renderer produces: one topology document per host, host commands, files. */
import type { Diagnostic } from '../../errors.js';

/** A containerlab node as rendered (a subset of containerlab's node-config). */
export interface ClabNode {
  kind: 'linux' | 'bridge' | 'ovs-bridge';
  image?: string;
  'network-mode'?: string;
  binds?: string[];
  exec?: string[];
  labels?: Record<string, string>;
}

export type ClabLink =
  | { endpoints: [string, string]; mtu?: number }
  | { type: 'vxlan'; endpoint: { node: string; interface: string }; remote: string; vni: number; 'dst-port': number; mtu?: number };

export interface ClabTopology {
  name: string;
  topology: { nodes: Record<string, ClabNode>; links: ClabLink[] };
}

/** Commands (argv arrays) to run on a host around `containerlab deploy` / `destroy`. */
export interface HostCommands {
  /** Before deploy: the bridges, and the OVS ports that are not veths (patch, internal, VXLAN). */
  create: string[][];
  /** After deploy: VLAN tags and trunks on the OVS ports containerlab attached. */
  ports: string[][];
  /** After destroy: the bridges go (with their ports). */
  remove: string[][];
}

export interface HostRender {
  /** The host's name from `hosts:`, or null for a one-machine lab. */
  host: string | null;
  address?: string;
  doc: ClabTopology;
  commands: HostCommands;
  /** Programs the host commands need (for the exit-3 check). */
  needs: string[];
}

/** A file bound into a container; `path` is relative to the directory of the .clab.yml. */
export interface GeneratedFile {
  path: string;
  content: string;
  mode?: number;
}

export interface RenderResult {
  lab: string;
  hosts: HostRender[];
  files: GeneratedFile[];
  /** What the render could not express as the topology says, each at its position. */
  warnings: Diagnostic[];
}
