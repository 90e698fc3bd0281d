import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { FlowResult, TrialEvent } from '../../src/model/result.js';
import { loadScenario, parseDuration } from '../../src/pipeline/scenario.js';
import { judge } from '../../src/scenario/assertions.js';

describe('lab files', () => {
  test.each(readdirSync('labs').filter((f) => f.endsWith('.yaml')))('labs/%s loads with its topology', (f) => {
    const { scenario, lab, plan } = loadScenario(`labs/${f}`);
    expect(scenario.phases.length).toBeGreaterThan(0);
    expect(lab.nodes.length).toBeGreaterThan(0);
    expect(plan.actions.length).toBeGreaterThan(0);
  });

  test('quickstart: defaults and both directions', () => {
    const { scenario } = loadScenario('labs/quickstart.yaml', 'qs-x');
    expect(scenario.name).toBe('quickstart');
    expect(scenario.betweenTrials).toBe('restore');
    expect(scenario.flows[0]).toMatchObject({ name: 'client-server', type: 'udp', rateHz: 1000, both: true, port: 7500 });
    expect(scenario.phases.map((p) => p.kind)).toEqual(['wait', 'wait', 'baseline', 'fault', 'observe', 'restore', 'wait']);
  });

  test.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1.5m', 90_000],
    [3, 3000],
    ['3', null],
    ['2 seconds', null],
    [-1, null],
  ])('parseDuration(%j) = %j', (v, ms) => expect(parseDuration(v)).toBe(ms));
});

const flow = (name: string, o: Partial<FlowResult> = {}): FlowResult => ({
  name, proto: 'udp', rateHz: 1000, sent: 3000, received: 2700, lost: 300, outageMs: 300, maxGapMs: 301, firstLossMs: 0.2, recoveredMs: 300.5,
  src: 'a', dst: 'b', dstAddress: '10.0.0.2', reordered: 0, duplicated: 0, lossWindows: [{ startMs: 0.2, endMs: 299.2, count: 300 }], ...o,
});
const ev = (tMs: number, node: string, kind: string, detail: string): TrialEvent => ({ tMs, node, kind, detail });

describe('assertions', () => {
  const flows = [flow('f:forward'), flow('f:reverse', { lost: 0, outageMs: 0, received: 3000, firstLossMs: null, recoveredMs: null, lossWindows: [] }), flow('g', { recoveredMs: null })];
  const events = [ev(-5, 'r1', 'vrrp', 'LAN MASTER'), ev(0, 'r1', 'fault', 'nic-down r1:eth0'), ev(65, 'r2', 'vrrp', 'SRV MASTER'), ev(275, 'r2', 'vrrp', 'LAN MASTER')];

  test('outage: each direction of a flow, with the measured value and the limit', () => {
    const r = judge({ kind: 'outage', flow: 'f', maxMs: 250, path: [] }, flows, events);
    expect(r.map((a) => [a.name, a.ok, a.measured, a.limit])).toEqual([
      ['outage of f:forward <= 250 ms', false, 300, 250],
      ['outage of f:reverse <= 250 ms', true, 0, 250],
    ]);
    expect(r[0]!.detail).toContain('300 of 3000 udp packets lost');
  });

  test('outage: min-ms fails a flow that lost nothing (the fault did not bite)', () => {
    const r = judge({ kind: 'outage', flow: 'f:reverse', minMs: 1, path: [] }, flows, events);
    expect(r).toHaveLength(1);
    expect(r[0]!.ok).toBe(false);
  });

  test('recovered: every flow by default; loss to the end is not recovered', () => {
    const r = judge({ kind: 'recovered', path: [] }, flows, events);
    expect(r.map((a) => [a.name, a.ok])).toEqual([
      ['f:forward recovered', true],
      ['f:reverse recovered', true],
      ['g recovered', false],
    ]);
    expect(r[2]!.detail).toMatch(/never recovered/);
  });

  test('event: after the fault, within a time; substring or /regex/ on the detail', () => {
    expect(judge({ kind: 'event', match: { kind: 'vrrp', node: 'r2', detail: 'LAN' }, withinMs: 300, path: [] }, flows, events)[0]).toMatchObject({ ok: true, measured: 275 });
    expect(judge({ kind: 'event', match: { kind: 'vrrp', node: 'r2', detail: 'LAN' }, withinMs: 100, path: [] }, flows, events)[0]).toMatchObject({ ok: false, measured: 275 });
    expect(judge({ kind: 'event', match: { detail: '/^SRV (MASTER|BACKUP)$/' }, path: [] }, flows, events)[0]!.ok).toBe(true);
    // r1's MASTER before the fault does not count.
    expect(judge({ kind: 'event', match: { node: 'r1', kind: 'vrrp' }, path: [] }, flows, events)[0]!.ok).toBe(false);
  });

  test('order: each match after the previous one', () => {
    const ok = judge({ kind: 'order', matches: [{ kind: 'fault' }, { node: 'r2', detail: 'SRV' }, { node: 'r2', detail: 'LAN' }], path: [] }, flows, events)[0]!;
    expect(ok.ok).toBe(true);
    const bad = judge({ kind: 'order', matches: [{ kind: 'fault' }, { node: 'r2', detail: 'LAN' }, { node: 'r2', detail: 'SRV' }], path: [] }, flows, events)[0]!;
    expect(bad.ok).toBe(false);
    expect(bad.detail).toMatch(/earlier/);
  });
});
