/**
 * `halab run` end to end on real labs: quickstart over five trials (result.json's contract keys,
 * TAP that parses, JUnit with one testcase per assertion per trial, report.html drawn by headless
 * Chromium, a summary whose median lies between min and max), dvr-fip green, a threshold that
 * cannot be met (exit 1, a `not ok` naming the flow and the value), a folder as a suite, Ctrl-C
 * tearing the lab down. A leak census after each.
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Parser, type FinalResults } from 'tap-parser';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { RunResult } from '../../src/model/result.js';
import { readRunResult } from '../../src/report/index.js';
import { CHROMIUM, chromiumFlags, chromiumReady, hooks, pngColours } from '../helpers/chromium.js';
import { cliMain, halab } from '../helpers/cli.js';
import { expectNoLeaks, takeCensus } from '../helpers/lab.js';
import type { Census } from '../../src/runtime/netns/census.js';

const LABS = ['rq1', 'rdvr', 'rint', 'a-strict', 'b-fine', 'bad', 'rtcp'];
let out = '';
let before: Census;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'halab-run-'));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));
beforeEach(async () => {
  before = await takeCensus(LABS);
});
afterEach(async () => {
  await expectNoLeaks(before);
});

/** The one run folder under OUT/<lab>/. */
function runDir(root: string, lab: string): string {
  const runs = readdirSync(join(root, lab));
  expect(runs).toHaveLength(1);
  return join(root, lab, runs[0]!);
}

function parseTap(text: string): Promise<FinalResults> {
  return new Promise((res) => new Parser({ passes: true }, res).end(text));
}

/** A lab file in a temp folder on an absolute topology path. */
function labFile(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const f = join(dir, `${name}.yaml`);
  writeFileSync(f, `name: ${name}\ntopology: ${resolve('topologies/examples/vrrp-gateway.yaml')}\n${body}`);
  return f;
}

const CONTRACT = {
  run: ['lab', 'runId', 'ok', 'startedAt', 'durationMs', 'trials', 'summary'],
  trial: ['index', 'fault', 'flows', 'events', 'assertions'],
  flow: ['name', 'proto', 'rateHz', 'sent', 'received', 'lost', 'outageMs', 'maxGapMs', 'firstLossMs', 'recoveredMs'],
};

