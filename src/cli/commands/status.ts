import { UsageError } from '../../errors.js';
import { serviceKinds } from '../../plugins/services/index.js';
import { inNetns, run } from '../../runtime/netns/proc.js';
import { labStatus, type LabStatus } from '../../runtime/netns/status.js';
import { listLabs, readState } from '../../runtime/netns/state.js';
import { table } from '../table.js';
import { clabStatus, readClabState } from '../../runtime/containerlab/driver.js';

export async function statusCommand(name: string | undefined, opts: { json?: boolean; rib?: string }): Promise<void> {
  const clab = name ? readClabState(name) : null;
  if (clab) {
    if (opts.rib) throw new UsageError('--rib is for netns labs; on containerlab: halab exec LAB NODE -- vtysh -c "show ip bgp"');
    process.stdout.write(`${(await clabStatus(clab, !!opts.json)).trimEnd()}\n`);
    return;
  }
  if (opts.rib) return ribCommand(name, opts.rib);
  const names = name ? [name] : listLabs();
  const states = names.map((n) => {
    const s = readState(n);
    if (!s) throw new UsageError(`no lab named '${n}' is up`);
    return s;
  });
  const all = await Promise.all(states.map(labStatus));
  if (opts.json) {
    console.log(JSON.stringify(name ? all[0] : all, null, 2));
    return;
  }
  if (!all.length) {
    console.log('no labs are up');
    return;
  }
  console.log(all.map(render).join('\n\n'));
}

function render(s: LabStatus): string {
  const procs = (n: LabStatus['nodes'][number]) => [...new Set(n.processes.map((p) => p.comm))].join(' ') || '-';
  const nodes = table(
    ['node', 'kind', 'namespace', 'processes'],
    s.nodes.map((n) => [n.name, n.kind, n.present ? n.ns : `${n.ns} (MISSING)`, procs(n)]),
  );
  const ifaces = table(
    ['node', 'interface', 'kernel name', 'state', 'addresses'],
    s.nodes.flatMap((n) => n.ifaces.map((i) => [n.name, i.name, i.kname, i.state, i.addresses.join(' ') || '-'])),
  );
  // Services: one table per kind that has one (e.g. the BGP neighbor list), else a line per node.
  const byKind = new Map<string, { node: string; svc: LabStatus['nodes'][number]['services'][number] }[]>();
  for (const n of s.nodes) for (const svc of n.services) byKind.set(svc.kind, [...(byKind.get(svc.kind) ?? []), { node: n.name, svc }]);
  const services = [...byKind.entries()].map(([kind, list]) => {
    const withTable = list.filter((x) => x.svc.table);
    const lines = list.map((x) => `  ${x.node}: ${x.svc.summary}`).join('\n');
    return withTable.length ? `${kind}:\n${lines}\n${table(withTable[0]!.svc.table!.head, withTable.flatMap((x) => x.svc.table!.rows))}` : `${kind}:\n${lines}`;
  });
  return [`lab ${s.lab} (${s.status}) from ${s.topologyFile}, since ${s.createdAt}`, nodes, ifaces, ...services].join('\n');
}

/** `status NAME --rib NODE`: the node's BGP table(s) as its daemons print them, and its kernel routes. */
async function ribCommand(name: string | undefined, node: string): Promise<void> {
  if (!name) throw new UsageError('--rib needs a lab name: halab status NAME --rib NODE');
  const state = readState(name);
  if (!state) throw new UsageError(`no lab named '${name}' is up`);
  const n = state.nodes.find((x) => x.name === node);
  if (!n) throw new UsageError(`lab ${name} has no node '${node}'; nodes: ${state.nodes.map((x) => x.name).join(', ')}`);
  for (const s of n.services) {
    const rib = serviceKinds.get(s.kind)?.rib;
    if (rib) console.log(`${node} ${s.kind} RIB:\n${await rib(n, s)}\n`);
  }
  const routes = await run(inNetns(n.ns, ['ip', 'route', 'show']));
  const routes6 = await run(inNetns(n.ns, ['ip', '-6', 'route', 'show']));
  console.log(`${node} kernel routes:\n${routes.stdout.trimEnd()}${routes6.stdout.trim() ? `\n${routes6.stdout.trimEnd()}` : ''}`);
}
