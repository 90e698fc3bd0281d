import { NS_PREFIX } from '../../util/names.js';
import { checkEnvironment } from '../../runtime/netns/requirements.js';
import { listNetns } from '../../runtime/netns/proc.js';
import { readState, type LabState } from '../../runtime/netns/state.js';
import { cleanAll, teardown } from '../../runtime/netns/teardown.js';
import { checkLabName } from '../../pipeline/expand.js';
import { clabDown, readClabState } from '../../runtime/containerlab/driver.js';

export async function downCommand(name: string): Promise<void> {
  checkLabName(name);
  const clab = readClabState(name);
  if (clab) {
    for (const f of await clabDown(clab)) console.error(`halab: warning: ${f}`);
    console.log(`lab ${name} is down`);
    return;
  }
  checkEnvironment(null);
  let state = readState(name);
  if (!state) {
    const left = listNetns().filter((n) => n.startsWith(`${NS_PREFIX}${name}.`));
    if (!left.length) {
      console.error(`halab: no lab named '${name}' is up (nothing to do)`);
      return;
    }
    // No state file (a crash before it was written): remove what carries the lab's prefix.
    state = { lab: name, actions: [], started: [], nodes: [] } as unknown as LabState;
  }
  const failures = await teardown(state);
  for (const f of failures) console.error(`halab: warning: ${f.command}: ${f.stderr.trim()}`);
  console.log(`lab ${name} is down`);
}

export async function cleanCommand(): Promise<void> {
  checkEnvironment(null);
  const { namespaces, processes } = await cleanAll();
  console.log(`removed ${namespaces.length} namespace(s) and ${processes.length} process(es) of halab`);
}
