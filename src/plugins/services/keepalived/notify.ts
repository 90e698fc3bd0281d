/**
 * keepalived's notify FIFO lines, the per-node state file the vrrp-events agent keeps from them,
 * and what readiness and status make of that state. Pure (no I/O), shared by the agent and the plugin.
 */
import type { Readiness } from '../../types.js';
import { masterDownMs } from './config.js';
import type { ResolvedInstance } from './options.js';

/** One FIFO line: `INSTANCE "VI_1" MASTER 150` (a transition) or `INSTANCE "VI_1" MASTER_PRIORITY 140`. */
export type NotifyLine =
  | { kind: 'state'; instance: string; state: string; priority: number }
  | { kind: 'priority'; instance: string; state: string; priority: number }
  | { kind: 'other'; text: string };

/** Transition targets keepalived reports for an instance. */
export const STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP', 'DELETED'] as const;

export function parseNotifyLine(line: string): NotifyLine | null {
  const text = line.trim();
  if (!text) return null;
  const m = /^INSTANCE "([^"]*)" ([A-Z_]+)(?: (\d+))?$/.exec(text);
  if (!m) return { kind: 'other', text };
  const [, instance, what, prio] = m;
  const priority = Number(prio ?? 0);
  if ((STATES as readonly string[]).includes(what!)) return { kind: 'state', instance: instance!, state: what!, priority };
  const p = /^(MASTER|BACKUP)_PRIORITY$/.exec(what!);
  if (p) return { kind: 'priority', instance: instance!, state: p[1]!, priority };
  return { kind: 'other', text }; // MASTER_RX_LOWER_PRI: not a transition
}

export interface InstanceState {
  state: string;
  /** Effective priority as keepalived last reported it (tracking weights included). */
  priority: number;
  /** Monotonic ms at which the agent read the transition into `state`. */
  sinceMs: number;
}

/** `${dir}/state.json`, rewritten by the agent after every line. */
export interface StateFile {
  instances: Record<string, InstanceState>;
}

/** Apply one FIFO line to the state; returns the lab event detail for a transition, else null. */
export function applyLine(s: StateFile, l: NotifyLine, tMs: number): string | null {
  if (l.kind === 'other') return null;
  const prev = s.instances[l.instance];
  if (l.kind === 'priority') {
    s.instances[l.instance] = { state: prev?.state ?? l.state, priority: l.priority, sinceMs: prev?.sinceMs ?? tMs };
    return null;
  }
  s.instances[l.instance] = { state: l.state, priority: l.priority, sinceMs: tMs };
  return `${l.instance} ${l.state}`;
}

/**
 * Ready when every instance is MASTER, or BACKUP for longer than its master-down time: a backup
 * that has not taken over by then hears a master. (Every instance enters BACKUP at start-up, before
 * anyone is master, so BACKUP alone would let `up` return before the election.)
 */
export function readiness(instances: ResolvedInstance[], s: StateFile, nowMs: number): Readiness {
  const waiting: string[] = [];
  for (const i of instances) {
    const st = s.instances[i.name];
    if (!st) waiting.push(`${i.name} is INIT (no transition reported yet)`);
    else if (st.state === 'BACKUP') {
      const down = masterDownMs(i);
      const forMs = nowMs - st.sinceMs;
      if (forMs < down) waiting.push(`${i.name} is BACKUP for ${Math.round(forMs)} ms, within its master-down time (${Math.round(down)} ms): no master elected yet`);
    } else if (st.state !== 'MASTER') waiting.push(`${i.name} is ${st.state}${st.state === 'FAULT' ? ` (interface ${i.interface}${i.track.length ? ' or a tracked interface' : ''} is down)` : ''}`);
  }
  if (waiting.length) return { ready: false, detail: waiting.join('; ') };
  return { ready: true, detail: instances.map((i) => `${i.name} ${s.instances[i.name]!.state}`).join(', ') };
}
