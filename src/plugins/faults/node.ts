/**
 * node-halt (freeze every process and set every link down, like `request system halt`),
 * node-freeze (a hung VM: processes frozen, nothing forwarded, links stay up), node-resume (undo either).
 */
import { freezeNode, thawNode } from '../../runtime/netns/freezer.js';
import { withNftSession } from '../../runtime/netns/session.js';
import { cutLines, restoreLines } from './link-cut.js';
import { restoreRoutes } from './nic.js';
import type { FaultContext, FaultKind } from './types.js';

const links = (ctx: FaultContext, dir: 'up' | 'down') => ctx.node.ifaces.filter((i) => dir === 'down' || i.up).map((i) => `link set dev ${i.kname} ${dir}`);

export const nodeHalt: FaultKind = {
  kind: 'node-halt',
  undo: 'node-resume',
  summary: 'freeze every process of a node and set its links down (peers see carrier loss)',
  target: 'node',
  async inject(ctx) {
    // Traffic stops at once (the stamp), then the processes stop before they can see the links go:
    // freezing takes tens of ms, and a node that forwards in userspace (OVS) stops forwarding
    // somewhere inside it. node-resume removes the drop rules.
    const atMs = await dropAll(ctx, true);
    const n = await freezeNode(ctx.state.lab, ctx.node.name, ctx.node.ns);
    await ctx.ip(links(ctx, 'down'));
    return { atMs, detail: `${ctx.node.name} halted (${n} processes frozen, links down)` };
  },
};

/** A hung VM forwards nothing either: every interface drops all traffic, carrier staying up. */
function dropAll(ctx: FaultContext, on: boolean): Promise<number> {
  const devs = ctx.node.ifaces.map((i) => i.kname);
  // Tables of a node that was not frozen do not exist: nft -i reports that and goes on.
  return withNftSession(ctx.node.ns, (nft) => nft.run(devs.flatMap(on ? cutLines : restoreLines)));
}

export const nodeFreeze: FaultKind = {
  kind: 'node-freeze',
  undo: 'node-resume',
  summary: 'a hung VM: freeze every process and drop all its traffic, carrier stays up (only timers notice)',
  target: 'node',
  async inject(ctx) {
    // As node-halt: traffic stops first, at the stamp; the freeze follows.
    const atMs = await dropAll(ctx, true);
    const n = await freezeNode(ctx.state.lab, ctx.node.name, ctx.node.ns);
    return { atMs, detail: `${ctx.node.name} frozen (${n} processes, all traffic dropped)` };
  },
};

export const nodeResume: FaultKind = {
  kind: 'node-resume',
  summary: 'undo node-halt or node-freeze: thaw the processes, links up, static routes back',
  target: 'node',
  async inject(ctx) {
    await dropAll(ctx, false);
    const atMs = await ctx.ip(links(ctx, 'up'));
    await thawNode(ctx.state.lab, ctx.node.name);
    await restoreRoutes(ctx);
    return { atMs, detail: `${ctx.node.name} resumed` };
  },
};
