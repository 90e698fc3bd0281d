/**
 * BGP reroute gaps on the data plane (issue 4): a diamond with two paths; the preferred one
 * fails while a 1 kHz probe runs both ways. Detection by the 3 s hold timer, by BFD (100 ms x 3),
 * or by carrier loss (node-halt) shows in the measured gap.
 */
import { describe, expect, test } from 'vitest';
import { runProbe, type ProbeResult } from '../../src/probes/udp/run.js';
import { injectFault } from '../../src/runtime/netns/fault.js';
import { namespaceName } from '../../src/util/names.js';
import { eventually, inNode, useLab } from '../helpers/lab.js';

const HOLD_MS = 3000;
const KEEPALIVE_MS = 1000;
const BFD_DETECT_MS = 100 * 3;

async function viaR2(lab: string): Promise<void> {
  const route = () => inNode(lab, 'r1', ['ip', 'route', 'show', '10.0.2.0/24']).then((r) => (r.stdout.includes('via 192.0.2.2') ? 'r2' : null));
  expect(await eventually(route, 30_000, 200)).toBe('r2');
  const back = () => inNode(lab, 'r4', ['ip', 'route', 'show', '10.0.1.0/24']).then((r) => (r.stdout.includes('via 192.0.2.9') ? 'r2' : null));
  expect(await eventually(back, 30_000, 200)).toBe('r2');
}

/** Probe c <-> s; the fault comes 1 s in. */
function probe(lab: string, durationS: number, kind: string, target: string): Promise<ProbeResult> {
  return runProbe({
    lab,
    src: { node: 'c', ns: namespaceName(lab, 'c') },
    dst: { node: 's', ns: namespaceName(lab, 's'), address: '10.0.2.10' },
    rateHz: 1000,
    durationS,
    both: true,
    onStarted: () => void setTimeout(() => void injectFault(lab, kind, target), 1000),
  });
}

const outages = (r: ProbeResult) => r.flows.map((f) => f.outageMs);

describe('hold timer only (keepalive 1 s, hold 3 s)', () => {
  const LAB = 'bgp-diamond-hold';
  useLab('test/fixtures/valid/bgp-diamond-hold.yaml', LAB);

  test('link-cut with carrier up: the gap is near the hold time', async () => {
    await viaR2(LAB);
    const r = await probe(LAB, 7, 'link-cut', 'r1:to2');
    // The hold timer expires between hold - keepalive and hold after the cut; then the reroute.
    for (const o of outages(r)) {
      expect(o).toBeGreaterThan(HOLD_MS - KEEPALIVE_MS - 200);
      expect(o).toBeLessThan(HOLD_MS + 1000);
    }
    await injectFault(LAB, 'link-restore', 'r1:to2');
  }, 90_000);

  test('node-freeze of r2 (timers only) versus node-halt of r2 (carrier loss)', async () => {
    await viaR2(LAB);
    const frozen = await probe(LAB, 7, 'node-freeze', 'r2');
    for (const o of outages(frozen)) expect(o).toBeGreaterThan(HOLD_MS - KEEPALIVE_MS - 200);
    await injectFault(LAB, 'node-resume', 'r2');
    await viaR2(LAB);
    const halted = await probe(LAB, 4, 'node-halt', 'r2');
    // Carrier loss takes the sessions down at once (fast external failover): far below the hold time.
    for (const o of outages(halted)) expect(o).toBeLessThan(1000);
    await injectFault(LAB, 'node-resume', 'r2');
  }, 120_000);
});

describe('BFD 100 ms x 3 on the preferred path', () => {
  const LAB = 'bgp-diamond';
  useLab('test/fixtures/valid/bgp-diamond.yaml', LAB);

  test('link-cut with carrier up: the gap is under a second', async () => {
    await viaR2(LAB);
    const r = await probe(LAB, 4, 'link-cut', 'r1:to2');
    for (const o of outages(r)) {
      expect(o).toBeGreaterThan(BFD_DETECT_MS - 100 - 20);
      expect(o).toBeLessThan(1000);
    }
  }, 90_000);
});
