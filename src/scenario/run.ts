/**
 * `halab run LAB`: builds the lab, runs its trials (restoring or rebuilding between them), takes
 * it down, and returns the RunResult (DESIGN.md contract). Writing result.json and the reports is
 * the caller's (writeRun), so that a suite can run labs one after another.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, release } from 'node:os';
import { join } from 'node:path';
import type { RunResult, TrialResult } from '../model/result.js';
import type { LoadedScenario } from '../pipeline/scenario.js';
import { summarize, writeReports } from '../report/index.js';
import { applyPlan, type ApplyProgress } from '../runtime/netns/apply.js';
import { readState } from '../runtime/netns/state.js';
import { teardown } from '../runtime/netns/teardown.js';
import { runTrial, type TrialHooks } from './trial.js';

export interface RunHooks extends TrialHooks {
  /** Progress of building the lab (per build). */
  build(): ApplyProgress;
  /** A trial begins (1-based) / ended. */
  trial(index: number, of: number): void;
  trialDone(t: TrialResult): void;
  /** Something worth a line (a rebuild, a teardown warning). */
  note(text: string): void;
}

export interface RunOptions {
  trials?: number;
  hooks: RunHooks;
  signal: AbortSignal;
}

/** 20261121T214501Z-3fa2: sortable, unique enough for one machine. */
export function newRunId(d = new Date()): string {
  return `${d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;
}

export async function runScenario(loaded: LoadedScenario, o: RunOptions): Promise<RunResult> {
  const { scenario: sc, lab, plan } = loaded;
  const n = o.trials ?? sc.trials;
  const started = new Date();
  const t0 = performance.now();
  const trials: TrialResult[] = [];
  const build = () => applyPlan(lab, plan, { topologyFile: sc.topologyFile, progress: o.hooks.build(), readyTimeoutMs: sc.readyTimeoutMs });
  const down = async () => {
    const state = readState(lab.name);
    if (!state) return;
    for (const f of await teardown(state)) o.hooks.note(`warning: ${f.command}: ${f.stderr.trim()}`);
  };
  await build();
  try {
    let rebuild = false;
    for (let i = 1; i <= n; i++) {
      if (i > 1 && (rebuild || sc.betweenTrials === 'rebuild')) {
        o.hooks.note(`trial ${i}: rebuilding the lab${rebuild && sc.betweenTrials !== 'rebuild' ? ' (a fault of the last trial has no undo)' : ''}`);
        await down();
        await build();
      }
      o.hooks.trial(i, n);
      const out = await runTrial(i, lab.name, sc, o.hooks, o.signal);
      trials.push(out.result);
      o.hooks.trialDone(out.result);
      rebuild = out.needsRebuild;
    }
  } finally {
    await down();
  }
  return {
    lab: sc.name,
    runId: newRunId(started),
    ok: trials.every((t) => t.ok),
    startedAt: started.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    labFile: sc.file,
    topologyFile: sc.topologyFile,
    ...(sc.description ? { description: sc.description } : {}),
    host: { hostname: hostname(), kernel: release(), cpus: cpus().length },
    trials,
    summary: summarize(trials),
  };
}

/** Writes OUT/<lab>/<run-id>/result.json and the reports beside it; returns the folder. */
export async function writeRun(outRoot: string, r: RunResult): Promise<string> {
  const dir = join(outRoot, r.lab, r.runId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'result.json'), `${JSON.stringify(r, null, 2)}\n`);
  await writeReports(dir, r);
  return dir;
}
