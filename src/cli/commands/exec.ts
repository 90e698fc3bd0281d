import { spawn } from 'node:child_process';
import { UsageError } from '../../errors.js';
import { checkEnvironment } from '../../runtime/netns/requirements.js';
import { nodeCommand } from '../../runtime/netns/node-command.js';
import { readState } from '../../runtime/netns/state.js';
import { closest } from '../../util/names.js';
import { clabExec, readClabState } from '../../runtime/containerlab/driver.js';

/** Run CMD inside NODE of lab NAME (with the node's OVS instance as default for ovs-* tools). */
export async function execCommand(name: string, node: string, cmd: string[]): Promise<number> {
  const clab = readClabState(name);
  if (clab) {
    if (!cmd.length) throw new UsageError('no command given: halab exec NAME NODE -- CMD...');
    return clabExec(clab, node, cmd);
  }
  checkEnvironment(null);
  const state = readState(name);
  if (!state) throw new UsageError(`no lab named '${name}' is up (see 'halab status')`);
  const n = state.nodes.find((x) => x.name === node);
  if (!n) {
    const hint = closest(node, state.nodes.map((x) => x.name));
    throw new UsageError(`lab ${name} has no node '${node}'${hint ? ` (did you mean '${hint}'?)` : ''}; nodes: ${state.nodes.map((x) => x.name).join(', ')}`);
  }
  if (!cmd.length) throw new UsageError('no command given: halab exec NAME NODE -- CMD...');
  const { argv, env } = nodeCommand(name, n, cmd);
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', env });
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}
