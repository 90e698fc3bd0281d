/**
 * One trial of a lab file on a lab that is up: its phases in order (waits, the baseline that
 * starts the flows, faults, observation, restores, verifies), then its measurements judged.
 * All times are taken on the monotonic clock and reported relative to the trial's first fault
 * (or the flows' start, or the trial's start).
 */
import { labDir } from '../pipeline/expand.js';
import type { AssertionResult, FlowResult, TrialResult } from '../model/result.js';
import type { AssertionSpec, Condition, FaultSpec, Phase, Scenario } from '../model/scenario.js';
import { conditionKinds } from '../plugins/conditions/index.js';
import type { ConditionResult } from '../plugins/conditions/types.js';
import { faultKinds } from '../plugins/faults/index.js';
import { round3 } from '../probes/udp/analyze.js';
import { eventsFile, monotonicMs, readEvents } from '../runtime/events.js';
import { injectFault, type InjectedFault } from '../runtime/netns/fault.js';
import { nodeCommand } from '../runtime/netns/node-command.js';
import { run } from '../runtime/netns/proc.js';
import { readState, type LabState } from '../runtime/netns/state.js';
import { shellJoin } from '../util/shell.js';
import { judge } from './assertions.js';
import { startFlows, type RunningFlows } from './flows.js';

export interface TrialHooks {
  /** A phase begins (its description). */
  phase(text: string): void;
  /** Flows started (or stopped: null), for a live display. */
  flows(f: RunningFlows | null): void;
}

export interface TrialOutcome {
  result: TrialResult;
  /** Faults still in effect that only a rebuild undoes (process-kill). */
  needsRebuild: boolean;
}

/** Thrown by sleeps and polls when the run is interrupted (Ctrl-C). */
export class Interrupted extends Error {}

