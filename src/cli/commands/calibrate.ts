import { calibrate } from '../../probes/calibrate.js';
import { table } from '../table.js';

/**
 * Exit 1 when an error exceeds one probe interval + 1 ms (plus the reference's own uncertainty,
 * microseconds for the kernel-timed blackhole): then the numbers on this machine are not to be trusted.
 */
export async function calibrateCommand(opts: { json?: boolean }): Promise<void> {
  const points = await calibrate({
    onPoint: (p) => {
      if (!opts.json) console.error(`calibrate: ${p.rateHz} Hz, ${p.requestedMs} ms blackhole: measured ${p.measuredMs} ms (error ${p.errorMs} ms, reference ±${p.referenceUncertaintyMs} ms)`);
    },
  });
  const bad = points.filter((p) => Math.abs(p.errorMs) > p.toleranceMs + p.referenceUncertaintyMs);
  if (opts.json) console.log(JSON.stringify(points, null, 2));
  else {
    console.log(
      table(
        ['rate', 'blackhole (reference)', 'reference ±', 'measured outage', 'error', 'tolerance'],
        points.map((p) => [`${p.rateHz} Hz`, `${p.blackholeMs} ms`, `${p.referenceUncertaintyMs} ms`, `${p.measuredMs} ms`, `${p.errorMs} ms`, `±${p.toleranceMs} ms`]),
      ),
    );
    const strict = points.filter((p) => Math.abs(p.errorMs) <= p.toleranceMs).length;
    const rest = points.length - strict - bad.length;
    console.log(
      `${strict} of ${points.length} points within one probe interval + 1 ms` +
        (rest ? `; ${rest} within it once the reference's own uncertainty is allowed for` : '') +
        (bad.length ? `; ${bad.length} outside it` : ''),
    );
  }
  if (bad.length) process.exitCode = 1;
}
