/**
 * node-halt (freeze every process and set every link down, like `request system halt`),
 * node-freeze (a hung VM: processes frozen, links stay up), node-resume (undo either).
 */
import { freezeNode, thawNode } from '../../runtime/netns/freezer.js';
import { monotonicMs } from '../../runtime/events.js';
import { restoreRoutes } from './nic.js';
import type { FaultContext, FaultKind } from './types.js';

const links = (ctx: FaultContext, dir: 'up' | 'down') => ctx.node.ifaces.filter((i) => dir === 'down' || i.up).map((i) => `link set dev ${i.kname} ${dir}`);

export const nodeHalt: FaultKind = {
  kind: 'node-halt',
  summary: 'freeze every process of a node and set its links down (peers see carrier loss)',
  target: 'node',
  async inject(ctx) {
    const n = await freezeNode(ctx.state.lab, ctx.node.name, ctx.node.ns);
    const atMs = await ctx.ip(links(ctx, 'down'));
    return { atMs, detail: `${ctx.node.name} halted (${n} processes frozen, links down)` };
  },
};

export const nodeFreeze: FaultKind = {
  kind: 'node-freeze',
  summary: 'freeze every process of a node, links stay up (only timers notice)',
  target: 'node',
  async inject(ctx) {
    const n = await freezeNode(ctx.state.lab, ctx.node.name, ctx.node.ns);
    return { atMs: monotonicMs(), detail: `${ctx.node.name} frozen (${n} processes)` };
  },
};

export const nodeResume: FaultKind = {
  kind: 'node-resume',
  summary: 'undo node-halt or node-freeze: thaw the processes, links up, static routes back',
  target: 'node',
  async inject(ctx) {
    const atMs = await ctx.ip(links(ctx, 'up'));
    await thawNode(ctx.state.lab, ctx.node.name);
    await restoreRoutes(ctx);
    return { atMs, detail: `${ctx.node.name} resumed` };
  },
};
