/**
 * node-restart (a server restart): every process of the node killed and its links down; after
 * `durationMs` (1000 by default) the links come back up with their static routes, and the node's
 * services start again from what `up` ran, each in a fresh run dir.
 */
import { rmSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import type { Step } from '../../model/plan.js';
import { runSteps } from '../../runtime/netns/executor.js';
import { killInNamespaces, sleep } from '../../runtime/netns/proc.js';
import { restoreRoutes } from './nic.js';
import type { FaultKind } from './types.js';

export const nodeRestart: FaultKind = {
  kind: 'node-restart',
  undo: 'self',
  summary: 'kill every process of a node and set its links down; after --duration-ms, links up and services started again',
  target: 'node',
  async inject(ctx) {
    if (ctx.node.bridges.some((b) => b.kind === 'ovs')) throw new UsageError(`node-restart of a node with OVS bridges (${ctx.node.name}) is not supported yet`);
    const services = ctx.state.actions.filter((a) => a.node === ctx.node.name && a.phase === 'services' && a.do);
    await killInNamespaces([ctx.node.ns]);
    const atMs = await ctx.ip(ctx.node.ifaces.map((i) => `link set dev ${i.kname} down`));
    await sleep(ctx.opts.durationMs ?? 1000);
    const endMs = await ctx.ip(ctx.node.ifaces.filter((i) => i.up).map((i) => `link set dev ${i.kname} up`));
    await restoreRoutes(ctx);
    // A restarted server starts its daemons afresh: each service's run dir (its first mkdir) is emptied.
    const steps: Step[] = services.flatMap((a) => a.do!);
    for (const s of steps) if (s.t === 'mkdir') rmSync(s.path, { recursive: true, force: true });
    const failed = await runSteps(steps);
    if (failed.length) throw new Error(`restarting the services of ${ctx.node.name}: ${failed[0]!.command}: ${failed[0]!.stderr.trim()}`);
    return { atMs, endMs, detail: `${ctx.node.name} restarted (down ${(endMs - atMs).toFixed(0)} ms, ${services.length} service(s) started again)` };
  },
};
