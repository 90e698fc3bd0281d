/**
 * The vnffg-ha engine's chain updates as seeds/002 describes them, without I/O: scale-out (create
 * a port pair, add it to the group), scale-in (remove it from the group, delete the pair: here it
 * goes back to the spares), respawn (delete the old pair, create the new one, update the group).
 * Each returns the new state and a one-line account; the agent installs the rendered flows and
 * commits the state only once they are in place.
 */
import { initialSlots, respawn, scaleIn, scaleOut, type Slots } from './chain.js';
import type { ChainConfig } from './options.js';

export interface EngineState {
  /** group -> slot table. */
  slots: Record<string, Slots>;
  /** group -> its pairs, oldest first (scale-in removes the newest by default). */
  order: Record<string, string[]>;
  /** group -> spare pairs. */
  spares: Record<string, string[]>;
  /** Pairs deleted by respawn (their instance failed); never used again. */
  failed: string[];
}

export type Request =
  | { op: 'scale-out'; group: string; pair?: string }
  | { op: 'scale-in'; group: string; pair?: string }
  | { op: 'respawn'; pair: string; to?: string; reason?: string };

export interface Update {
  state: EngineState;
  group: string;
  detail: string;
  /** The pairs that left and joined the group. */
  removed?: string;
  added?: string;
  moved: number;
}

export function initialState(cfg: ChainConfig): EngineState {
  return {
    slots: Object.fromEntries(Object.entries(cfg.groups).map(([g, x]) => [g, initialSlots(x.pairs)])),
    order: Object.fromEntries(Object.entries(cfg.groups).map(([g, x]) => [g, [...x.pairs]])),
    spares: Object.fromEntries(Object.keys(cfg.groups).map((g) => [g, [...(cfg.spares[g] ?? [])]])),
    failed: [],
  };
}

export function groupOf(s: EngineState, pair: string): string | undefined {
  return Object.keys(s.order).find((g) => s.order[g]!.includes(pair));
}

/** Apply one request; throws with a message for the requester when it cannot be done. */
export function update(s: EngineState, r: Request): Update {
  const share = (slots: Slots, p: string) => slots.filter((x) => x === p).length;
  if (r.op === 'respawn') {
    const g = groupOf(s, r.pair);
    if (!g) throw new Error(`port pair ${r.pair} is in no group (groups: ${Object.entries(s.order).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ')})`);
    const sp = s.spares[g]!;
    const to = r.to ?? sp[0];
    if (!to) throw new Error(`group ${g} has no spare port pair left to respawn ${r.pair} onto`);
    if (!sp.includes(to)) throw new Error(`port pair ${to} is not a spare of group ${g} (spares: ${sp.join(', ') || 'none'})`);
    const { slots, moved } = respawn(s.slots[g]!, r.pair, to);
    return {
      state: { slots: { ...s.slots, [g]: slots }, order: { ...s.order, [g]: s.order[g]!.map((p) => (p === r.pair ? to : p)) }, spares: { ...s.spares, [g]: sp.filter((p) => p !== to) }, failed: [...s.failed, r.pair] },
      group: g,
      removed: r.pair,
      added: to,
      moved,
      detail: `respawn ${r.pair} -> ${to}${r.reason ? ` (${r.reason})` : ''}: port pair ${r.pair} deleted, ${to} created, group ${g} updated: ${moved} of ${slots.length} slots moved`,
    };
  }
  const order = s.order[r.group];
  if (!order) throw new Error(`no port pair group '${r.group}' (groups: ${Object.keys(s.order).join(', ')})`);
  if (r.op === 'scale-out') {
    const sp = s.spares[r.group]!;
    const p = r.pair ?? sp[0];
    if (!p) throw new Error(`group ${r.group} has no spare port pair left to scale out with`);
    if (!sp.includes(p)) throw new Error(`port pair ${p} is not a spare of group ${r.group} (spares: ${sp.join(', ') || 'none'})`);
    const { slots, moved } = scaleOut(s.slots[r.group]!, p);
    return {
      state: { ...s, slots: { ...s.slots, [r.group]: slots }, order: { ...s.order, [r.group]: [...order, p] }, spares: { ...s.spares, [r.group]: sp.filter((x) => x !== p) } },
      group: r.group,
      added: p,
      moved,
      detail: `scale-out ${r.group} +${p}: port pair ${p} created, added to group ${r.group} (${[...order, p].join(', ')}): ${moved} of ${slots.length} slots moved`,
    };
  }
  const p = r.pair ?? order.at(-1)!;
  if (!order.includes(p)) throw new Error(`port pair ${p} is not in group ${r.group} (${order.join(', ')})`);
  const before = share(s.slots[r.group]!, p);
  const { slots, moved } = scaleIn(s.slots[r.group]!, p);
  const rest = order.filter((x) => x !== p);
  return {
    state: { ...s, slots: { ...s.slots, [r.group]: slots }, order: { ...s.order, [r.group]: rest }, spares: { ...s.spares, [r.group]: [...s.spares[r.group]!, p] } },
    group: r.group,
    removed: p,
    moved,
    detail: `scale-in ${r.group} -${p}: removed from group ${r.group} (${rest.join(', ')}), port pair ${p} deleted: ${moved} of ${slots.length} slots moved (${before} were ${p}'s)`,
  };
}
