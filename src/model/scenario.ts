/**
 * A lab file (labs/*.yaml), validated and normalised: the topology it runs on, its flows, its
 * phases and its assertions (docs/labs.md). Every part keeps its path in the file, so that
 * cross-reference errors point at FILE:LINE:COL.
 */
import type { Path } from './path.js';

export interface Scenario {
  file: string;
  name: string;
  description?: string;
  /** The topology file, resolved against the lab file's folder. */
  topologyFile: string;
  trials: number;
  /** Between trials: undo the faults (the default) or take the lab down and build it again. */
  betweenTrials: 'restore' | 'rebuild';
  /** How long `up` waits for services to be ready, ms. */
  readyTimeoutMs: number;
  flows: FlowSpec[];
  phases: Phase[];
  assertions: AssertionSpec[];
}

export type FlowType = 'udp' | 'icmp' | 'tcp' | 'http';

export interface FlowSpec {
  name: string;
  type: FlowType;
  /** Node that sends. */
  from: string;
  /** Node that receives, or one of its addresses. */
  to: string;
  /** The address to send to when it is not the receiver's own (a floating IP, a VIP that DNATs to it). */
  address?: string;
  rateHz: number;
  /** Also the reverse direction (udp): two flows, NAME:forward and NAME:reverse. */
  both: boolean;
  /** udp: receivers' port (default: one per flow from 7500); tcp: the iperf3 server's (default: `to`'s first); http: the server's (80). */
  port?: number;
  /** tcp: iperf3's -b cap (default 100M). */
  bitrate?: string;
  path: Path;
}

export interface Condition {
  /** A condition plugin's kind (src/plugins/conditions): vrrp, bgp, route, reachable... */
  kind: string;
  options: Record<string, unknown>;
  path: Path;
}

export interface FaultSpec {
  kind: string;
  target: string;
  durationMs?: number;
  signal?: 'KILL' | 'TERM';
  path: Path;
}

export type Phase =
  | { kind: 'wait'; conditions: Condition[]; deadlineMs: number; path: Path }
  | { kind: 'verify'; conditions: Condition[]; deadlineMs: number; path: Path }
  | { kind: 'baseline'; ms: number; path: Path }
  | { kind: 'observe'; ms: number; path: Path }
  | { kind: 'sleep'; ms: number; path: Path }
  | { kind: 'fault'; fault: FaultSpec; when: Condition[]; deadlineMs: number; path: Path }
  | { kind: 'restore'; path: Path }
  /** Commands run in a node, in order (argv, no shell); their output goes into the results. */
  | { kind: 'exec'; node: string; commands: string[][]; path: Path };

export interface EventMatch {
  kind?: string;
  node?: string;
  /** A substring of the event's detail, or /a regular expression/. */
  detail?: string;
}

export type AssertionSpec =
  | { kind: 'outage'; flow?: string; maxMs?: number; minMs?: number; path: Path }
  | { kind: 'recovered'; flow?: string; path: Path }
  | { kind: 'event'; match: EventMatch; withinMs?: number; path: Path }
  | { kind: 'order'; matches: EventMatch[]; path: Path }
  /** A condition checked when the observation ends (before any restore). */
  | { kind: 'state'; condition: Condition; path: Path };

export const PHASE_KINDS = ['wait', 'verify', 'baseline', 'observe', 'sleep', 'fault', 'restore', 'exec'] as const;
