/** nic-down / nic-up: `ip link set dev IF down|up` in the node; carrier loss on the far side. */
import type { FaultContext, FaultKind } from './types.js';

export function kernelIface(ctx: FaultContext): string {
  return ctx.node.ifaces.find((i) => i.name === ctx.part)!.kname;
}

/** The kernel drops a node's routes through a device that goes down: put them back. */
export async function restoreRoutes(ctx: FaultContext): Promise<void> {
  for (const r of ctx.node.routes) await ctx.inNode(['ip', ...r.map((a, i) => (i === 1 && a === 'add' ? 'replace' : a))]).catch(() => undefined);
}

export const nicDown: FaultKind = {
  kind: 'nic-down',
  undo: 'nic-up',
  summary: 'set an interface of a node down (carrier loss on the far side)',
  target: 'interface',
  async inject(ctx) {
    const atMs = await ctx.ip([`link set dev ${kernelIface(ctx)} down`]);
    return { atMs, detail: `${ctx.node.name}:${ctx.part} down` };
  },
};

export const nicUp: FaultKind = {
  kind: 'nic-up',
  summary: 'set an interface up again (and restore the static routes the kernel dropped)',
  target: 'interface',
  async inject(ctx) {
    const atMs = await ctx.ip([`link set dev ${kernelIface(ctx)} up`]);
    await restoreRoutes(ctx);
    return { atMs, detail: `${ctx.node.name}:${ctx.part} up` };
  },
};
