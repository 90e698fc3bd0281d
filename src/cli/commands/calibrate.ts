import { calibrate } from '../../probes/calibrate.js';
import { table } from '../table.js';

/** Exit 1 when an error exceeds its tolerance: the numbers on this machine are not to be trusted. */
export async function calibrateCommand(opts: { json?: boolean }): Promise<void> {
  const points = await calibrate({
    onPoint: (p) => {
      if (!opts.json) console.error(`calibrate: ${p.rateHz} Hz, ${p.requestedMs} ms blackhole: measured ${p.measuredMs} ms (error ${p.errorMs} ms, sender lag ${p.sendLagMs} ms)`);
    },
  });
  const bad = points.filter((p) => Math.abs(p.errorMs) > p.toleranceMs);
  if (opts.json) console.log(JSON.stringify(points, null, 2));
  else {
    console.log(table(['rate', 'blackhole (own timestamps)', 'measured outage', 'error', 'tolerance'], points.map((p) => [`${p.rateHz} Hz`, `${p.blackholeMs} ms`, `${p.measuredMs} ms`, `${p.errorMs} ms`, `±${p.toleranceMs} ms`])));
    console.log(bad.length ? `${bad.length} of ${points.length} points outside tolerance` : `all ${points.length} points within one probe interval + 1 ms`);
  }
  if (bad.length) process.exitCode = 1;
}
