/**
 * Reading result.json and writing the reports beside it: `halab run` calls writeReports after
 * writing result.json; `halab report DIR` reads it back with readRunResult and does the same.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDiagnostic } from '../errors.js';
import type { RunResult } from '../model/result.js';
import { resultSchema } from '../model/result-schema.js';
import { parseText, type SourceDoc } from '../pipeline/parse.js';
import { schemaDiagnostics } from '../util/schema-check.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';

export const RESULT_FILE = 'result.json';
export const JUNIT_FILE = 'junit.xml';
export const HTML_FILE = 'report.html';

/** Writes DIR/junit.xml and DIR/report.html for `r`; returns their paths. */
export async function writeReports(dir: string, r: RunResult): Promise<{ junit: string; html: string }> {
  const junit = join(dir, JUNIT_FILE);
  const html = join(dir, HTML_FILE);
  await writeFile(junit, renderJunit(r));
  await writeFile(html, renderHtml(r));
  return { junit, html };
}

/** result.json is missing, unreadable, not JSON, or not a RunResult. */
export class ResultFileError extends Error {}

/**
 * Reads DIR/result.json and checks it holds a RunResult: the contract keys (DESIGN.md) with
 * their types, and the extras the renderers use where they are present. Extras that are missing
 * (a result written before they existed) get empty defaults.
 */
export async function readRunResult(dir: string): Promise<RunResult> {
  const file = join(dir, RESULT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ResultFileError(code === 'ENOENT' ? `${file}: no such file (is ${dir} a run directory of halab run?)` : `${file}: ${(e as Error).message}`);
  }
  let src: SourceDoc;
  try {
    JSON.parse(text);
    // JSON is YAML: parsed again with positions, the schema's complaints point at FILE:LINE:COL.
    src = parseText(text, file);
  } catch (e) {
    throw new ResultFileError(`${file}: not JSON: ${(e as Error).message}`);
  }
  const problems = schemaDiagnostics(resultSchema, src.data, src).map(formatDiagnostic);
  if (problems.length) throw new ResultFileError(`${file}: not a halab run result:\n${problems.slice(0, 10).map((p) => `  ${p}`).join('\n')}${problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : ''}`);
  return withDefaults(src.data as RunResult);
}

/** Fills the extras a result may lack, so the renderers need not ask. */
function withDefaults(r: RunResult): RunResult {
  return {
    ...r,
    labFile: r.labFile ?? '',
    topologyFile: r.topologyFile ?? '',
    trials: r.trials.map((t) => ({
      ...t,
      ok: t.ok ?? !t.assertions.some((a) => !a.ok),
      faults: (t.faults ?? (t.fault ? [{ ...t.fault }] : [])).map((f) => ({ ...f, detail: f.detail ?? '' })),
      flowsFromMs: t.flowsFromMs ?? null,
      flowsToMs: t.flowsToMs ?? null,
      phases: (t.phases ?? []).map((p) => ({ ...p, ok: p.ok ?? true, detail: p.detail ?? '' })),
      flows: t.flows.map((f) => ({ ...f, src: f.src ?? '', dst: f.dst ?? '', dstAddress: f.dstAddress ?? '', reordered: f.reordered ?? 0, duplicated: f.duplicated ?? 0, lossWindows: f.lossWindows ?? [] })),
    })),
  };
}
