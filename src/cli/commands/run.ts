/**
 * `halab run LAB|DIR [--trials N] [--out DIR] [--tap] [--json] [--filter RE]`: build, run the
 * scenario, measure, assert, tear down; result.json, junit.xml and report.html under
 * OUT/<lab>/<run-id>/. A folder runs every lab file in it as a suite, with a summary table.
 * Exit 0: every assertion held; 1: some failed; 2: bad input; 3: the machine lacks something.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { InputError, UsageError, type Diagnostic } from '../../errors.js';
import type { RunResult } from '../../model/result.js';
import { parseFile } from '../../pipeline/parse.js';
import { isLabFile, loadScenario, type LoadedScenario } from '../../pipeline/scenario.js';
import { renderTap } from '../../report/index.js';
import { checkEnvironment } from '../../runtime/netns/requirements.js';
import { runScenario, writeRun } from '../../scenario/run.js';
import { Interrupted } from '../../scenario/trial.js';
import { numberOption } from '../options.js';
import { runDisplay } from '../run-display.js';
import { flowTable, ms, table } from '../table.js';

export interface RunOpts {
  trials?: string;
  out?: string;
  tap?: boolean;
  json?: boolean;
  filter?: string;
  name?: string;
}


/** The lab files of a folder (YAML files that name a topology), sorted. */
function labFiles(dir: string, filter?: string): string[] {
  let re: RegExp | undefined;
  try {
    re = filter ? new RegExp(filter) : undefined;
  } catch (e) {
    throw new UsageError(`--filter '${filter}' is not a regular expression: ${(e as Error).message}`);
  }
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => {
      try {
        return isLabFile(parseFile(f));
      } catch {
        return true; // a broken lab file is reported by loadScenario
      }
    })
    .filter((f) => !re || re.test(f));
}

export function describeRun(r: RunResult, dir: string): string {
  const out: string[] = [];
  for (const t of r.trials) {
    for (const p of t.phases ?? []) if (p.name.startsWith('exec in ') && p.detail) out.push(p.detail);
    out.push(`${r.lab} trial ${t.index}/${r.trials.length}: ${t.ok ? 'ok' : 'FAILED'}${t.fault ? `; fault ${t.fault.kind} ${t.fault.target} at ${ms(t.fault.atMs)} ms` : ''}${t.aborted ? `; stopped early: ${t.aborted}` : ''}`);
    if (t.flows.length)
      out.push(flowTable(t.flows, (f) => `${f.name} (${f.proto}${f.proto === 'tcp' ? ', 0.1 s intervals' : ` ${f.rateHz} Hz`})`));
    const events = t.events.filter((e) => e.tMs >= -1000);
    if (events.length) {
      out.push('events (ms from the fault):');
      for (const e of events.slice(0, 30)) out.push(`  ${`${e.tMs >= 0 ? '+' : ''}${e.tMs.toFixed(1)}`.padStart(9)}  ${e.node}  ${e.kind}  ${e.detail}`);
      if (events.length > 30) out.push(`  ... ${events.length - 30} more in result.json`);
    }
    out.push('assertions:');
    for (const a of t.assertions) out.push(`  ${a.ok ? 'ok  ' : 'FAIL'}  ${a.name}: ${a.detail}`);
  }
  const s = Object.entries(r.summary);
  if (r.trials.length > 1 && s.length) {
    out.push(`outage over ${r.trials.length} trials (ms):`);
    out.push(table(['flow', 'min', 'median', 'p95', 'max'], s.map(([name, v]) => [name, ms(v.outageMs.min), ms(v.outageMs.median), ms(v.outageMs.p95), ms(v.outageMs.max)])));
  }
  out.push(`${r.ok ? 'PASS' : 'FAIL'} ${r.lab} in ${(r.durationMs / 1000).toFixed(1)} s: ${relative(process.cwd(), dir) || dir}/{result.json,junit.xml,report.html}`);
  return out.join('\n');
}

/** TAP for several labs: each lab's stream as a TAP 14 subtest, one parent point per lab. */
function suiteTap(runs: RunResult[]): string {
  const lines = ['TAP version 14', `1..${runs.length}`];
  runs.forEach((r, i) => {
    lines.push(`# Subtest: ${r.lab}`);
    lines.push(...renderTap(r).trimEnd().split('\n').filter((l) => !l.startsWith('TAP version')).map((l) => `    ${l}`));
    lines.push(`${r.ok ? 'ok' : 'not ok'} ${i + 1} - ${r.lab}`);
  });
  return `${lines.join('\n')}\n`;
}

export async function runCommand(path: string, opts: RunOpts): Promise<void> {
  const trials = numberOption('trials', opts.trials);
  if (trials !== undefined && !(Number.isInteger(trials) && trials >= 1 && trials <= 1000)) throw new UsageError(`--trials must be a whole number from 1 to 1000, not '${opts.trials}'`);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // not there: loadScenario says so, at the file
  }
  const files = isDir ? labFiles(path, opts.filter) : [path];
  if (isDir && !files.length) throw new UsageError(`no lab files in ${path}${opts.filter ? ` matching '${opts.filter}'` : ''}`);
  if (opts.name && files.length > 1) throw new UsageError('--name is for one lab, not a folder of them');

  // Every lab file is validated before anything is built.
  const loaded: LoadedScenario[] = [];
  const diags: Diagnostic[] = [];
  for (const f of files) {
    try {
      loaded.push(loadScenario(f, opts.name));
    } catch (e) {
      if (e instanceof InputError) diags.push(...e.diagnostics);
      else throw e;
    }
  }
  if (diags.length) throw new InputError(diags);
  for (const l of loaded) checkEnvironment(l.lab);

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\nhalab: interrupted; stopping the flows and taking the lab down (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const quiet = !!(opts.tap || opts.json);
  const runs: RunResult[] = [];
  const rows: (string | number)[][] = [];
  try {
    for (const l of loaded) {
      const display = runDisplay(l.lab.name, false);
      let r: RunResult;
      try {
        r = await runScenario(l, { ...(trials !== undefined ? { trials } : {}), hooks: display, signal: controller.signal });
      } finally {
        display.stop();
      }
      const dir = await writeRun(opts.out ?? 'results', r);
      runs.push(r);
      if (!quiet) console.log(describeRun(r, dir));
      const medians = Object.entries(r.summary).map(([n, v]) => `${n} ${ms(v.outageMs.median)}`);
      rows.push([r.lab, r.trials.length, r.ok ? 'PASS' : 'FAIL', medians.join(', ') || '-', (r.durationMs / 1000).toFixed(1), relative(process.cwd(), dir)]);
    }
  } catch (e) {
    if (e instanceof Interrupted) {
      process.exitCode = 130;
      return;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (opts.tap) process.stdout.write(runs.length === 1 && !isDir ? renderTap(runs[0]!) : suiteTap(runs));
  else if (opts.json) console.log(JSON.stringify(runs.length === 1 && !isDir ? runs[0] : runs, null, 2));
  if (isDir && !quiet) console.log(`\n${table(['lab', 'trials', 'result', 'median outage ms per flow', 'seconds', 'results'], rows)}`);
  process.exitCode = runs.every((r) => r.ok) ? 0 : 1;
}
