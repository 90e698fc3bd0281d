/**
 * `halab run --tap`: TAP version 14 (https://testanything.org/tap-version-14-specification.html).
 * One test point per assertion per trial, numbered in order, the plan first. A failed point
 * carries a YAML diagnostic block (measured, limit, detail, the trial's fault). Trials that were
 * aborted early still yield the assertions they have; one with none yields a single failed point
 * saying why it stopped, and a run that is not ok without any failed assertion yields one more,
 * so a TAP consumer never reads such a run as passing.
 */
import { stringify } from 'yaml';
import type { RunResult } from '../model/result.js';
import { assertionTitle, oneLine } from './format.js';

interface Point {
  ok: boolean;
  title: string;
  diag?: Record<string, unknown>;
}

export function renderTap(r: RunResult): string {
  const points: Point[] = [];
  const comments = new Map<number, string[]>(); // before point index
  const comment = (s: string) => {
    const list = comments.get(points.length) ?? [];
    list.push(`# ${oneLine(s)}`);
    comments.set(points.length, list);
  };
  for (const t of r.trials) {
    const fault = t.fault ? `${t.fault.kind} ${t.fault.target}` : 'no fault';
    comment(`trial ${t.index}: ${fault}${t.aborted ? `; aborted: ${t.aborted}` : ''}`);
    for (const a of t.assertions) {
      const p: Point = { ok: a.ok, title: assertionTitle(t, a) };
      if (!a.ok) {
        p.diag = {
          trial: t.index,
          assertion: a.name,
          ...(a.measured !== undefined ? { measured: a.measured } : {}),
          ...(a.limit !== undefined ? { limit: a.limit } : {}),
          detail: a.detail,
          ...(t.fault ? { fault: `${t.fault.kind} ${t.fault.target}` } : {}),
          ...(t.aborted ? { aborted: t.aborted } : {}),
        };
      }
      points.push(p);
    }
    if (t.aborted && t.assertions.length === 0)
      points.push({ ok: false, title: `trial ${t.index}: aborted (${oneLine(t.aborted)})`, diag: { trial: t.index, aborted: t.aborted } });
  }
  if (!r.ok && !points.some((p) => !p.ok))
    points.push({ ok: false, title: 'run: not ok', diag: { detail: r.trials.length ? 'the run is marked not ok, though no assertion failed' : 'the run has no trials' } });

  const out = ['TAP version 14', `# halab run ${oneLine(r.lab)} ${oneLine(r.runId)}, started ${oneLine(r.startedAt)}`, `1..${points.length}`];
  points.forEach((p, i) => {
    out.push(...(comments.get(i) ?? []));
    out.push(`${p.ok ? 'ok' : 'not ok'} ${i + 1} - ${escapeDescription(p.title)}`);
    if (p.diag) out.push(yamlBlock(p.diag));
  });
  out.push(...(comments.get(points.length) ?? []));
  const failed = points.filter((p) => !p.ok).length;
  out.push(`# ${points.length - failed} passed, ${failed} failed, ${r.trials.length} trial(s), ${(r.durationMs / 1000).toFixed(1)} s`);
  return out.join('\n') + '\n';
}

/** TAP 14: `#` starts a directive and `\` escapes it, so both are escaped in a description. */
function escapeDescription(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/#/g, '\\#');
}

function yamlBlock(diag: Record<string, unknown>): string {
  const body = stringify(diag, { lineWidth: 0 }).trimEnd();
  return ['  ---', ...body.split('\n').map((l) => `  ${l}`), '  ...'].join('\n');
}
