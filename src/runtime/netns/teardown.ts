/** `down` and rollback (undo what a state file says was started) and `clean` (crash recovery). */
import { rmSync } from 'node:fs';
import type { Step } from '../../model/plan.js';
import { labDir, stateRoot } from '../../pipeline/expand.js';
import { NS_PREFIX } from '../../util/names.js';
import { runSteps, type StepFailure } from './executor.js';
import { removeCgroups, thawAll } from './freezer.js';
import { killInNamespaces, listNetns } from './proc.js';
import type { LabState } from './state.js';

/** Namespace removal goes last, after every other undo, and is batched for all nodes at once. */
const ORDER: Record<string, number> = { 'kill-ns': 1, 'netns-del': 2 };

export function undoSteps(state: Pick<LabState, 'actions' | 'started'>): Step[] {
  const started = new Set(state.started);
  const steps = state.actions
    .filter((a) => started.has(a.id))
    .reverse()
    .flatMap((a) => a.undo);
  return steps.map((s, i) => ({ s, i })).sort((x, y) => (ORDER[x.s.t] ?? 0) - (ORDER[y.s.t] ?? 0) || x.i - y.i).map((x) => x.s);
}

export async function teardown(state: LabState): Promise<StepFailure[]> {
  // A frozen process cannot die: thaw halted or frozen nodes first.
  await thawAll(state.lab);
  const failures = await runSteps(undoSteps(state), { tolerant: true });
  // Whatever a crash left out of the state file: any namespace of this lab, any process in it.
  const prefix = `${NS_PREFIX}${state.lab}.`;
  const left = listNetns().filter((n) => n.startsWith(prefix));
  await killInNamespaces(left, (p) => p.lab === state.lab);
  if (left.length) failures.push(...(await runSteps(left.map((ns) => ({ t: 'netns-del', ns })), { tolerant: true })));
  removeCgroups(state.lab);
  rmSync(labDir(state.lab), { recursive: true, force: true });
  return failures;
}

/** Remove every halab resource on the machine: namespaces, their processes, daemons, state. */
export async function cleanAll(): Promise<{ namespaces: string[]; processes: number[] }> {
  const root = stateRoot();
  const namespaces = listNetns().filter((n) => n.startsWith(NS_PREFIX));
  await thawAll();
  const processes = await killInNamespaces(namespaces, (p) => p.lab !== null || p.cmdline.includes(`${root}/`));
  await runSteps(
    namespaces.map((ns) => ({ t: 'netns-del', ns })),
    { tolerant: true },
  );
  removeCgroups();
  rmSync(root, { recursive: true, force: true });
  return { namespaces, processes };
}
