/**
 * The chain as OpenFlow rules, and the group updates of the vnffg-ha engine (pure; unit-tested).
 *
 * Load balancing: each hop hashes the packet with OVS's multipath action into one of SLOTS slots
 * (a symmetric hash, so both directions of a flow land in the same slot), and a per-group slot
 * table maps slots to port pairs, like the buckets of a select group. A flow is sticky because its
 * slot is fixed; a group change rewrites only the slots it must (respawn: the failed pair's slots go
 * to the new pair; scale-out: the new pair takes a fair share from the fullest; scale-in: the
 * removed pair's slots go to the emptiest), so every other flow stays on its instance.
 */
import type { ChainConfig, ResolvedClassifier } from './options.js';

export const SLOTS = 64;
const SLOT_REG = 'NXM_NX_REG1[0..5]';

/** slot -> port pair name, one table per group. */
export type Slots = string[];

export function initialSlots(pairs: string[]): Slots {
  return Array.from({ length: SLOTS }, (_, s) => pairs[s % pairs.length]!);
}

function counts(slots: Slots, members: string[]): Map<string, number> {
  const m = new Map(members.map((p) => [p, 0]));
  for (const p of slots) if (m.has(p)) m.set(p, m.get(p)! + 1);
  return m;
}

export function members(slots: Slots): string[] {
  return [...new Set(slots)];
}

