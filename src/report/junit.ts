/**
 * junit.xml beside result.json, for CI systems that read JUnit reports: one <testsuite> per
 * trial, one <testcase> per assertion of that trial, a <failure> (message and detail) for each
 * assertion that failed. Times are seconds, as JUnit readers expect: a suite's is the trial's
 * span, a case's 0 (an assertion is checked on the trial's measurements, not run on its own).
 * An aborted trial without assertions gets one <testcase> with an <error> saying why.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { AssertionResult, RunResult, TrialResult } from '../model/result.js';
import { assertionTitle, ms, oneLine, trialDurationMs, value } from './format.js';

type Node = Record<string, unknown>;

export function renderJunit(r: RunResult): string {
  const suites = r.trials.map((t) => suite(r, t));
  const sum = (k: 'tests' | 'failures' | 'errors') => suites.reduce((n, s) => n + (s[`@_${k}`] as number), 0);
  const root: Node = {
    '@_name': xmlText(`halab ${r.lab}`),
    '@_tests': sum('tests'),
    '@_failures': sum('failures'),
    '@_errors': sum('errors'),
    '@_time': seconds(r.durationMs),
    '@_timestamp': xmlText(r.startedAt),
    testsuite: suites,
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: true, suppressEmptyNode: true });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ testsuites: root }) as string}`;
}

function suite(r: RunResult, t: TrialResult): Node {
  const classname = xmlText(`halab.${r.lab}.trial${t.index}`);
  const cases: Node[] = t.assertions.map((a) => testcase(t, a, classname));
  if (t.aborted && t.assertions.length === 0)
    cases.push({ '@_name': xmlText(`trial ${t.index}: aborted`), '@_classname': classname, '@_time': seconds(0), error: { '@_message': xmlText(t.aborted), '@_type': 'aborted', '#text': xmlText(t.aborted) } });
  const properties = [
    ['lab', r.lab],
    ['runId', r.runId],
    ['trial', String(t.index)],
    ...(t.fault ? [['fault', `${t.fault.kind} ${t.fault.target}`]] : []),
    ...(t.aborted ? [['aborted', t.aborted]] : []),
  ].map(([name, v]) => ({ '@_name': name, '@_value': xmlText(v!) }));
  return {
    '@_name': xmlText(`${r.lab} trial ${t.index}`),
    '@_tests': cases.length,
    '@_failures': t.assertions.filter((a) => !a.ok).length,
    '@_errors': t.aborted && t.assertions.length === 0 ? 1 : 0,
    '@_skipped': 0,
    '@_time': seconds(trialDurationMs(t)),
    '@_timestamp': xmlText(r.startedAt),
    '@_hostname': xmlText(r.host?.hostname ?? ''),
    properties: { property: properties },
    testcase: cases,
    'system-out': xmlText(flowLines(t)),
  };
}

function testcase(t: TrialResult, a: AssertionResult, classname: string): Node {
  const c: Node = { '@_name': xmlText(oneLine(a.name)), '@_classname': classname, '@_time': seconds(0) };
  if (!a.ok) {
    const lines = [
      `assertion: ${a.name}`,
      ...(a.measured !== undefined ? [`measured: ${value(a.measured)}`] : []),
      ...(a.limit !== undefined ? [`limit: ${value(a.limit)}`] : []),
      `detail: ${a.detail}`,
      ...(t.fault ? [`fault: ${t.fault.kind} ${t.fault.target}`] : []),
      ...(t.aborted ? [`aborted: ${t.aborted}`] : []),
    ];
    c.failure = { '@_message': xmlText(assertionTitle(t, a)), '@_type': 'assertion', '#text': xmlText(lines.join('\n')) };
  }
  return c;
}

/** One line per flow of the trial, as a person reads it in the CI log. */
function flowLines(t: TrialResult): string {
  return t.flows
    .map((f) => `${f.name} (${f.proto}, ${f.rateHz} Hz): sent ${f.sent}, received ${f.received}, lost ${f.lost}, outage ${ms(f.outageMs)} ms, max gap ${ms(f.maxGapMs)} ms, first loss ${ms(f.firstLossMs)} ms, recovered ${ms(f.recoveredMs)} ms`)
    .join('\n');
}

function seconds(msValue: number): string {
  return (Number.isFinite(msValue) && msValue > 0 ? msValue / 1000 : 0).toFixed(3);
}

/**
 * Text that XML 1.0 can hold: it has no way, not even a character reference, to carry most
 * control characters (or lone surrogates), so those are written as \xNN / \uNNNN.
 * The builder escapes & < > " '.
 */
export function xmlText(s: string): string {
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
