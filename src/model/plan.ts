/**
 * A plan is data: ordered, typed actions, each with its undo. `halab plan` prints the steps as
 * shell commands; the netns runtime executes the same steps (batching where it pays).
 */
import type { Path } from './path.js';

/** Phases run in this order; actions of one phase on different namespaces are independent. */
export const PHASES = ['namespaces', 'links', 'daemons', 'switches', 'handoff', 'interfaces', 'routes', 'firewall', 'services'] as const;
export type Phase = (typeof PHASES)[number];

export type Step =
  /** `ip netns add NS` */
  | { t: 'netns-add'; ns: string }
  /** `ip netns del NS` */
  | { t: 'netns-del'; ns: string }
  /** Kill every process inside NS (before deleting it). */
  | { t: 'kill-ns'; ns: string }
  /** `ip [-n NS] ARGS`; consecutive ones on one namespace become one `ip -batch`. */
  | { t: 'ip'; ns?: string; args: string[] }
  /** `sysctl -w KEY=VALUE` inside NS; consecutive ones merge. */
  | { t: 'sysctl'; ns: string; key: string; value: string }
  /** `ovs-vsctl --db=unix:SOCK ARGS`; consecutive ones on one database become one transaction. */
  | { t: 'ovs-vsctl'; db: string; args: string[] }
  /** Any program, inside NS (network namespace only) or on the host; `daemon` runs it via `ip netns exec`. */
  | { t: 'exec'; ns?: string; argv: string[]; env?: Record<string, string>; daemon?: boolean; quiet?: boolean; retryMs?: number }
  | { t: 'mkdir'; path: string }
  /** Start a program that stays in the foreground, detached, inside NS; output to LOG, pid to PIDFILE. */
  | { t: 'spawn'; ns: string; argv: string[]; log: string; pidfile: string; env?: Record<string, string> }
  /** Write a (configuration) file. */
  | { t: 'write'; path: string; content: string }
  /** Stop the process in PIDFILE: SIGTERM, then SIGKILL after a grace period. */
  | { t: 'kill'; pidfile: string };

export interface Action {
  /** Unique and stable, e.g. `veth:host1:eth0`. */
  id: string;
  phase: Phase;
  /** Node it concerns (for grouping in `plan` output). */
  node?: string;
  /** One line for humans: what this does. */
  what: string;
  /** Where it comes from in the topology file. */
  path?: Path;
  do: Step[];
  /** Steps that undo it; none when deleting its namespace undoes it (`coveredBy`). */
  undo: Step[];
  coveredBy?: string;
}

export interface Plan {
  lab: string;
  actions: Action[];
}
