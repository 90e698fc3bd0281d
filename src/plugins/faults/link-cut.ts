/**
 * link-cut / link-restore / blackhole: drop every frame in and out of one interface with
 * nftables netdev ingress and egress hooks (this kernel has no tc matchall), carrier staying
 * up, so only timers (BGP hold, BFD, VRRP) notice.
 */
import { createHash } from 'node:crypto';
import { monotonicMs } from '../../runtime/events.js';
import { representable, realtimeOffsetNs, toMonotonicMs, toRealtimeNs, verifyListing, windowMatch } from '../../runtime/netns/nft-time.js';
import { inNetns, run, sleep } from '../../runtime/netns/proc.js';
import { withNftSession, type Session } from '../../runtime/netns/session.js';
import { kernelIface } from './nic.js';
import type { FaultContext, FaultKind } from './types.js';

/** nft table names are identifiers: derive one from the kernel interface name. */
function table(dev: string): string {
  return `halab_cut_${createHash('sha1').update(dev).digest('hex').slice(0, 8)}`;
}

// Device names are validated (letters, digits, '_', '.', '-'), so quoting them is enough.
export const cutLines = (dev: string) => [
  `add table netdev ${table(dev)}`,
  `add chain netdev ${table(dev)} in { type filter hook ingress device "${dev}" priority -500; policy drop; }`,
  `add chain netdev ${table(dev)} out { type filter hook egress device "${dev}" priority -500; policy drop; }`,
];
export const restoreLines = (dev: string) => [`delete table netdev ${table(dev)}`];

const withNft = <T>(ctx: FaultContext, f: (nft: Session, dev: string) => Promise<T>): Promise<T> => withNftSession(ctx.node.ns, (nft) => f(nft, kernelIface(ctx)));

export const linkCut: FaultKind = {
  kind: 'link-cut',
  undo: 'link-restore',
  summary: 'drop all traffic on an interface, carrier stays up (until link-restore)',
  target: 'interface',
  async inject(ctx) {
    return { atMs: await withNft(ctx, (nft, dev) => nft.run(cutLines(dev))), detail: `${ctx.node.name}:${ctx.part} cut` };
  },
};

export const linkRestore: FaultKind = {
  kind: 'link-restore',
  summary: 'end a link-cut',
  target: 'interface',
  async inject(ctx) {
    return { atMs: await withNft(ctx, (nft, dev) => nft.run(restoreLines(dev))), detail: `${ctx.node.name}:${ctx.part} restored` };
  },
};

export const blackhole: FaultKind = {
  kind: 'blackhole',
  undo: 'self',
  summary: 'drop all traffic on an interface for exactly durationMs (kernel-timed; calibration)',
  target: 'interface',
  async inject(ctx) {
    const duration = ctx.opts.durationMs ?? 200;
    return withNft(ctx, async (nft, dev) =>
      (await kernelWindowsWork(ctx.node.ns)) ? timedBlackhole(nft, dev, duration, ctx) : stampedBlackhole(nft, dev, duration, ctx),
    );
  },
};

const describe = (ctx: FaultContext, atMs: number, endMs: number, uncertaintyMs: number, how: string) =>
  `${ctx.node.name}:${ctx.part} blackholed for ${(endMs - atMs).toFixed(1)} ms (${how} ±${uncertaintyMs.toFixed(3)})`;

/**
 * The exact blackhole: a rule matching a kernel-time window [start, end) is committed ahead of
 * `start`, so its edges are the kernel's clock, not command round trips. The only error left is
 * converting the window to the monotonic clock (realtimeOffsetNs, microseconds) and the 512 ns
 * grid of representable times.
 */
async function timedBlackhole(nft: Session, dev: string, duration: number, ctx: FaultContext) {
  const offset = realtimeOffsetNs();
  for (let lead = 20; ; lead *= 4) {
    const startNs = representable(toRealtimeNs(monotonicMs() + lead, offset));
    const endNs = representable(startNs + BigInt(Math.round(duration * 1e6)));
    const atMs = toMonotonicMs(startNs, offset);
    const endMs = toMonotonicMs(endNs, offset);
    const committed = await nft.run(windowLines(dev, startNs, endNs));
    if (committed >= atMs) {
      // The commit came too late for the window's start (a busy machine): try again further ahead.
      await nft.run(restoreLines(dev));
      if (lead >= 1280) throw new Error(`nft took ${nft.lastLatencyMs.toFixed(0)} ms to commit a rule; the machine is too busy for a timed blackhole`);
      continue;
    }
    await sleep(endMs - monotonicMs() + 5);
    await nft.run(restoreLines(dev));
    const uncertaintyMs = 0.01; // clock conversion + the 512 ns grid
    return { atMs, endMs, uncertaintyMs, detail: describe(ctx, atMs, endMs, uncertaintyMs, 'kernel-timed') };
  }
}

const windowLines = (dev: string, startNs: bigint, endNs: bigint) => [
  `add table netdev ${table(dev)}`,
  ...(['in', 'out'] as const).flatMap((chain) => [
    `add chain netdev ${table(dev)} ${chain} { type filter hook ${chain === 'in' ? 'ingress' : 'egress'} device "${dev}" priority -500; policy accept; }`,
    `add rule netdev ${table(dev)} ${chain} ${windowMatch(startNs, endNs)} drop`,
  ]),
];

/** Whether this nft keeps `meta time` windows to the nanosecond (checked once, on a window an hour ahead). */
let windowsWork: Promise<boolean> | undefined;
function kernelWindowsWork(ns: string): Promise<boolean> {
  return (windowsWork ??= (async () => {
    const name = 'halab_timecheck';
    const startNs = representable(BigInt(Date.now() + 3_600_000) * 1_000_000n + 123_456_789n);
    const endNs = representable(startNs + 1_500_000_000n);
    // Three commands: nft 1.0.6 crashes listing a table in the batch that adds it.
    const nft = (input: string) => run(inNetns(ns, ['nft', '-f', '-']), { input });
    const added = await nft(`add table netdev ${name}\nadd chain netdev ${name} c\nadd rule netdev ${name} c ${windowMatch(startNs, endNs)} drop\n`);
    const listed = await nft(`list table netdev ${name}\n`);
    await nft(`delete table netdev ${name}\n`);
    return added.code === 0 && verifyListing(listed.stdout, startNs, endNs);
  })());
}

/** Without kernel windows: the rule goes in and out by command, stamped when each round trip ends. */
async function stampedBlackhole(nft: Session, dev: string, duration: number, ctx: FaultContext) {
  const atMs = await nft.run(cutLines(dev));
  const cutRtt = nft.lastLatencyMs;
  // The restore starts early by the cut's own round trip; timers fire late rather than
  // early, so wake a little before and wait out the rest.
  const rest = () => duration - cutRtt - (monotonicMs() - atMs);
  if (rest() > 3) await sleep(rest() - 2);
  while (rest() > 0.05) await new Promise((r) => setImmediate(r));
  const endMs = await nft.run(restoreLines(dev));
  const uncertaintyMs = cutRtt + nft.lastLatencyMs;
  return { atMs, endMs, uncertaintyMs, detail: describe(ctx, atMs, endMs, uncertaintyMs, 'stamped') };
}
