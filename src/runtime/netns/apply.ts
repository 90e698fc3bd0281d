/**
 * Stage 5 (netns runtime): execute a plan phase by phase. Within a phase, each node's actions run
 * in order while different nodes run in parallel. The state file is written before every phase;
 * on any failure (or Ctrl-C) everything started is undone in reverse and ApplyError is thrown.
 */
import { resolve } from 'node:path';
import { ApplyError, UsageError } from '../../errors.js';
import type { Lab } from '../../model/lab.js';
import { PHASES, type Action, type Phase, type Plan } from '../../model/plan.js';
import { NS_PREFIX } from '../../util/names.js';
import { runSteps, type StepFailure } from './executor.js';
import { listNetns } from './proc.js';
import { claimLabDir, newState, writeState, type LabState } from './state.js';
import { teardown } from './teardown.js';

export interface ApplyProgress {
  phase(phase: Phase, actions: number): void;
  advance(actions: number): void;
  end(ok: boolean): void;
}

const noProgress: ApplyProgress = { phase() {}, advance() {}, end() {} };

/** Parallel groups per phase: enough to overlap process start-up on 2 cores. */
const CONCURRENCY = 4;

export async function applyPlan(lab: Lab, plan: Plan, opts: { topologyFile: string; progress?: ApplyProgress }): Promise<LabState> {
  const progress = opts.progress ?? noProgress;
  const prefix = `${NS_PREFIX}${lab.name}.`;
  if (!claimLabDir(lab.name)) throw new UsageError(`lab '${lab.name}' is already up; take it down with 'halab down ${lab.name}', or pick another --name`);
  const stale = listNetns().filter((n) => n.startsWith(prefix));
  const state = newState(lab, resolve(opts.topologyFile), plan.actions);

  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (stale.length) {
      writeState(state);
      throw new ApplyError(`ip netns add ${stale[0]}`, `namespaces of a lab '${lab.name}' are still there (${stale.join(', ')}); run 'halab clean'`, false);
    }
    for (const phase of PHASES) {
      const actions = plan.actions.filter((a) => a.phase === phase);
      if (!actions.length) continue;
      state.started.push(...actions.map((a) => a.id));
      writeState(state);
      progress.phase(phase, actions.length);
      const failure = await runPhase(actions, progress);
      if (failure || interrupted) {
        await rollback(state);
        progress.end(false);
        if (failure) throw new ApplyError(failure.command, failure.stderr, true);
        throw new ApplyError('(interrupted)', 'halab up was interrupted; everything it built has been removed', true);
      }
    }
    state.status = 'up';
    writeState(state);
    progress.end(true);
    return state;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function rollback(state: LabState): Promise<void> {
  state.status = 'failed';
  writeState(state);
  await teardown(state);
}

async function runPhase(actions: Action[], progress: ApplyProgress): Promise<StepFailure | null> {
  const groups = new Map<string, Action[]>();
  for (const a of actions) {
    const key = a.node ?? '';
    const g = groups.get(key) ?? [];
    g.push(a);
    groups.set(key, g);
  }
  const queue = [...groups.values()];
  let failure: StepFailure | null = null;
  const worker = async () => {
    while (!failure) {
      const g = queue.shift();
      if (!g) return;
      const f = await runSteps(g.flatMap((a) => a.do));
      if (f.length) failure ??= f[0]!;
      progress.advance(g.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  return failure;
}
