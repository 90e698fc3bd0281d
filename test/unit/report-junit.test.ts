/** junit.xml: well-formed, one testcase per assertion per trial, failures where assertions failed. */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { renderJunit } from '../../src/report/junit.js';
import { passingRunResult, runResult, TCP, UDP } from '../helpers/run-result.js';

type El = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ['testsuite', 'testcase', 'property', 'failure'].includes(name) });

function suites(xml: string): El[] {
  return (parser.parse(xml) as { testsuites: { testsuite: El[] } }).testsuites.testsuite;
}

describe('JUnit XML', () => {
  test('well-formed; a suite per trial, a testcase per assertion per trial, failures with message and detail', () => {
    const r = runResult();
    const xml = renderJunit(r);
    expect(XMLValidator.validate(xml)).toBe(true);
    const root = (parser.parse(xml) as { testsuites: El }).testsuites;
    expect(root).toMatchObject({ '@_tests': '5', '@_failures': '2', '@_time': '42.000' });
    const s = suites(xml);
    expect(s).toHaveLength(3);
    s.forEach((suite, i) => {
      const cases = suite.testcase as El[];
      expect(cases).toHaveLength(r.trials[i]!.assertions.length);
      expect(suite['@_tests']).toBe(String(cases.length));
      expect(suite['@_time']).toMatch(/^\d+\.\d{3}$/);
      for (const c of cases) expect(c['@_time']).toBe('0.000');
    });
    const failed = s.flatMap((suite) => (suite.testcase as El[]).filter((c) => c.failure));
    expect(failed.map((c) => c['@_classname'])).toEqual(['halab.vrrp-gw.trial2', 'halab.vrrp-gw.trial3']);
    const f = (failed[0]!.failure as El[])[0]!;
    expect(f['@_message']).toBe(`trial 2: outage of ${UDP} 312.0 ms <= 100 ms (212.0 ms over the limit)`);
    expect(f['#text']).toContain('measured: 312');
    expect(f['#text']).toContain('limit: 100');
    expect(f['#text']).toContain('detail: 212.0 ms over the limit');
    // names with XML metacharacters survive the round trip
    expect((s[0]!.testcase as El[])[1]!['@_name']).toBe(`${TCP} recovers`);
    expect(s[2]!['@_failures']).toBe('1');
  });

  test('a passing run has no failures', () => {
    const xml = renderJunit(passingRunResult());
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toContain('<failure');
    expect(suites(xml).flatMap((s) => s.testcase as El[])).toHaveLength(4);
  });

  test('control characters, which XML 1.0 cannot hold, are written out; an aborted trial without assertions is an error case', () => {
    const r = passingRunResult();
    r.trials[0]!.assertions[0]!.name = 'bell\x07 nul\x00 <&>';
    r.trials[1] = { ...r.trials[1]!, assertions: [], aborted: 'fault \x1b[31mfailed' };
    const xml = renderJunit(r);
    expect(XMLValidator.validate(xml)).toBe(true);
    const s = suites(xml);
    expect((s[0]!.testcase as El[])[0]!['@_name']).toBe('bell nul <&>'); // names on one line
    expect(s[1]!.testcase as El[]).toHaveLength(1);
    expect(s[1]!['@_errors']).toBe('1');
    expect(xml).toContain('<error message="fault \\x1b[31mfailed"');
  });
});
