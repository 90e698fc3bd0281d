/**
 * The measurement assertions of a lab file, judged on a trial's flows and events (relative ms,
 * the fault at 0). Pure. An assertion on a flow with both directions judges each direction.
 */
import type { AssertionResult, FlowResult, TrialEvent } from '../model/result.js';
import type { AssertionSpec, EventMatch } from '../model/scenario.js';

const f1 = (x: number) => x.toFixed(1);

/** The flows an assertion names: all, one flow's directions, or one direction. */
export function flowsNamed(flows: readonly FlowResult[], name?: string): FlowResult[] {
  return name === undefined ? [...flows] : flows.filter((f) => f.name === name || f.name.startsWith(`${name}:`));
}

export function matches(m: EventMatch, e: TrialEvent): boolean {
  if (m.kind !== undefined && e.kind !== m.kind) return false;
  if (m.node !== undefined && e.node !== m.node) return false;
  if (m.detail !== undefined) {
    const re = /^\/(.*)\/([a-z]*)$/.exec(m.detail);
    if (re ? !new RegExp(re[1]!, re[2]).test(e.detail) : !e.detail.includes(m.detail)) return false;
  }
  return true;
}

export const describeMatch = (m: EventMatch) => [m.kind ?? 'any event', m.node ? `at ${m.node}` : '', m.detail ? `'${m.detail}'` : ''].filter(Boolean).join(' ');
const describeEvent = (e: TrialEvent) => `${e.kind} at ${e.node} '${e.detail}' (${e.tMs >= 0 ? '+' : ''}${f1(e.tMs)} ms)`;

/** Judges one measurement assertion (not `state`: those are conditions checked live). */
export function judge(a: Exclude<AssertionSpec, { kind: 'state' }>, flows: readonly FlowResult[], events: readonly TrialEvent[]): AssertionResult[] {
  switch (a.kind) {
    case 'outage':
      return flowsNamed(flows, a.flow).flatMap((f) => {
        const out: AssertionResult[] = [];
        const measured = `${f1(f.outageMs)} ms (${f.lost} of ${f.sent} ${f.proto} ${f.proto === 'http' ? 'requests' : 'packets'} lost at ${f.rateHz} Hz; longest gap ${f1(f.maxGapMs)} ms)`;
        if (a.maxMs !== undefined) out.push({ name: `outage of ${f.name} <= ${a.maxMs} ms`, ok: f.outageMs <= a.maxMs, detail: `measured ${measured}`, measured: f.outageMs, limit: a.maxMs });
        if (a.minMs !== undefined) out.push({ name: `outage of ${f.name} >= ${a.minMs} ms`, ok: f.outageMs >= a.minMs, detail: `measured ${measured}`, measured: f.outageMs, limit: a.minMs });
        return out;
      });
    case 'recovered':
      return flowsNamed(flows, a.flow).map((f) => {
        const ok = f.received > 0 && (f.lost === 0 || f.recoveredMs !== null);
        const detail =
          f.received === 0
            ? `nothing arrived (${f.sent} sent)`
            : f.lost === 0
              ? 'no loss'
              : f.recoveredMs !== null
                ? `recovered ${f1(f.recoveredMs)} ms after the fault (outage ${f1(f.outageMs)} ms)`
                : `never recovered: lost from ${f1(f.firstLossMs ?? 0)} ms to the end of the observation`;
        return { name: `${f.name} recovered`, ok, detail, measured: f.recoveredMs };
      });
    case 'event': {
      const found = events.find((e) => e.tMs >= 0 && matches(a.match, e) && (a.withinMs === undefined || e.tMs <= a.withinMs));
      const name = `event ${describeMatch(a.match)}${a.withinMs !== undefined ? ` within ${a.withinMs} ms` : ''}`;
      if (found) return [{ name, ok: true, detail: describeEvent(found), measured: found.tMs, ...(a.withinMs !== undefined ? { limit: a.withinMs } : {}) }];
      const late = events.find((e) => e.tMs >= 0 && matches(a.match, e));
      return [{ name, ok: false, detail: late ? `only later: ${describeEvent(late)}` : 'no such event after the fault', measured: late?.tMs ?? null, ...(a.withinMs !== undefined ? { limit: a.withinMs } : {}) }];
    }
    case 'order': {
      const name = `events in order: ${a.matches.map(describeMatch).join(' -> ')}`;
      const seen: TrialEvent[] = [];
      let from = 0;
      for (const m of a.matches) {
        const i = events.findIndex((e, j) => j >= from && matches(m, e));
        if (i < 0) {
          const anywhere = events.find((e) => matches(m, e));
          const got = seen.map(describeEvent).join(', ');
          return [{ name, ok: false, detail: `${got ? `${got}, then ` : ''}no ${describeMatch(m)}${anywhere ? ` after that (one at ${f1(anywhere.tMs)} ms, earlier)` : ''}` }];
        }
        seen.push(events[i]!);
        from = i + 1;
      }
      return [{ name, ok: true, detail: seen.map(describeEvent).join(', ') }];
    }
  }
}
