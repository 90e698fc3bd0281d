import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { checkEnvironment } from '../../runtime/netns/requirements.js';
import { LAB_ENV } from '../../runtime/netns/proc.js';
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
  const ovs = `${n.dir}/ovs`;
  // Tagged with the lab, so that `down` also stops what a user started here and left running.
  const env = { ...process.env, [LAB_ENV]: name, ...(existsSync(ovs) ? { OVS_RUNDIR: ovs, OVS_DBDIR: ovs, OVS_LOGDIR: ovs } : {}) };
  // vtysh finds a node's FRR daemons only through their socket dir.
  const frr = `${n.dir}/frr`;
  const argv = cmd[0] === 'vtysh' && existsSync(frr) && !cmd.includes('--vty_socket') ? ['vtysh', '--vty_socket', frr, ...cmd.slice(1)] : cmd;
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', n.ns, ...argv], { stdio: 'inherit', env });
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}