const POLL_MS = 200;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Interrupted('interrupted'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Interrupted('interrupted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function describeCondition(c: Condition): string {
  return conditionKinds.get(c.kind)!.describe(c.options);
}

export function describePhase(p: Phase): string {
  switch (p.kind) {
    case 'wait':
    case 'verify':
      return `${p.kind} until ${p.conditions.map(describeCondition).join(' and ')} (up to ${p.deadlineMs / 1000} s)`;
    case 'baseline':
      return `baseline: flows start, ${p.ms / 1000} s before the fault`;
    case 'observe':
    case 'sleep':
      return `${p.kind} ${p.ms / 1000} s`;
    case 'fault':
      return `fault ${p.fault.kind} ${p.fault.target}${p.when.length ? ` when ${p.when.map(describeCondition).join(' and ')}` : ''}`;
    case 'restore':
      return 'restore: undo the faults';
    case 'exec':
      return `exec in ${p.node}: ${p.commands.map((c) => c.join(' ')).join('; ')}`;
  }
}

async function evaluate(conditions: readonly Condition[], state: LabState): Promise<ConditionResult[]> {
  return Promise.all(
    conditions.map(async (c) => {
      const node = state.nodes.find((n) => n.name === c.options.node)!;
      return conditionKinds
        .get(c.kind)!
        .evaluate(c.options, node, state)
        .catch((e: Error) => ({ ok: false, detail: `could not check: ${e.message}` }));
    }),
  );
}

/** Polls until every condition holds (true) or the deadline passes (false), with what was last seen. */
async function until(conditions: readonly Condition[], deadlineMs: number, state: LabState, signal: AbortSignal): Promise<{ ok: boolean; detail: string; tookMs: number }> {
  const t0 = monotonicMs();
  for (;;) {
    const rs = await evaluate(conditions, state);
    const ok = rs.every((r) => r.ok);
    const took = monotonicMs() - t0;
    if (ok || took >= deadlineMs) return { ok, detail: rs.map((r) => r.detail).join('; '), tookMs: took };
    await sleep(Math.min(POLL_MS, deadlineMs - took), signal);
  }
}

export async function runTrial(index: number, lab: string, sc: Scenario, hooks: TrialHooks, signal: AbortSignal): Promise<TrialOutcome> {
  const state = readState(lab);
  if (!state) throw new Error(`lab ${lab} is not up`);
  const t0 = monotonicMs();
  const phases: { name: string; from: number; to: number; ok: boolean; detail: string }[] = [];
  const assertions: AssertionResult[] = [];
  const injected: (InjectedFault & { undone: boolean })[] = [];
  const lastObserve = sc.phases.map((p) => p.kind).lastIndexOf('observe');
  let flows: RunningFlows | null = null;
  let flowsFrom: number | null = null;
  let flowsTo: number | null = null;
  let flowResults: FlowResult[] = [];
  let stateChecked = false;
  let aborted: string | undefined;

  const stateAssertions = sc.assertions.filter((a): a is Extract<AssertionSpec, { kind: 'state' }> => a.kind === 'state');
  const checkStates = async () => {
    if (stateChecked) return;
    stateChecked = true;
    const rs = await evaluate(
      stateAssertions.map((a) => a.condition),
      state,
    );
    stateAssertions.forEach((a, i) => assertions.push({ name: describeCondition(a.condition), ok: rs[i]!.ok, detail: rs[i]!.detail }));
  };
  // The trial's fault: the first one while the flows run (faults before the baseline set the lab up).
  const theFault = () => injected.find((f) => flowsFrom === null || f.atMs >= flowsFrom);
  const refMs = () => theFault()?.atMs ?? flowsFrom ?? t0;
  const stopFlows = async () => {
    if (!flows) return;
    const f = flows;
    flows = null;
    hooks.flows(null);
    flowsTo = monotonicMs();
    flowResults = await f.stop(refMs());
  };

  const inject = async (f: FaultSpec | { kind: string; target: string }) => {
    const opts = 'path' in f ? { ...(f.durationMs !== undefined ? { durationMs: f.durationMs } : {}), ...(f.signal ? { signal: f.signal } : {}) } : {};
    return injectFault(lab, f.kind, f.target, opts);
  };
  const restore = async () => {
    for (const f of [...injected].reverse()) {
      const undo = faultKinds.get(f.kind)!.undo;
      if (f.undone || !undo || undo === 'self') continue;
      await inject({ kind: undo, target: f.target });
      f.undone = true;
    }
  };

  try {
    for (const [i, p] of sc.phases.entries()) {
      const text = describePhase(p);
      hooks.phase(text);
      const from = monotonicMs();
      let ok = true;
      let detail = '';
      switch (p.kind) {
        case 'wait':
        case 'verify': {
          const r = await until(p.conditions, p.deadlineMs, state, signal);
          ok = r.ok;
          detail = `${r.ok ? `held after ${(r.tookMs / 1000).toFixed(1)} s` : `not within ${p.deadlineMs / 1000} s`}: ${r.detail}`;
          assertions.push({ name: `${p.kind}: ${p.conditions.map(describeCondition).join(' and ')}`, ok, detail });
          break;
        }
        case 'baseline':
          flows = await startFlows(lab, state, sc.flows);
          flowsFrom = monotonicMs();
          hooks.flows(flows);
          await sleep(p.ms, signal);
          break;
        case 'observe':
        case 'sleep':
          await sleep(p.ms, signal);
          break;
        case 'fault': {
          if (p.when.length) {
            const r = await until(p.when, p.deadlineMs, state, signal);
            if (!r.ok) {
              ok = false;
              detail = `the fault's condition did not hold within ${p.deadlineMs / 1000} s: ${r.detail}`;
              assertions.push({ name: `fault ${p.fault.kind} ${p.fault.target}: when ${p.when.map(describeCondition).join(' and ')}`, ok, detail });
              break;
            }
          }
          const f = await inject(p.fault);
          injected.push({ ...f, undone: false });
          detail = f.detail;
          break;
        }
        case 'restore':
          await restore();
          break;
        case 'exec': {
          const node = state.nodes.find((n) => n.name === p.node)!;
          const outputs: string[] = [];
          for (const c of p.commands) {
            const { argv, env } = nodeCommand(lab, node, c);
            const r = await run(argv, { env: env as Record<string, string> });
            outputs.push(`${node.name}$ ${shellJoin(c)}\n${(r.stdout + r.stderr).trimEnd()}`.trimEnd());
            if (r.code !== 0) {
              ok = false;
              assertions.push({ name: `exec in ${node.name}: ${shellJoin(c)}`, ok, detail: `exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 500)}` });
              break;
            }
          }
          detail = outputs.join('\n');
          break;
        }
      }
      phases.push({ name: text, from, to: monotonicMs(), ok, detail });
      if (i === lastObserve) {
        await stopFlows();
        await checkStates();
      }
      if (!ok && (p.kind === 'wait' || p.kind === 'fault' || p.kind === 'exec')) {
        aborted = `${text}: ${detail}`;
        break;
      }
    }
  } catch (e) {
    if (e instanceof Interrupted) throw e;
    aborted = (e as Error).message;
    phases.push({ name: 'error', from: monotonicMs(), to: monotonicMs(), ok: false, detail: aborted });
  } finally {
    // Interrupted or not, the flows' agents are stopped here.
    await stopFlows().catch((e: Error) => (aborted ??= `stopping the flows: ${e.message}`));
  }
  if (aborted) {
    assertions.push({ name: 'trial ran to the end', ok: false, detail: aborted });
    if (!stateChecked) for (const a of stateAssertions) assertions.push({ name: describeCondition(a.condition), ok: false, detail: 'not checked: the trial stopped early' });
  }
  const end = monotonicMs();
  const ref = refMs();
  const rel = (t: number) => round3(t - ref);
  const events = readEvents(eventsFile(labDir(lab)), t0)
    .filter((e) => e.tMs <= end)
    .map((e) => ({ ...e, tMs: rel(e.tMs) }));
  for (const a of sc.assertions) {
    if (a.kind === 'state') continue;
    if (aborted && (a.kind === 'outage' || a.kind === 'recovered') && !flowResults.length) {
      assertions.push({ name: `${a.kind}${a.kind === 'outage' || a.kind === 'recovered' ? ` of ${a.flow ?? 'every flow'}` : ''}`, ok: false, detail: 'not measured: the trial stopped early' });
      continue;
    }
    assertions.push(...judge(a, flowResults, events));
  }

  // Between trials the lab must be as it was: undo what can be undone.
  let needsRebuild = false;
  try {
    await restore();
  } catch {
    needsRebuild = true;
  }
  if (injected.some((f) => !f.undone && !faultKinds.get(f.kind)!.undo)) needsRebuild = true;

  const first = theFault();
  return {
    needsRebuild,
    result: {
      index,
      ok: !aborted && assertions.every((a) => a.ok),
      // atMs: when the fault came, after the flows started (else the trial).
      fault: first ? { kind: first.kind, target: first.target, atMs: round3(first.atMs - (flowsFrom ?? t0)) } : null,
      faults: injected.map((f) => ({ kind: f.kind, target: f.target, atMs: rel(f.atMs), ...(f.endMs !== undefined ? { endMs: rel(f.endMs) } : {}), detail: f.detail })),
      flowsFromMs: flowsFrom === null ? null : rel(flowsFrom),
      flowsToMs: flowsTo === null ? null : rel(flowsTo),
      flows: flowResults,
      events,
      assertions,
      phases: phases.map((p) => ({ name: p.name, fromMs: rel(p.from), toMs: rel(p.to), ok: p.ok, detail: p.detail })),
      ...(aborted ? { aborted } : {}),
    },
  };
}