describe('halab run', () => {
  test('quickstart, 5 trials: contract keys, TAP, JUnit, report.html, summary', async () => {
    const root = join(out, 'q5');
    const r = await halab(['run', 'labs/quickstart.yaml', '--name', 'rq1', '--trials', '5', '--out', root, '--tap'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(0);
    const dir = runDir(root, 'quickstart');
    const res = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;

    for (const k of CONTRACT.run) expect(res).toHaveProperty(k);
    await readRunResult(dir); // throws unless result.json passes the result schema
    expect(res.lab).toBe('quickstart');
    expect(res.ok).toBe(true);
    expect(Date.parse(res.startedAt)).not.toBeNaN();
    expect(res.trials).toHaveLength(5);
    for (const t of res.trials) {
      for (const k of CONTRACT.trial) expect(t).toHaveProperty(k);
      expect(t.fault).toMatchObject({ kind: 'nic-down', target: 'r1:eth0' });
      expect(t.flows.map((f) => f.name)).toEqual(['client-server:forward', 'client-server:reverse']);
      for (const f of t.flows) {
        for (const k of CONTRACT.flow) expect(f).toHaveProperty(k);
        expect(f.proto).toBe('udp');
        expect(f.outageMs).toBeGreaterThan(0);
        expect(f.outageMs).toBe((f.lost * 1000) / f.rateHz);
      }
      // The VRRP take-over is on the same timeline, after the fault.
      expect(t.events.some((e) => e.kind === 'vrrp' && e.node === 'r2' && e.detail === 'LAN MASTER' && e.tMs > 0)).toBe(true);
    }
    for (const name of ['client-server:forward', 'client-server:reverse']) {
      const s = res.summary[name]!.outageMs;
      expect(s.min).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.max);
      expect(s.p95).toBeLessThanOrEqual(s.max);
    }

    const tap = await parseTap(r.stdout);
    expect(r.stdout.split('\n')[0]).toBe('TAP version 14');
    const nAssertions = res.trials.reduce((n, t) => n + t.assertions.length, 0);
    expect(tap).toMatchObject({ ok: true, count: nAssertions, fail: 0 });

    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect((xml.match(/<testcase\b/g) ?? []).length).toBe(nAssertions);

    await chromiumReady();
    const html = join(dir, 'report.html');
    const dom = (await execa(CHROMIUM, [...chromiumFlags(dir), '--dump-dom', `file://${html}`], { timeout: 60_000 })).stdout;
    expect(hooks(dom, 'svg', 'timeline', 'data-trial')).toEqual(['1', '2', '3', '4', '5']);
    expect(hooks(dom, 'g', 'flow-lane', 'data-flow')).toHaveLength(10);
    expect(hooks(dom, 'svg', 'histogram', 'data-flow')).toEqual(['client-server:forward', 'client-server:reverse']);
    const png = join(dir, 'report.png');
    await execa(CHROMIUM, [...chromiumFlags(dir), `--screenshot=${png}`, '--window-size=1400,2000', `file://${html}`], { timeout: 60_000 });
    const shot = pngColours(png);
    expect(shot.colours.size).toBeGreaterThan(20);
    expect(shot.red).toBeGreaterThan(0); // the loss windows
  }, 300_000);

  test('dvr-fip: VM2 loses its flows while host 2 underlay is down, VM1 none', async () => {
    const root = join(out, 'dvr');
    const r = await halab(['run', 'labs/dvr-fip.yaml', '--name', 'rdvr', '--out', root, '--json'], { timeoutMs: 180_000 });
    expect(r.code, r.stdout).toBe(0);
    const res = JSON.parse(r.stdout) as RunResult;
    const flows = new Map(res.trials[0]!.flows.map((f) => [f.name, f]));
    expect([...flows.keys()].sort()).toEqual(['fip-vm1:forward', 'fip-vm1:reverse', 'fip-vm2:forward', 'fip-vm2:reverse', 'ping-vm2']);
    expect(flows.get('fip-vm1:forward')!.lost).toBe(0);
    expect(flows.get('fip-vm2:forward')!.outageMs).toBeGreaterThan(1500);
    expect(flows.get('ping-vm2')!.proto).toBe('icmp');
    expect(flows.get('ping-vm2')!.outageMs).toBeGreaterThan(1500);
    expect(JSON.parse(readFileSync(join(runDir(root, 'dvr-fip'), 'result.json'), 'utf8'))).toEqual(res);
  }, 200_000);

  test('a folder is a suite: a threshold that cannot be met fails its lab (exit 1), TAP names the flow and the value', async () => {
    const dir = join(out, 'suite');
    const flows = 'flows:\n  cs: { from: client, to: server }\n';
    const phases = 'phases:\n  - wait: { vrrp: { node: r1 } }\n  - baseline: 500ms\n  - fault: { kind: nic-down, target: r1:eth0 }\n  - observe: 1500ms\n';
    labFile(dir, 'a-strict', `${flows}${phases}assertions:\n  - outage: { flow: cs, max-ms: 1 }\n`);
    labFile(dir, 'b-fine', `${flows}${phases}assertions:\n  - recovered: {}\n`);
    writeFileSync(join(dir, 'notes.yaml'), 'name: not-a-lab\nnodes: {}\n'); // a topology beside them: not a lab
    const r = await halab(['run', dir, '--name', 'rq2', '--out', join(out, 'suite-out'), '--tap'], { timeoutMs: 240_000 });
    // --name is for one lab only.
    expect(r.code).toBe(2);
    const s = await halab(['run', dir, '--out', join(out, 'suite-out'), '--tap'], { timeoutMs: 240_000 });
    expect(s.code, s.stderr).toBe(1);
    const tap = await parseTap(s.stdout);
    expect(tap.ok).toBe(false);
    expect(s.stdout).toMatch(/# Subtest: a-strict/);
    expect(s.stdout).toMatch(/^ {4}not ok \d+ - trial 1: outage of cs <= 1 ms \(measured \d+\.\d ms/m);
    expect(s.stdout).toMatch(/^not ok 1 - a-strict$/m);
    expect(s.stdout).toMatch(/^ok 2 - b-fine$/m);
    const filtered = await halab(['run', dir, '--filter', 'b-fine', '--out', join(out, 'suite-out')], { timeoutMs: 120_000 });
    expect(filtered.code, filtered.stderr).toBe(0);
    expect(filtered.stdout).toMatch(/│ b-fine +│ 1 +│ PASS/);
    expect(filtered.stdout).not.toMatch(/a-strict/);
  }, 400_000);

  test('tcp (iperf3), udp and icmp flows through one blackhole: each measured, TCP back last', async () => {
    const dir = join(out, 'tcp');
    mkdirSync(dir, { recursive: true });
    const f = join(dir, 'tcp.yaml');
    writeFileSync(
      f,
      [
        'name: tcp',
        `topology: ${resolve('topologies/examples/iperf3.yaml')}`,
        'flows:',
        '  bulk: { type: tcp, from: h1, to: srv, bitrate: 20M }',
        '  probe: { from: h2, to: srv }',
        '  ping: { type: icmp, from: h2, to: 10.0.0.3, rate-hz: 200 }',
        'phases:',
        '  - baseline: 2s',
        '  - fault: { kind: blackhole, target: srv:eth0, duration-ms: 500 }',
        '  - observe: 4s',
        'assertions:',
        '  - outage: { min-ms: 1 }',
        '  - recovered: {}',
        '',
      ].join('\n'),
    );
    const r = await halab(['run', f, '--name', 'rtcp', '--out', join(out, 'tcp-out'), '--json'], { timeoutMs: 120_000 });
    expect(r.code, r.stdout || r.stderr).toBe(0);
    const t = (JSON.parse(r.stdout) as RunResult).trials[0]!;
    const flow = (n: string) => t.flows.find((x) => x.name === n)!;
    const [bulk, probe, ping] = [flow('bulk'), flow('probe'), flow('ping')];
    expect([bulk.proto, probe.proto, ping.proto]).toEqual(['tcp', 'udp', 'icmp']);
    // The blackhole's 500 ms, by loss (udp), by time (icmp), by throughput intervals of 0.1 s (tcp).
    expect(probe.outageMs).toBeGreaterThan(450);
    expect(probe.outageMs).toBeLessThan(600);
    expect(ping.outageMs).toBeGreaterThan(400);
    expect(ping.outageMs).toBeLessThan(700);
    expect(bulk.intervals!.length).toBeGreaterThan(40);
    expect(bulk.outageMs).toBeGreaterThanOrEqual(400);
    // TCP waits for its retransmission timer after the path is back: it recovers after UDP.
    expect(bulk.recoveredMs!).toBeGreaterThan(probe.recoveredMs! - 100);
  }, 180_000);

  test('bad input: exit 2 with FILE:LINE:COL, nothing built', async () => {
    const f = labFile(join(out, 'bad'), 'bad', 'phases:\n  - fault: { kind: nic-down, target: r9:eth0 }\n');
    const r = await halab(['run', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:4:38: phases\[0\]\.fault\.target: the topology has no node 'r9'/);
  });

  test('Ctrl-C during a trial stops the flows and takes the lab down', async () => {
    const f = labFile(join(out, 'int'), 'int', 'flows:\n  cs: { from: client, to: server, both: true }\nphases:\n  - baseline: 30s\n  - observe: 1s\n');
    const child = spawn(process.execPath, [cliMain, 'run', f, '--name', 'rint', '--out', join(out, 'int-out')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const baseline = new Promise<void>((res) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('baseline')) res();
      }),
    );
    const exited = new Promise<number | null>((res) => child.once('close', (c) => res(c)));
    await baseline;
    await new Promise((res) => setTimeout(res, 1000));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted; stopping the flows and taking the lab down/);
    expect(statSync(join(out, 'int-out'), { throwIfNoEntry: false })).toBeUndefined();
  }, 120_000);
});
