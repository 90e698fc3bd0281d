/**
 * Calibration: a blackhole of known length (a kernel-time window) measured by a probe flow.
 * Issue #4's acceptance: every |errorMs| at most one probe interval + 1 ms.
 */
import { describe, expect, test } from 'vitest';
import { calibrate, type CalibrationPoint } from '../../src/probes/calibrate.js';
import { expectNoLeaks, takeCensus } from '../helpers/lab.js';

describe('halab calibrate', () => {
  test('50, 200 and 1000 ms blackholes at 1 kHz and 10 kHz are measured within one interval + 1 ms', async () => {
    const LAB = 'calib-test';
    const before = await takeCensus(LAB);
    const points: CalibrationPoint[] = await calibrate({ lab: LAB });
    expect(points.map((p) => `${p.rateHz}/${p.requestedMs}`)).toEqual(['1000/50', '1000/200', '1000/1000', '10000/50', '10000/200', '10000/1000']);
    for (const p of points) {
      // The kernel kept the window (not the stamped fallback, whose error bar is milliseconds).
      expect(p.referenceUncertaintyMs, JSON.stringify(p)).toBeLessThan(0.1);
      expect(Math.abs(p.blackholeMs - p.requestedMs), JSON.stringify(p)).toBeLessThan(0.01);
      expect(Math.abs(p.errorMs), JSON.stringify(p)).toBeLessThanOrEqual(p.toleranceMs);
      // The probe really lost traffic for about that long.
      expect(p.measuredMs, JSON.stringify(p)).toBeGreaterThan(p.requestedMs / 2);
    }
    await expectNoLeaks(before);
  }, 120_000);
});
