/**
 * `halab report DIR [--tap]`: re-renders DIR/report.html and DIR/junit.xml from DIR/result.json
 * (what `halab run` wrote); with --tap also prints the TAP report. Exit 0 once written, whatever
 * the run's outcome; 2 when DIR has no result.json or it is not a run result.
 */
import { UsageError } from '../../errors.js';
import { renderTap } from '../../report/tap.js';
import { readRunResult, ResultFileError, writeReports } from '../../report/write.js';

export async function reportCommand(dir: string, opts: { tap?: boolean }): Promise<void> {
  let r;
  try {
    r = await readRunResult(dir);
  } catch (e) {
    if (e instanceof ResultFileError) throw new UsageError(e.message);
    throw e;
  }
  const out = await writeReports(dir, r);
  if (opts.tap) process.stdout.write(renderTap(r));
  else console.log(`${r.lab} ${r.runId}: ${r.ok ? 'ok' : 'failed'}\n  ${out.html}\n  ${out.junit}`);
}
