/** `halab report DIR`, through the built CLI: re-renders report.html and junit.xml from DIR/result.json. */
import { XMLValidator } from 'fast-xml-parser';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { halab } from '../helpers/cli.js';
import { runResult } from '../helpers/run-result.js';

const dirs: string[] = [];
function runDir(result?: unknown): string {
  const d = mkdtempSync(join(tmpdir(), 'halab-run-'));
  dirs.push(d);
  if (result !== undefined) writeFileSync(join(d, 'result.json'), typeof result === 'string' ? result : JSON.stringify(result, null, 2));
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('halab report DIR', () => {
  test('writes report.html and junit.xml beside result.json; exit 0', async () => {
    const d = runDir(runResult());
    const r = await halab(['report', d]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(join(d, 'report.html'));
    const html = readFileSync(join(d, 'report.html'), 'utf8');
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(3);
    const xml = readFileSync(join(d, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml.match(/<testcase /g)).toHaveLength(5);
  });

  test('--tap also prints the TAP report', async () => {
    const d = runDir(runResult());
    const r = await halab(['report', d, '--tap']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^TAP version 14\n/);
    expect(r.stdout).toContain('not ok 3 - trial 2: outage of client-vip:forward 312.0 ms <= 100 ms');
  });

  test('exit 2 when DIR has no result.json, or it is not JSON, or not a run result; nothing written', async () => {
    const empty = runDir();
    let r = await halab(['report', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/result\.json: no such file/);
    expect(existsSync(join(empty, 'report.html'))).toBe(false);

    r = await halab(['report', runDir('{"lab": ')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/result\.json: not JSON/);

    const bad = runResult() as unknown as { trials: { flows: { outageMs: unknown }[] }[]; runId?: unknown };
    bad.trials[1]!.flows[0]!.outageMs = 'long';
    delete bad.runId;
    const d = runDir(bad);
    r = await halab(['report', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a halab run result');
    expect(r.stderr).toMatch(/result\.json:1:1: \(document\): missing required key 'runId'/);
    expect(r.stderr).toContain('trials[1].flows[0].outageMs: expected a number');
    expect(existsSync(join(d, 'junit.xml'))).toBe(false);
  });
});
