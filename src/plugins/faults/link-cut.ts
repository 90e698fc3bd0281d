/**
 * link-cut / link-restore / blackhole: drop every frame in and out of one interface with
 * nftables netdev ingress and egress hooks (this kernel has no tc matchall), carrier staying
 * up, so only timers (BGP hold, BFD, VRRP) notice.
 */
import { createHash } from 'node:crypto';
import { monotonicMs } from '../../runtime/events.js';
import { sleep } from '../../runtime/netns/proc.js';
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
  summary: 'drop all traffic on an interface for exactly durationMs (calibration)',
  target: 'interface',
  async inject(ctx) {
    const duration = ctx.opts.durationMs ?? 200;
    return withNft(ctx, async (nft, dev) => {
      const atMs = await nft.run(cutLines(dev));
      const cutRtt = nft.lastLatencyMs;
      // The restore starts early by the cut's own round trip; timers fire late rather than
      // early, so wake a little before and wait out the rest.
      const lead = cutRtt;
      const rest = () => duration - lead - (monotonicMs() - atMs);
      if (rest() > 3) await sleep(rest() - 2);
      while (rest() > 0.05) await new Promise((r) => setImmediate(r));
      const endMs = await nft.run(restoreLines(dev));
      const uncertaintyMs = cutRtt + nft.lastLatencyMs;
      return { atMs, endMs, uncertaintyMs, detail: `${ctx.node.name}:${ctx.part} blackholed for ${(endMs - atMs).toFixed(1)} ms (±${uncertaintyMs.toFixed(1)})` };
    });
  },
};
