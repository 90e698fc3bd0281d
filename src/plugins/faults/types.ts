/** Fault kinds (DESIGN.md "Faults"): each takes effect at a recorded moment on the monotonic clock. */
import type { LabState, StateNode } from '../../runtime/netns/state.js';

export interface FaultOptions {
  /** blackhole: how long traffic is dropped. */
  durationMs?: number;
  /** process-kill: SIGKILL (default) or SIGTERM. */
  signal?: 'KILL' | 'TERM';
}

export interface FaultContext {
  state: LabState;
  node: StateNode;
  /** The part of TARGET after `NODE:` (an interface, port or program), if any. */
  part?: string;
  opts: FaultOptions;
  /** Run argv inside the node's namespace; throws with the command's stderr on failure. Returns when it finished (monotonic ms). */
  inNode(argv: string[], input?: string): Promise<number>;
  /** Run `ip` commands (batch lines) in the node through one session; resolves when they were done, precisely (see runtime/netns/session.ts). */
  ip(lines: string[]): Promise<number>;
}

export interface FaultResult {
  /** When the fault took effect (monotonic ms: the moment its command returned). */
  atMs: number;
  /** For faults that end by themselves (blackhole): when they ended. */
  endMs?: number;
  /** How uncertain atMs/endMs are together: the stamps come when the commands' round trips end, the effect somewhere within them. */
  uncertaintyMs?: number;
  /** Human detail for the event and the CLI. */
  detail: string;
}

export interface FaultKind {
  kind: string;
  summary: string;
  /** What TARGET names: a node, `NODE:INTERFACE`, `NODE:PORT` of a switch node, `NODE:PROGRAM`. */
  target: 'node' | 'interface' | 'port' | 'program';
  /**
   * The fault kind that undoes this one on the same target (`halab run`'s restore), or 'self'
   * for faults that end by themselves (blackhole, node-restart). None: only a rebuild undoes it.
   */
  undo?: string;
  inject(ctx: FaultContext): Promise<FaultResult>;
}
