/** Injects one fault into a running lab and records it as an event on the monotonic clock. */
import { ApplyError, UsageError } from '../../errors.js';
import { labDir } from '../../pipeline/expand.js';
import { faultKinds } from '../../plugins/faults/index.js';
import type { FaultOptions, FaultResult } from '../../plugins/faults/types.js';
import { appendEvent, eventsFile, monotonicMs } from '../events.js';
import { shellJoin } from '../../util/shell.js';
import { closest } from '../../util/names.js';
import { inNetns, run } from './proc.js';
import { ipSession, type Session } from './session.js';
import { readState } from './state.js';

export interface InjectedFault extends FaultResult {
  kind: string;
  target: string;
}

export async function injectFault(lab: string, kind: string, target: string, opts: FaultOptions = {}): Promise<InjectedFault> {
  const state = readState(lab);
  if (!state) throw new UsageError(`no lab named '${lab}' is up (see 'halab status')`);
  const fk = faultKinds.get(kind);
  if (!fk) {
    const hint = closest(kind, [...faultKinds.keys()]);
    throw new UsageError(`unknown fault '${kind}'${hint ? ` (did you mean '${hint}'?)` : ''}; faults: ${[...faultKinds.keys()].join(', ')}`);
  }
  const [nodeName, part] = fk.target === 'node' ? [target, undefined] : splitTarget(target, fk.target);
  const node = state.nodes.find((n) => n.name === nodeName);
  if (!node) {
    const hint = closest(nodeName, state.nodes.map((n) => n.name));
    throw new UsageError(`lab ${lab} has no node '${nodeName}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
  }
  if ((fk.target === 'interface' || fk.target === 'port') && !node.ifaces.some((i) => i.name === part)) {
    throw new UsageError(`node ${nodeName} has no interface '${part}'; it has: ${node.ifaces.map((i) => i.name).join(', ')}`);
  }
  let ip: Session | undefined;
  let result: FaultResult;
  try {
    result = await fk.inject({
      state,
      node,
      ...(part !== undefined ? { part } : {}),
      opts,
      async inNode(argv, input) {
        const r = await run(inNetns(node.ns, argv), input !== undefined ? { input } : {});
        const t = monotonicMs();
        if (r.code !== 0) throw new ApplyError(`ip netns exec ${node.ns} ${shellJoin(argv)}`, r.stderr || r.stdout, false);
        return t;
      },
      async ip(lines) {
        ip ??= ipSession(node.ns);
        return ip.run(lines).catch((e: Error) => {
          throw new ApplyError(`ip -n ${node.ns} -batch: ${lines.join('; ')}`, e.message, false);
        });
      },
    });
  } finally {
    await ip?.close();
  }
  const events = eventsFile(labDir(lab));
  appendEvent(events, { tMs: result.atMs, node: node.name, kind: 'fault', detail: `${kind} ${target}: ${result.detail}` });
  if (result.endMs !== undefined) appendEvent(events, { tMs: result.endMs, node: node.name, kind: 'fault-end', detail: `${kind} ${target}` });
  return { kind, target, ...result };
}

function splitTarget(target: string, what: string): [string, string] {
  const i = target.indexOf(':');
  if (i <= 0 || i === target.length - 1) throw new UsageError(`this fault's target is NODE:${what.toUpperCase()}, not '${target}'`);
  return [target.slice(0, i), target.slice(i + 1)];
}
