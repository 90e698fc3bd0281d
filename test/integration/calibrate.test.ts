/**
 * Calibration: a blackhole of known length (by its own timestamps) measured by a probe flow.
 * DESIGN.md: the error must stay within one probe interval + 1 ms.
 */
import { describe, expect, test } from 'vitest';
import { calibrate, type CalibrationPoint } from '../../src/probes/calibrate.js';
import { expectNoLeaks, takeCensus } from '../helpers/lab.js';

describe('halab calibrate', () => {
  test('50, 200 and 1000 ms blackholes at 1 kHz and 10 kHz are measured within tolerance', async () => {
    const LAB = 'calib-test';
    const before = await takeCensus(LAB);
    const points: CalibrationPoint[] = await calibrate({ lab: LAB });
    expect(points.map((p) => `${p.rateHz}/${p.requestedMs}`)).toEqual(['1000/50', '1000/200', '1000/1000', '10000/50', '10000/200', '10000/1000']);
    for (const p of points) {
      // The blackhole itself lasted about what was asked.
      expect(Math.abs(p.blackholeMs - p.requestedMs), JSON.stringify(p)).toBeLessThan(10);
      // One probe interval + 1 ms, beyond what the reference itself is unsure of: the blackhole's
      // stamps come when its nft round trips end, the effect somewhere within them.
      expect(Math.abs(p.errorMs), JSON.stringify(p)).toBeLessThanOrEqual(p.toleranceMs + p.referenceUncertaintyMs);
    }
    await expectNoLeaks(before);
  }, 120_000);
});
