/**
 * What `halab run` shows while it runs. On a TTY: a live block on stderr with the lab, trial k of
 * N, the phase, and each flow's state (packets received, or how long it has been in loss).
 * Elsewhere (CI logs): one line per trial and phase on stderr, nothing live.
 */
import ora from 'ora';
import type { TrialResult } from '../model/result.js';
import type { RunHooks } from '../scenario/run.js';
import type { RunningFlows } from '../scenario/flows.js';
import { progressFor } from './progress.js';

/** A flow with no arrival for this long shows as in loss. */
const LOSS_AFTER_MS = 50;

export function runDisplay(lab: string, quiet: boolean): RunHooks & { stop(): void } {
  const tty = !!process.stderr.isTTY && !!process.stderr.columns && !quiet;
  let trial = '';
  let phase = '';
  let flows: RunningFlows | null = null;
  const line = (s: string) => !quiet && process.stderr.write(`${s}\n`);
  const spinner = tty ? ora({ stream: process.stderr, discardStdin: false }) : null;
  const render = () => {
    if (!spinner) return;
    const live = (flows?.progress() ?? []).map((f) => {
      const state = f.sinceLastMs === null ? 'waiting for the first packet' : f.sinceLastMs > LOSS_AFTER_MS ? `LOSS for ${Math.round(f.sinceLastMs)} ms` : 'flowing';
      return `    ${f.name.padEnd(24)} ${String(f.received).padStart(8)} received  ${state}`;
    });
    spinner.text = [`${lab} ${trial}: ${phase}`, ...live].join('\n');
  };
  const timer = spinner ? setInterval(render, 100) : null;
  return {
    build() {
      spinner?.stop();
      line(`${lab}: building the lab`);
      const p = progressFor(`up ${lab}`);
      return { ...p, end: (ok) => p.end(ok) };
    },
    trial(i, n) {
      trial = `trial ${i}/${n}`;
      if (!spinner) line(`${lab}: ${trial}`);
    },
    phase(text) {
      phase = text;
      if (spinner) {
        if (!spinner.isSpinning) spinner.start();
        render();
      } else line(`  ${text}`);
    },
    flows(f) {
      flows = f;
    },
    trialDone(t: TrialResult) {
      spinner?.stop();
      const failed = t.assertions.filter((a) => !a.ok).length;
      line(`${lab} ${trial}: ${t.ok ? 'ok' : `FAILED (${failed} of ${t.assertions.length} assertions)`}; ${t.flows.map((f) => `${f.name} ${f.outageMs.toFixed(1)} ms`).join(', ') || 'no flows'}`);
    },
    note(text) {
      spinner?.stop();
      line(`${lab}: ${text}`);
    },
    stop() {
      if (timer) clearInterval(timer);
      spinner?.stop();
    },
  };
}
