import { UsageError } from '../../errors.js';
import { injectFault } from '../../runtime/netns/fault.js';
import { checkEnvironment } from '../../runtime/netns/requirements.js';
import { numberOption } from '../options.js';
import { clabFault, readClabState } from '../../runtime/containerlab/driver.js';

export async function faultCommand(name: string, kind: string, target: string, opts: { durationMs?: string; signal?: string; json?: boolean }): Promise<void> {
  const clab = readClabState(name);
  if (clab) {
    const f = await clabFault(clab, kind, target, opts.signal?.toUpperCase().replace(/^SIG/, '') ?? 'KILL');
    console.log(opts.json ? JSON.stringify(f) : `${f.kind} ${f.target}: ${f.detail}`);
    return;
  }
  checkEnvironment(null);
  const durationMs = numberOption('duration-ms', opts.durationMs);
  if (durationMs !== undefined && !(durationMs > 0)) throw new UsageError(`--duration-ms must be positive, not '${opts.durationMs}'`);
  const signal = opts.signal?.toUpperCase().replace(/^SIG/, '');
  if (signal !== undefined && signal !== 'KILL' && signal !== 'TERM') throw new UsageError(`--signal is KILL or TERM, not '${opts.signal}'`);
  const f = await injectFault(name, kind, target, { ...(durationMs !== undefined ? { durationMs } : {}), ...(signal ? { signal } : {}) });
  if (opts.json) console.log(JSON.stringify(f));
  else console.log(`${f.kind} ${f.target}: ${f.detail}; took effect at ${f.atMs.toFixed(1)} ms${f.endMs !== undefined ? `, ended at ${f.endMs.toFixed(1)} ms` : ''} (monotonic clock)`);
}
