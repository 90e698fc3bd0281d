/**
 * labs/nfv-utm-ha*.yaml (seeds/000) through `halab run`: for each of the document's faults
 * (cnode01 halts, its NIC goes down, cnode01 restarts) every flow and direction (the UDP probes
 * and the iperf3 TCP flows, two of them through the UTM's NAT) communicates again through the
 * slave with a positive outage, and the events tell why, in order: the fault, the orchestrator's
 * detection, the fail-over request, the TOR's VLAN move, the slave's promotion. After the restart
 * the old master stays fenced (no split brain on the shared red VLAN).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { RunResult } from '../../src/model/result.js';
import { halab } from '../helpers/cli.js';
import { expectNoLeaks, takeCensus } from '../helpers/lab.js';

const out = mkdtempSync(join(tmpdir(), 'halab-nfv-lab-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const LABS = ['nfv-utm-ha', 'nfv-utm-ha-nic', 'nfv-utm-ha-restart'];

test('nfv-utm-ha: halt, NIC down, restart of the master side; every pair back through the slave', async () => {
  const before = await takeCensus(LABS);
  const r = await halab(['run', 'labs', '--filter', 'nfv-utm-ha(-nic|-restart)?\\.yaml$', '--out', out, '--json'], { timeoutMs: 400_000 });
  let runs: RunResult[] = [];
  try {
    runs = JSON.parse(r.stdout) as RunResult[];
  } catch {
    // no JSON: the stderr below says why
  }
  const failed = runs.flatMap((x) => x.trials.flatMap((t) => t.assertions.filter((a) => !a.ok).map((a) => `${x.lab}: ${a.name}: ${a.detail}`)));
  expect(r.code, failed.length ? failed.join('\n') : r.stderr.slice(-3000)).toBe(0);
  expect(runs.map((x) => x.lab).sort()).toEqual(LABS);
  for (const run of runs) {
    const t = run.trials[0]!;
    for (const f of t.flows) {
      expect(f.outageMs, `${run.lab} ${f.name}`).toBeGreaterThan(0);
      expect(f.recoveredMs, `${run.lab} ${f.name}`).not.toBeNull();
    }
    expect(t.flows.map((x) => x.name).sort()).toEqual(
      [...['green-orange', 'green-red', 'orange-red'].flatMap((n) => [`${n}:forward`, `${n}:reverse`]), 'iperf-green-orange', 'iperf-green-red', 'iperf-orange-red'].sort(),
    );
    const first = (pred: (e: RunResult['trials'][0]['events'][0]) => boolean) => t.events.find((e) => e.tMs >= 0 && pred(e))?.tMs ?? NaN;
    const detect = first((e) => e.kind === 'orchestrator' && /failed/.test(e.detail));
    const vlan = first((e) => e.kind === 'tor-vlan' && /port 24\) \+113 \+114/.test(e.detail));
    expect(detect, run.lab).toBeGreaterThan(0);
    expect(vlan, run.lab).toBeGreaterThan(detect);
    // green <-> orange is one bridged subnet: it is back once port 24 carries the VLANs.
    const go = t.flows.find((x) => x.name === 'green-orange:forward')!;
    expect(go.recoveredMs!, run.lab).toBeGreaterThanOrEqual(vlan - 5);
    // The routed pairs come back only once the slave is promoted (its fence lifted, its addresses
    // announced); the master, not renewed since the detection, has fenced itself and stays so.
    const promoted = first((e) => e.kind === 'utm-ha' && e.node === 'utm-slave' && /^active: promoted/.test(e.detail));
    expect(promoted, run.lab).toBeGreaterThan(vlan);
    for (const n of ['green-red:reverse', 'orange-red:reverse']) expect(t.flows.find((x) => x.name === n)!.recoveredMs!, `${run.lab} ${n}`).toBeGreaterThan(promoted);
    const master = t.events.filter((e) => e.tMs >= 0 && e.kind === 'utm-ha' && e.node === 'utm-master').map((e) => e.detail);
    expect(master, run.lab).toEqual([expect.stringMatching(/^standby: lease ran out/)]);
  }
  await expectNoLeaks(before);
}, 420_000);
