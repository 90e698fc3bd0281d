/**
 * What `halab run` writes to results/<lab>/<run-id>/result.json. The keys named in DESIGN.md
 * ("CLI contract") are contract; the rest (marked "extra") feed the report's timeline and are
 * free to grow. All times are ms: absolute ones on the machine's monotonic clock, relative ones
 * from the trial's first fault (or from the flows' start when a trial has no fault).
 */

export interface RunResult {
  lab: string;
  runId: string;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  /** extra: the lab file and topology file, as given. */
  labFile: string;
  topologyFile: string;
  description?: string;
  /** extra: machine facts for reading the numbers (kernel, cores). */
  host: { hostname: string; kernel: string; cpus: number };
  trials: TrialResult[];
  summary: Record<string, { outageMs: Stats }>;
}

export interface Stats {
  min: number;
  median: number;
  p95: number;
  max: number;
}

export interface TrialResult {
  index: number;
  ok: boolean;
  /**
   * The trial's fault: the first one after the flows started (faults before the baseline only set
   * the lab up), atMs after the flows started; null when it had none.
   */
  fault: { kind: string; target: string; atMs: number } | null;
  /** extra: every fault of the trial, atMs relative like everything else (the first is at 0). */
  faults: { kind: string; target: string; atMs: number; endMs?: number; detail: string }[];
  /** extra: when the flows started and stopped, relative. */
  flowsFromMs: number | null;
  flowsToMs: number | null;
  flows: FlowResult[];
  events: TrialEvent[];
  assertions: AssertionResult[];
  /** extra: the phases as they ran, relative times. */
  phases: { name: string; fromMs: number; toMs: number; ok: boolean; detail: string }[];
  /** extra: why a trial stopped early (a wait that timed out, a fault that failed). */
  aborted?: string;
}

export interface TrialEvent {
  tMs: number;
  node: string;
  kind: string;
  detail: string;
}

export interface FlowResult {
  name: string;
  proto: 'udp' | 'tcp' | 'icmp' | 'http';
  rateHz: number;
  sent: number;
  received: number;
  lost: number;
  outageMs: number;
  maxGapMs: number;
  firstLossMs: number | null;
  recoveredMs: number | null;
  /** extra */
  src: string;
  dst: string;
  dstAddress: string;
  reordered: number;
  duplicated: number;
  /** extra: runs of lost packets (send times), relative. */
  lossWindows: { startMs: number; endMs: number; count: number }[];
  /**
   * extra, for tcp (iperf3): throughput per interval (bits/s), relative start times, and the
   * intervals where it fell below a tenth of the median (the dip).
   */
  intervals?: { startMs: number; endMs: number; bps: number }[];
  /** extra, for http: who answered (the first line of each body: a member's name) and how often, in order of first answer. */
  answeredBy?: { by: string; count: number }[];
}

export interface AssertionResult {
  name: string;
  ok: boolean;
  detail: string;
  /** extra: the measured value, and the limit it was held to, when there is one. */
  measured?: number | string | null;
  limit?: number | string;
}
