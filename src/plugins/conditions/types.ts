/**
 * Conditions on a running lab, for lab files (docs/labs.md): a `wait` polls one until it holds or
 * its deadline passes, a `verify` or an assertion records whether it held. Every condition names
 * the node it looks at (`node`); its plugin checks the rest of its options against the topology.
 */
import type { Lab, LabNode } from '../../model/lab.js';
import type { Path } from '../../model/path.js';
import type { LabState, StateNode } from '../../runtime/netns/state.js';

export interface ConditionResult {
  ok: boolean;
  /** What was seen: "r2 VRRP LAN is MASTER (priority 100)", "0.0.0.0/0 via 172.16.0.1". */
  detail: string;
}

export interface ConditionKind<O = Record<string, unknown>> {
  kind: string;
  summary: string;
  /** JSON schema of the options; `node` (a string) is required of every condition. */
  schema: object;
  /** Checks beyond the schema, against the topology: report(path under the options, message). */
  check(o: O, node: LabNode, lab: Lab, report: (path: Path, message: string) => void): void;
  /** What must hold, in words: "r2 VRRP LAN is MASTER". */
  describe(o: O): string;
  evaluate(o: O, node: StateNode, state: LabState): Promise<ConditionResult>;
}
