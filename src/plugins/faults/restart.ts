/**
 * node-restart (a server restart): every process of the node killed and its links down; after
 * `durationMs` (1000 by default) the links come back up with their static routes, and the node's
 * services start again from what `up` ran, each in a fresh run dir. A node with Open vSwitch gets
 * its switches rebuilt too (restartOvsNode).
 */
import { rmSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import type { Step } from '../../model/plan.js';
import { runSteps } from '../../runtime/netns/executor.js';
import { monotonicMs } from '../../runtime/events.js';
import { inNetns, killInNamespaces, run, sleep } from '../../runtime/netns/proc.js';
import { restoreRoutes } from './nic.js';
import type { FaultContext, FaultKind } from './types.js';

export const nodeRestart: FaultKind = {
  kind: 'node-restart',
  undo: 'self',
  summary: 'kill every process of a node and set its links down; after --duration-ms, links up and services started again',
  target: 'node',
  async inject(ctx) {
    if (ctx.node.bridges.some((b) => b.kind === 'ovs')) return restartOvsNode(ctx);
    const services = ctx.state.actions.filter((a) => a.node === ctx.node.name && a.phase === 'services' && a.do);
    await killInNamespaces([ctx.node.ns]);
    const atMs = await ctx.ip(ctx.node.ifaces.map((i) => `link set dev ${i.kname} down`));
    await sleep(ctx.opts.durationMs ?? 1000);
    const endMs = await ctx.ip(ctx.node.ifaces.filter((i) => i.up).map((i) => `link set dev ${i.kname} up`));
    await restoreRoutes(ctx);
    // A restarted server starts its daemons afresh: each service's run dir (its first mkdir) is emptied.
    await startServices(ctx, services);
    return { atMs, endMs, detail: `${ctx.node.name} restarted (down ${(endMs - atMs).toFixed(0)} ms, ${services.length} service(s) started again)` };
  },
};

type StateAction = FaultContext['state']['actions'][number];

/** A restarted server starts its daemons afresh: each service's run dir (its first mkdir) is emptied. */
async function startServices(ctx: FaultContext, services: readonly StateAction[]): Promise<void> {
  const steps: Step[] = services.flatMap((a) => a.do!);
  for (const s of steps) if (s.t === 'mkdir') rmSync(s.path, { recursive: true, force: true });
  const failed = await runSteps(steps);
  if (failed.length) throw new Error(`restarting the services of ${ctx.node.name}: ${failed[0]!.command}: ${failed[0]!.stderr.trim()}`);
}

/**
 * A node with Open vSwitch: killing its processes takes its switches with it, and the OVS ports
 * they created (internal ports, also those handed to other nodes). It comes back as `up` built it:
 * a fresh OVS database, its bridges and ports, the hand-offs, the interfaces of the node and of the
 * ports it hands over (addresses, up), the static routes of all of them, then its services.
 */
async function restartOvsNode(ctx: FaultContext) {
  const mine = (phases: string[]) => ctx.state.actions.filter((a) => a.node === ctx.node.name && phases.includes(a.phase));
  const missing = mine(['daemons', 'switches', 'handoff', 'interfaces']).filter((a) => !a.do);
  if (missing.length) throw new UsageError(`node-restart of ${ctx.node.name}: the lab was built by an older halab that did not keep what to run again; take it down and up again`);
  const handoffs = mine(['handoff']).map((a) => {
    const step = a.do!.find((s) => s.t === 'ip')!;
    const ns = step.t === 'ip' ? step.args[step.args.indexOf('netns') + 1] : undefined;
    return { target: ctx.state.nodes.find((n) => n.ns === ns)!, port: a.id.slice(`handoff:${ctx.node.name}:`.length) };
  });
  const targetIfaces = ctx.state.actions.filter((a) => handoffs.some((h) => a.id === `iface:${h.target.name}:${h.port}`) && a.do);

  // Cables (veth ends) survive, down and without addresses, so that `up`'s steps apply again as they are.
  // OVS makes its ports' tap devices persistent: the dead instance's are still there, here and in
  // the nodes it handed ports to, and would stand in the way of the new ones. The new ones get the
  // old ones' MACs, as a restarted server's ports keep theirs (neighbours' ARP entries stay right).
  const taps = [
    ...ctx.node.ifaces.filter((i) => i.origin !== 'link').map((i) => ({ ns: ctx.node.ns, dev: i.kname })),
    ...handoffs.map((h) => ({ ns: h.target.ns, dev: h.target.ifaces.find((i) => i.name === h.port)?.kname ?? h.port })),
  ];
  const macs = await Promise.all(taps.map(async (t) => /link\/ether (\S+)/.exec((await run(['ip', '-n', t.ns, '-o', 'link', 'show', 'dev', t.dev])).stdout)?.[1]));
  // Processes first: the kill would take the ip session (a process in the namespace) with it.
  await killInNamespaces([ctx.node.ns]);
  const cables = ctx.node.ifaces.filter((i) => i.origin === 'link');
  const atMs = await ctx.ip(cables.map((i) => `link set dev ${i.kname} down`));
  await ctx.ip(cables.map((i) => `addr flush dev ${i.kname}`));
  await sleep(ctx.opts.durationMs ?? 1000);

  for (const x of [...taps, { ns: ctx.node.ns, dev: 'ovs-netdev' }]) await run(['ip', '-n', x.ns, 'link', 'del', 'dev', x.dev]);
  rmSync(`${ctx.node.dir}/ovs`, { recursive: true, force: true });
  const steps = [...mine(['daemons', 'switches', 'handoff', 'interfaces']), ...targetIfaces].flatMap((a) => a.do!);
  const failed = await runSteps(steps);
  if (failed.length) throw new Error(`rebuilding ${ctx.node.name}'s switches: ${failed[0]!.command}: ${failed[0]!.stderr.trim()}`);
  for (const [i, t] of taps.entries()) if (macs[i]) await run(['ip', '-n', t.ns, 'link', 'set', 'dev', t.dev, 'address', macs[i]!]);
  const endMs = monotonicMs();
  await restoreRoutes(ctx);
  for (const h of new Set(handoffs.map((x) => x.target))) {
    for (const r of h.routes) await run(inNetns(h.ns, ['ip', ...r.map((a, i) => (i === 1 && a === 'add' ? 'replace' : a))]));
  }
  const services = mine(['services']).filter((a) => a.do);
  await startServices(ctx, services);
  return { atMs, endMs, detail: `${ctx.node.name} restarted (down ${(endMs - atMs).toFixed(0)} ms, its switches rebuilt, ${services.length} service(s) started again)` };
}
