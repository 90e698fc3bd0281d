/** `halab run --tap`: TAP 14 that a TAP consumer (tap-parser) reads as we mean it. */
import { Parser, type FinalResults } from 'tap-parser';
import { describe, expect, test } from 'vitest';
import { renderTap } from '../../src/report/tap.js';
import { passingRunResult, runResult, UDP } from '../helpers/run-result.js';

function parse(tap: string): Promise<FinalResults> {
  return new Promise((resolve) => {
    const p = new Parser({ passes: true }, resolve);
    p.end(tap);
  });
}

describe('TAP', () => {
  test('version 14, a plan, one test point per assertion per trial, aborted trials included', async () => {
    const r = runResult();
    const tap = renderTap(r);
    expect(tap.split('\n')[0]).toBe('TAP version 14');
    const assertions = r.trials.reduce((k, t) => k + t.assertions.length, 0);
    expect(tap).toMatch(new RegExp(`^1\\.\\.${assertions}$`, 'm'));
    const res = await parse(tap);
    expect(res.plan).toMatchObject({ start: 1, end: assertions });
    expect(res.count).toBe(assertions);
    expect(res.pass).toBe(3);
    expect(res.fail).toBe(2);
    expect(res.ok).toBe(false);
    expect(res.failures.map((f) => f.id)).toEqual([3, 5]);
    // trial 3 was aborted: its assertion is still there
    expect(res.failures[1]!.name).toMatch(/^trial 3: /);
  });

  test('a failed assertion: not ok naming the flow and the measured value, YAML with measured, limit, detail', async () => {
    const tap = renderTap(runResult());
    expect(tap).toContain(`not ok 3 - trial 2: outage of ${UDP} 312.0 ms <= 100 ms`);
    const res = await parse(tap);
    const f = res.failures[0]!;
    expect(f.name).toContain(UDP);
    expect(f.name).toContain('312.0 ms');
    expect(f.diag).toMatchObject({ trial: 2, measured: 312, limit: 100, detail: '212.0 ms over the limit', fault: 'nic-down r1:eth1' });
    expect(res.failures[1]!.diag).toMatchObject({ trial: 3, measured: null, aborted: 'wait for r2 MASTER timed out after 5000 ms' });
  });

  test('a passing run gives no failures', async () => {
    const r = passingRunResult();
    const res = await parse(renderTap(r));
    expect(res.ok).toBe(true);
    expect(res.fail).toBe(0);
    expect(res.count).toBe(4);
  });

  test('# in a name is escaped, not read as a directive; newlines do not break lines', async () => {
    const r = passingRunResult();
    r.trials[0]!.assertions[0]!.name = 'flow #1 # SKIP\nsecond line';
    const res = await parse(renderTap(r));
    expect(res.skip).toBe(0);
    expect(res.count).toBe(4);
    expect(res.passes?.[0]?.name ?? '').toBe('trial 1: flow #1 # SKIP second line');
  });

  test('an aborted trial without assertions, or a run not ok without a failed assertion, still fails', async () => {
    const r = passingRunResult();
    r.trials[1] = { ...r.trials[1]!, assertions: [], aborted: 'fault failed' };
    r.ok = false;
    let res = await parse(renderTap(r));
    expect(res.fail).toBe(1);
    expect(res.failures[0]!.name).toBe('trial 2: aborted (fault failed)');
    const none = { ...passingRunResult(), ok: false, trials: [] };
    res = await parse(renderTap(none));
    expect(res.ok).toBe(false);
    expect(res.count).toBe(1);
  });
});
