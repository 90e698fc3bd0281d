/**
 * The VNFM's decisions, without I/O (the agent, src/agents/vnfm-monitor.ts, does the I/O): when
 * missed probes add up to a failure, what a policy's actions mean for a member of a role, where a
 * new member goes (anti-affinity), which address it gets, when an app trigger fires, and how soon
 * a policy can detect a failure at the earliest and latest (what tests and lab files assert).
 */
import type { AppPolicy, AppTrigger, MonitorPolicy, PolicyAction } from '../../../model/cluster.js';

/** N results in a row that are failures make a failure; fires once until a success re-arms it. */
export class Consecutive {
  count = 0;
  fired = false;
  constructor(readonly n: number) {}
  observe(ok: boolean): boolean {
    if (ok) {
      this.count = 0;
      this.fired = false;
      return false;
    }
    this.count++;
    if (this.fired || this.count < this.n) return false;
    this.fired = true;
    return true;
  }
}

/**
 * When a policy declares a member failed, in ms after it stops answering. ping: the VNFM pings
 * every `interval` and counts a probe missed when the next one goes out unanswered (iputils
 * `ping -O`), so `count` misses take between count and count+1 intervals. http_ping: `retry`
 * requests one second apart, each failing at once (refused) or after `timeout`.
 */
export function detectionWindowMs(p: MonitorPolicy): { minMs: number; maxMs: number } {
  if (p.name === 'ping') return { minMs: p.count * p.intervalS * 1000, maxMs: (p.count + 1) * p.intervalS * 1000 };
  return { minMs: (p.retry - 1) * 1000, maxMs: p.retry * (1 + p.timeoutS) * 1000 };
}

/** What the VNFM does about a failed member: `failover` only makes sense for an active one. */
export function plannedActions(actions: readonly PolicyAction[], role: 'active' | 'standby'): PolicyAction[] {
  const out = new Set<PolicyAction>();
  for (const a of actions) {
    if (a === 'failover' && role === 'active') {
      // The document: the standby takes over, and a new standby is created in its place.
      out.add('failover');
      out.add('respawn');
    } else if (a === 'failover' || a === 'respawn') out.add('respawn');
    else out.add(a);
  }
  return [...out];
}

/** A compute host for a new member: one with no live member (anti-affinity), else the least used. */
export function pickHost(placement: readonly string[], liveHosts: readonly string[], antiAffinity: boolean): string | null {
  const load = (h: string) => liveHosts.filter((x) => x === h).length;
  const free = placement.filter((h) => load(h) === 0);
  if (free.length) return free[0]!;
  if (antiAffinity) return null;
  return [...placement].sort((a, b) => load(a) - load(b))[0] ?? null;
}

/** The n-th member's name and address (n from 1), after the ones `up` built. */
export function memberName(cluster: string, n: number): string {
  return `${cluster}-${n}`;
}

/** What the Zabbix-style agent reports of a member. */
export interface AppSample {
  app: 'up' | 'down';
  memMb: number;
  cpuPct: number;
}

/** Does this sample make the trigger's item fail (one of the N reads in a row)? */
export function triggerHit(t: AppTrigger, s: AppSample): boolean {
  if (t.condition.op === 'down') return s.app === 'down';
  const v = t.item === 'app_memory' ? s.memMb : s.cpuPct;
  return v > t.condition.value;
}

/** The Zabbix trigger expression the document's condition stands for. */
export function triggerExpression(t: AppTrigger, p: AppPolicy): string {
  const n = p.triggerCount;
  if (t.item === 'app_status') return `net.tcp.service[http,,${p.appPort}].max(#${n})=0`;
  if (t.item === 'app_memory') return `proc.mem[${p.appName}].min(#${n})>${t.condition.op === 'greater' ? t.condition.value : 0}M`;
  return `system.cpu.util.min(#${n})>${t.condition.op === 'greater' ? t.condition.value : 0}`;
}
