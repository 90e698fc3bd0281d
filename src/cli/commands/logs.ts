import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { serviceKinds } from '../../plugins/services/index.js';
import { readState } from '../../runtime/netns/state.js';

/** The last lines of each log of a node's services (or of one service). */
export function logsCommand(name: string, node: string, service: string | undefined, opts: { lines?: string }): void {
  const state = readState(name);
  if (!state) throw new UsageError(`no lab named '${name}' is up (see 'halab status')`);
  const n = state.nodes.find((x) => x.name === node);
  if (!n) throw new UsageError(`lab ${name} has no node '${node}'; nodes: ${state.nodes.map((x) => x.name).join(', ')}`);
  const services = n.services.filter((s) => !service || s.kind === service);
  if (!services.length)
    throw new UsageError(service ? `node ${node} runs no service '${service}'; it runs: ${n.services.map((s) => s.kind).join(', ') || 'none'}` : `node ${node} runs no services`);
  const lines = Number(opts.lines ?? 50);
  for (const s of services) {
    for (const f of serviceKinds.get(s.kind)!.logs(n, s)) {
      console.log(`==> ${f} <==`);
      try {
        console.log(readFileSync(f, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'));
      } catch {
        console.log('(no log yet)');
      }
    }
  }
}