/** Scale-out: `pair` takes SLOTS/(n+1) slots, each from the member that has the most at the time. */
export function scaleOut(slots: Slots, pair: string): { slots: Slots; moved: number } {
  const out = [...slots];
  const have = members(slots);
  if (have.includes(pair)) throw new Error(`port pair ${pair} is already in the group`);
  const c = counts(out, have);
  const take = Math.floor(SLOTS / (have.length + 1));
  for (let i = 0; i < take; i++) {
    const donor = [...c.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    const s = out.lastIndexOf(donor);
    out[s] = pair;
    c.set(donor, c.get(donor)! - 1);
  }
  return { slots: out, moved: take };
}

/** Scale-in: the removed pair's slots go, one by one, to the member with the fewest. */
export function scaleIn(slots: Slots, pair: string): { slots: Slots; moved: number } {
  const rest = members(slots).filter((p) => p !== pair);
  if (rest.length === members(slots).length) throw new Error(`port pair ${pair} is not in the group`);
  if (!rest.length) throw new Error(`port pair ${pair} is the group's last: a group keeps at least one`);
  const out = [...slots];
  const c = counts(out, rest);
  let moved = 0;
  for (let s = 0; s < SLOTS; s++) {
    if (out[s] !== pair) continue;
    const to = [...c.entries()].reduce((a, b) => (b[1] < a[1] ? b : a))[0];
    out[s] = to;
    c.set(to, c.get(to)! + 1);
    moved++;
  }
  return { slots: out, moved };
}

/** Respawn: the new pair takes exactly the old one's slots (its flows, and no others). */
export function respawn(slots: Slots, old: string, neu: string): { slots: Slots; moved: number } {
  if (!slots.includes(old)) throw new Error(`port pair ${old} is not in the group`);
  if (slots.includes(neu)) throw new Error(`port pair ${neu} is already in the group`);
  const out = slots.map((p) => (p === old ? neu : p));
  return { slots: out, moved: slots.filter((p) => p === old).length };
}

/** value/mask pairs covering [lo, hi] (OpenFlow matches port ranges with masks). */
export function rangeMasks(lo: number, hi: number): string[] {
  const out: string[] = [];
  while (lo <= hi) {
    let size = 1;
    while ((lo & (size * 2 - 1)) === 0 && lo + size * 2 - 1 <= hi && size < 65536) size *= 2;
    out.push(size === 1 ? String(lo) : `0x${lo.toString(16).padStart(4, '0')}/0x${(0x10000 - size).toString(16)}`);
    lo += size;
  }
  return out;
}

/** The classifier's match for one direction (reverse: addresses and ports swapped). */
export function classifierMatches(c: ResolvedClassifier, reverse: boolean): string[] {
  const proto = c.protocol ?? 'ip';
  const [sp, dp] = reverse ? [c.dstPrefix, c.srcPrefix] : [c.srcPrefix, c.dstPrefix];
  const [sr, dr] = reverse ? [c.dstPorts, c.srcPorts] : [c.srcPorts, c.dstPorts];
  const base = [proto, ...(sp ? [`nw_src=${sp}`] : []), ...(dp ? [`nw_dst=${dp}`] : [])].join(',');
  const l4 = proto === 'tcp' || proto === 'udp';
  const srcs = l4 && sr ? rangeMasks(sr[0], sr[1]).map((m) => `,tp_src=${m}`) : [''];
  const dsts = l4 && dr ? rangeMasks(dr[0], dr[1]).map((m) => `,tp_dst=${m}`) : [''];
  return srcs.flatMap((s) => dsts.map((d) => base + s + d));
}

/** Table numbers of a chain's hops: forward and reverse per group. */
export function hopTable(chainIndex: number, hop: number, reverse: boolean): number {
  return 10 + chainIndex * 32 + hop * 2 + (reverse ? 1 : 0);
}

/**
 * The bridge's whole flow table for the chain config and the groups' current slot tables.
 * Table 0 steers by in_port and classifier; tables 10+ map slots to instance ports. Traffic the
 * classifiers do not match goes straight between the logical ports (ARP, other protocols); anything
 * else (instances' own traffic) is dropped by the bridge's secure fail-mode. A group's spares get
 * no slots but keep the rules for what comes out of them, so a pair just scaled in drains: packets
 * inside it when the new table lands still reach the next hop.
 */
export function renderFlows(cfg: ChainConfig, slots: Record<string, Slots>, spares: Record<string, string[]> = cfg.spares): string[] {
  const out: string[] = [];
  const direct = new Set<string>();
  Object.entries(cfg.chains).forEach(([, chain], ci) => {
    const groups = chain.groups;
    const last = groups.length - 1;
    const mp = (hop: number) => `multipath(${cfg.groups[groups[hop]!]!.hash},0,modulo_n,${SLOTS},0,${SLOT_REG})`;
    const membersOf = (hop: number) => [...members(slots[groups[hop]!]!), ...(spares[groups[hop]!] ?? [])];
    for (const fcName of chain.classifiers) {
      const fc = cfg.classifiers[fcName]!;
      direct.add(`${fc.src}\t${fc.dst}`);
      for (const m of classifierMatches(fc, false)) {
        out.push(`table=0,priority=200,in_port=${fc.src},${m},actions=${mp(0)},resubmit(,${hopTable(ci, 0, false)})`);
        groups.forEach((_, h) => {
          for (const p of membersOf(h)) {
            const next = h < last ? `${mp(h + 1)},resubmit(,${hopTable(ci, h + 1, false)})` : `output:${fc.dst}`;
            out.push(`table=0,priority=200,in_port=${cfg.pairs[p]!.egress},${m},actions=${next}`);
          }
        });
      }
      if (!chain.symmetric) continue;
      for (const m of classifierMatches(fc, true)) {
        out.push(`table=0,priority=200,in_port=${fc.dst},${m},actions=${mp(last)},resubmit(,${hopTable(ci, last, true)})`);
        groups.forEach((_, h) => {
          for (const p of membersOf(h)) {
            const next = h > 0 ? `${mp(h - 1)},resubmit(,${hopTable(ci, h - 1, true)})` : `output:${fc.src}`;
            out.push(`table=0,priority=200,in_port=${cfg.pairs[p]!.ingress},${m},actions=${next}`);
          }
        });
      }
    }
    groups.forEach((g, h) => {
      slots[g]!.forEach((p, s) => {
        out.push(`table=${hopTable(ci, h, false)},priority=100,reg1=${s},actions=output:${cfg.pairs[p]!.ingress}`);
        if (chain.symmetric) out.push(`table=${hopTable(ci, h, true)},priority=100,reg1=${s},actions=output:${cfg.pairs[p]!.egress}`);
      });
    });
  });
  for (const d of direct) {
    const [a, b] = d.split('\t');
    out.push(`table=0,priority=10,in_port=${a},actions=output:${b}`, `table=0,priority=10,in_port=${b},actions=output:${a}`);
  }
  return [...new Set(out)];
}

/** One flow seen in the datapath, and the instances it crosses. */
export interface Placement {
  key: string;
  direction: 'forward' | 'reverse';
  src: string;
  dst: string;
  pairs: string[];
}

interface DpFlow {
  inPort: string;
  src: string;
  dst: string;
  l4?: string;
  out: string;
}

/**
 * Which instances the live traffic crosses, from `ovs-appctl dpctl/dump-flows --names`: for each
 * flow entering at a classifier's source port (forward) or destination port (reverse), follow the
 * datapath flows hop by hop: the output port is a pair's ingress (forward; its egress is where the
 * flow comes back in) or egress (reverse). Hops match on the addresses, and on the L4 ports when
 * both hops' megaflows carry them (a group hashing addresses only leaves the ports wildcarded).
 */
export function parsePlacement(dump: string, cfg: ChainConfig, maxIdleS = 0.5): Placement[] {
  const dp: DpFlow[] = [];
  for (const line of dump.split('\n')) {
    const inPort = /in_port\(([^)]+)\)/.exec(line)?.[1];
    const ip = /ipv4\(src=([\d.]+),dst=([\d.]+),/.exec(line);
    const out = /actions:([^\s,]+)\s*$/.exec(line)?.[1];
    // Megaflows outlive the traffic by seconds: only those used lately say where it goes now.
    const used = /used:([\d.]+)s/.exec(line)?.[1];
    if (!inPort || !ip || !out || used === undefined || Number(used) > maxIdleS) continue;
    const l4 = /(udp|tcp)\(src=(\d+),dst=(\d+)\)/.exec(line);
    dp.push({ inPort, src: ip[1]!, dst: ip[2]!, out, ...(l4 ? { l4: `${l4[1]} ${l4[2]}>${l4[3]}` } : {}) });
  }
  const byPort = (side: 'ingress' | 'egress') => new Map(Object.entries(cfg.pairs).map(([n, p]) => [p[side], n]));
  const ends = { forward: new Set(Object.values(cfg.classifiers).map((c) => c.src)), reverse: new Set(Object.values(cfg.classifiers).map((c) => c.dst)) };
  const out: Placement[] = [];
  for (const direction of ['forward', 'reverse'] as const) {
    const [enter, leave] = direction === 'forward' ? (['ingress', 'egress'] as const) : (['egress', 'ingress'] as const);
    const toPair = byPort(enter);
    for (const f of dp.filter((x) => ends[direction].has(x.inPort))) {
      const pairs: string[] = [];
      for (let hop: DpFlow | undefined = f; hop && toPair.has(hop.out) && pairs.length < 16; ) {
        const p: string = toPair.get(hop.out)!;
        pairs.push(p);
        const back: string = cfg.pairs[p]![leave];
        const l4 = hop.l4;
        hop = dp.find((x): boolean => x.inPort === back && x.src === f.src && x.dst === f.dst && (!x.l4 || !l4 || x.l4 === l4));
      }
      if (pairs.length) out.push({ key: `${f.src}>${f.dst}${f.l4 ? ` ${f.l4}` : ''}`, direction, src: f.src, dst: f.dst, pairs });
    }
  }
  return out.sort((a, b) => a.direction.localeCompare(b.direction) || a.key.localeCompare(b.key, 'en', { numeric: true }));
}
