/** Plugin interfaces: one per family; each kind lives in its own folder under plugins/. */
import type { Diagnostic } from '../errors.js';
import type { Lab, LabNode } from '../model/lab.js';
import type { Path } from '../model/path.js';
import type { Action } from '../model/plan.js';
import type { Bridge, Node, ServiceSpec, Topology } from '../model/topology.js';
import type { SourceDoc } from '../pipeline/parse.js';

/** A program the machine must have, and the Debian package that brings it. */
export interface Requirement {
  program: string;
  pkg: string;
}

export interface CheckCtx {
  topo: Topology;
  src: SourceDoc;
  report(d: Diagnostic): void;
  node(name: string): Node | undefined;
  /** Does `node` have an interface called `name` (from links, bridges or internal ports)? */
  hasInterface(node: string, name: string): boolean;
}

export interface PlanCtx {
  lab: Lab;
}

export interface NodeKind {
  kind: string;
  summary: string;
  /** Sysctls this kind sets unless the node overrides them. */
  sysctl: Record<string, string>;
}

export interface CreatedInterface {
  node: string;
  name: string;
  path: Path;
  origin: 'bridge' | 'internal';
}

export interface SwitchKind {
  kind: string;
  summary: string;
  requires: Requirement[];
  /** Veths on ports of this kind need tx checksum offload off (userspace datapath). */
  needsTxOff: boolean;
  /** Interfaces a bridge creates: its own, and internal ports (maybe handed to other nodes). */
  interfaces(bridge: Bridge, owner: Node): CreatedInterface[];
  /** Checks beyond the schema (peers, references, VLAN use). */
  check(bridge: Bridge, owner: Node, ctx: CheckCtx): void;
  /** Actions that build all of this kind's bridges on one node. */
  plan(node: LabNode, bridges: Bridge[], ctx: PlanCtx): Action[];
}

/** A node as the runtime knows it after `up` (from the state file). */
export interface RunNode {
  name: string;
  ns: string;
  /** Per-node run dir: configs, pidfiles, sockets, logs. */
  dir: string;
}

export interface Readiness {
  ready: boolean;
  /** What is (not) ready, and why it is thought so: shown when `up` times out. */
  detail: string;
}

export interface ServiceStatus {
  /** One line: "3/3 BGP sessions Established", "VRRP VI_1 MASTER". */
  summary: string;
  /** A table for `halab status` (e.g. the BGP neighbor list). */
  table?: { head: string[]; rows: string[][] };
  /** The same, as data for `status --json`. */
  data: unknown;
}

export interface ServiceKind {
  kind: string;
  summary: string;
  /** JSON schema of the service's options (the value under `services: KIND:`). */
  schema: object;
  requires: Requirement[];
  /** Checks beyond the schema (addresses, references to interfaces, timer rules). */
  check(spec: ServiceSpec, node: Node, ctx: CheckCtx): void;
  /** Actions (phase `services`) that write its configuration and start it. */
  plan(node: LabNode, spec: ServiceSpec, ctx: PlanCtx): Action[];
  /** Polled by `up` until a deadline. */
  ready(node: RunNode, spec: ServiceSpec): Promise<Readiness>;
  status(node: RunNode, spec: ServiceSpec): Promise<ServiceStatus>;
  /** Log files, the most telling first (readiness errors show its tail), for `halab logs`. */
  logs(node: RunNode, spec: ServiceSpec): string[];
  /** The routing table with best paths, as the daemon prints it (`halab status --rib NODE`). */
  rib?(node: RunNode, spec: ServiceSpec): Promise<string>;
}
