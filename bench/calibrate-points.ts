/**
 * Runs the calibration in a lab of its own name (default calib-helper) and prints every point.
 *   node --import tsx bench/calibrate-points.ts [LAB]
 */
import { calibrate } from '../src/probes/calibrate.js';

const lab = process.argv[2] ?? 'calib-helper';
const points = await calibrate({
  lab,
  onPoint: (p) => console.log(`${p.rateHz} Hz ${p.requestedMs} ms: blackhole ${p.blackholeMs} measured ${p.measuredMs} error ${p.errorMs} (tolerance ${p.toleranceMs}) sendLag ${p.sendLagMs}${Math.abs(p.errorMs) > p.toleranceMs ? '  OUT' : ''}`),
});
const out = points.filter((p) => Math.abs(p.errorMs) > p.toleranceMs);
console.log(`${points.length} points, ${out.length} out of tolerance`);
