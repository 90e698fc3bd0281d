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
import { ipFanOut, runSteps, type StepFailure } from './executor.js';
import { LAB_ENV, listNetns } from './proc.js';
import { claimLabDir, newState, writeState, type LabState } from './state.js';
import { describeNotReady, waitReady } from './ready.js';
import { teardown } from './teardown.js';

export interface ApplyProgress {
  phase(phase: Phase | 'ready', actions: number): void;
  advance(actions: number): void;
  end(ok: boolean): void;
}

const noProgress: ApplyProgress = { phase() {}, advance() {}, end() {} };

/** Parallel groups per phase: enough to overlap process start-up on 2 cores. */
const CONCURRENCY = 4;

export const DEFAULT_READY_TIMEOUT_MS = 60_000;

export async function applyPlan(lab: Lab, plan: Plan, opts: { topologyFile: string; progress?: ApplyProgress; readyTimeoutMs?: number }): Promise<LabState> {
  const progress = opts.progress ?? noProgress;
  const prefix = `${NS_PREFIX}${lab.name}.`;
  if (!claimLabDir(lab.name)) throw new UsageError(`lab '${lab.name}' is already up; take it down with 'halab down ${lab.name}', or pick another --name`);
  const stale = listNetns().filter((n) => n.startsWith(prefix));
  const state = newState(lab, resolve(opts.topologyFile), plan.actions);

  // Every process started from here on (daemons included) carries the lab's name.
  process.env[LAB_ENV] = lab.name;
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
    const timeout = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    let counted = 0;
    const notReady = await waitReady(state, timeout, (ready, total) => {
      if (!counted) progress.phase('ready', total);
      progress.advance(ready - counted);
      counted = ready;
    });
    if (notReady.length || interrupted) {
      await rollback(state);
      progress.end(false);
      throw new ApplyError('waiting for services to be ready', interrupted ? 'halab up was interrupted' : describeNotReady(notReady, timeout), true);
    }
    state.status = 'up';
    writeState(state);
    progress.end(true);
    return state;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    delete process.env[LAB_ENV];
  }
}

async function rollback(state: LabState): Promise<void> {
  state.status = 'failed';
  writeState(state);
  await teardown(state);
}

/** Group key: the node whose namespace the action works in, or '' for root-namespace work. */
function groupOf(a: Action): string {
  const rootOnly = a.do.every((s) => s.t === 'netns-add' || s.t === 'netns-del' || ((s.t === 'ip' || s.t === 'exec') && !s.ns));
  return rootOnly ? '' : (a.node ?? '');
}

/** A group whose steps are all `ip` commands in one namespace: its namespace, else null. */
function ipOnlyNamespace(actions: Action[]): string | null {
  const steps = actions.flatMap((a) => a.do);
  const ns = steps[0]?.t === 'ip' ? steps[0].ns : undefined;
  return ns && steps.every((s) => s.t === 'ip' && s.ns === ns) ? ns : null;
}

async function runPhase(actions: Action[], progress: ApplyProgress): Promise<StepFailure | null> {
  const groups = new Map<string, Action[]>();
  for (const a of actions) {
    const key = groupOf(a);
    const g = groups.get(key) ?? [];
    g.push(a);
    groups.set(key, g);
  }
  // Namespaces that need only ip commands (most hosts) are configured by one fan-out process:
  // spawning from node costs several ms per child, xargs far less.
  const simple = [...groups.values()].filter((g) => ipOnlyNamespace(g) !== null);
  const queue = [...groups.values()].filter((g) => ipOnlyNamespace(g) === null);
  let failure: StepFailure | null = null;
  const fanOut = async () => {
    if (!simple.length) return;
    const f = await ipFanOut(simple.map((g) => ({ ns: ipOnlyNamespace(g)!, steps: g.flatMap((a) => a.do) })));
    if (f) failure ??= f;
    progress.advance(simple.reduce((n, g) => n + g.length, 0));
  };
  const worker = async () => {
    while (!failure) {
      const g = queue.shift();
      if (!g) return;
      const f = await runSteps(g.flatMap((a) => a.do));
      if (f.length) failure ??= f[0]!;
      progress.advance(g.length);
    }
  };
  await Promise.all([fanOut(), ...Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker)]);
  return failure;
}
