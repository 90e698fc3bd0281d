/** process-kill: SIGKILL (or SIGTERM) every process of a node named PROGRAM (its `comm`). */
import { UsageError } from '../../errors.js';
import { monotonicMs } from '../../runtime/events.js';
import { listProcesses, netnsInode } from '../../runtime/netns/proc.js';
import type { FaultKind } from './types.js';

export const processKill: FaultKind = {
  kind: 'process-kill',
  summary: 'kill a program in a node (SIGKILL, or --signal TERM: keepalived then hands over at once)',
  target: 'program',
  async inject(ctx) {
    const ino = netnsInode(ctx.node.ns);
    const procs = listProcesses().filter((p) => p.netIno === ino && (p.comm === ctx.part || p.comm === ctx.part!.slice(0, 15)));
    if (!procs.length) {
      const names = [...new Set(listProcesses().filter((p) => p.netIno === ino).map((p) => p.comm))];
      throw new UsageError(`no process named '${ctx.part}' in node ${ctx.node.name}; it runs: ${names.join(', ') || 'nothing'}`);
    }
    const signal = ctx.opts.signal === 'TERM' ? 'SIGTERM' : 'SIGKILL';
    for (const p of procs) {
      try {
        process.kill(p.pid, signal);
      } catch {
        // already gone
      }
    }
    return { atMs: monotonicMs(), detail: `${signal} to ${ctx.part} in ${ctx.node.name} (pid ${procs.map((p) => p.pid).join(', ')})` };
  },
};
