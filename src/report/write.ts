/**
 * Reading result.json and writing the reports beside it: `halab run` calls writeReports after
 * writing result.json; `halab report DIR` reads it back with readRunResult and does the same.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../model/result.js';
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
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ResultFileError(`${file}: not JSON: ${(e as Error).message}`);
  }
  const problems = checkRunResult(data);
  if (problems.length) throw new ResultFileError(`${file}: not a halab run result:\n${problems.slice(0, 10).map((p) => `  ${p}`).join('\n')}${problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : ''}`);
  return withDefaults(data as RunResult);
}

type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string';
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const bool: Check = (v) => typeof v === 'boolean';
const numOrNull: Check = (v) => v === null || num(v);
const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const names = new Map<Check, string>([
  [str, 'a string'],
  [num, 'a number'],
  [bool, 'true or false'],
  [numOrNull, 'a number or null'],
]);

/** What is wrong with `v` as a RunResult, one message per problem, each with its path; empty when fine. */
export function checkRunResult(v: unknown): string[] {
  const out: string[] = [];
  if (!obj(v)) return ['the top level is not an object'];
  const field = (o: Record<string, unknown>, path: string, key: string, check: Check, optional = false) => {
    if (!(key in o) || o[key] === undefined) {
      if (!optional) out.push(`${path}${key}: missing`);
      return;
    }
    if (!check(o[key])) out.push(`${path}${key}: expected ${names.get(check) ?? 'another type'}`);
  };
  const list = (o: Record<string, unknown>, path: string, key: string, each: (x: Record<string, unknown>, p: string) => void, optional = false) => {
    const a = o[key];
    if (a === undefined && optional) return;
    if (!Array.isArray(a)) return void out.push(`${path}${key}: expected a list`);
    a.forEach((x, i) => (obj(x) ? each(x, `${path}${key}[${i}].`) : out.push(`${path}${key}[${i}]: expected an object`)));
  };
  field(v, '', 'lab', str);
  field(v, '', 'runId', str);
  field(v, '', 'ok', bool);
  field(v, '', 'startedAt', str);
  field(v, '', 'durationMs', num);
  field(v, '', 'labFile', str, true);
  field(v, '', 'topologyFile', str, true);
  field(v, '', 'description', str, true);
  if (v.host !== undefined) {
    if (!obj(v.host)) out.push('host: expected an object');
    else {
      field(v.host, 'host.', 'hostname', str);
      field(v.host, 'host.', 'kernel', str);
      field(v.host, 'host.', 'cpus', num);
    }
  }
  if (!obj(v.summary)) out.push('summary: expected an object');
  else
    for (const [k, s] of Object.entries(v.summary)) {
      if (!obj(s) || !obj(s.outageMs)) out.push(`summary.${k}.outageMs: expected an object`);
      else for (const q of ['min', 'median', 'p95', 'max']) field(s.outageMs, `summary.${k}.outageMs.`, q, num);
    }
  list(v, '', 'trials', (t, p) => {
    field(t, p, 'index', num);
    field(t, p, 'ok', bool, true);
    if (t.fault !== null) {
      if (!obj(t.fault)) out.push(`${p}fault: expected an object or null`);
      else {
        field(t.fault, `${p}fault.`, 'kind', str);
        field(t.fault, `${p}fault.`, 'target', str);
        field(t.fault, `${p}fault.`, 'atMs', num);
      }
    }
    list(t, p, 'faults', (f, q) => {
      field(f, q, 'kind', str);
      field(f, q, 'target', str);
      field(f, q, 'atMs', num);
      field(f, q, 'endMs', num, true);
      field(f, q, 'detail', str, true);
    }, true);
    field(t, p, 'flowsFromMs', numOrNull, true);
    field(t, p, 'flowsToMs', numOrNull, true);
    field(t, p, 'aborted', str, true);
    list(t, p, 'flows', (f, q) => {
      field(f, q, 'name', str);
      if (!['udp', 'tcp', 'icmp'].includes(f.proto as string)) out.push(`${q}proto: expected udp, tcp or icmp`);
      for (const k of ['rateHz', 'sent', 'received', 'lost', 'outageMs', 'maxGapMs']) field(f, q, k, num);
      for (const k of ['firstLossMs', 'recoveredMs']) field(f, q, k, numOrNull);
      for (const k of ['src', 'dst', 'dstAddress']) field(f, q, k, str, true);
      for (const k of ['reordered', 'duplicated']) field(f, q, k, num, true);
      list(f, q, 'lossWindows', (w, r) => ['startMs', 'endMs', 'count'].forEach((k) => field(w, r, k, num)), true);
      list(f, q, 'intervals', (w, r) => ['startMs', 'endMs', 'bps'].forEach((k) => field(w, r, k, num)), true);
    });
    list(t, p, 'events', (e, q) => {
      field(e, q, 'tMs', num);
      field(e, q, 'node', str);
      field(e, q, 'kind', str);
      field(e, q, 'detail', str);
    });
    list(t, p, 'assertions', (a, q) => {
      field(a, q, 'name', str);
      field(a, q, 'ok', bool);
      field(a, q, 'detail', str);
      if (a.measured !== undefined && a.measured !== null && !num(a.measured) && !str(a.measured)) out.push(`${q}measured: expected a number, a string or null`);
      if (a.limit !== undefined && !num(a.limit) && !str(a.limit)) out.push(`${q}limit: expected a number or a string`);
    });
    list(t, p, 'phases', (ph, q) => {
      field(ph, q, 'name', str);
      field(ph, q, 'fromMs', num);
      field(ph, q, 'toMs', num);
      field(ph, q, 'ok', bool, true);
      field(ph, q, 'detail', str, true);
    }, true);
  });
  return out;
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
