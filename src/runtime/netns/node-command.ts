/**
 * A command as it runs inside a node of a running lab (`halab exec`, lab files' `exec` phases):
 * in the node's namespace, tagged with the lab (so `down` stops what it left running), with the
 * node's own OVS instance as the default for ovs-* tools and vtysh pointed at its FRR daemons.
 */
import { existsSync } from 'node:fs';
import { LAB_ENV } from './proc.js';
import type { StateNode } from './state.js';

export function nodeCommand(lab: string, n: StateNode, cmd: readonly string[]): { argv: string[]; env: NodeJS.ProcessEnv } {
  const ovs = `${n.dir}/ovs`;
  const env = { ...process.env, [LAB_ENV]: lab, ...(existsSync(ovs) ? { OVS_RUNDIR: ovs, OVS_DBDIR: ovs, OVS_LOGDIR: ovs } : {}) };
  const frr = `${n.dir}/frr`;
  const argv = cmd[0] === 'vtysh' && existsSync(frr) && !cmd.includes('--vty_socket') ? ['vtysh', '--vty_socket', frr, ...cmd.slice(1)] : [...cmd];
  // `halab` inside a node is this halab (it need not be on PATH): e.g. `halab spp send` in an exec phase.
  if (cmd[0] === 'halab' && process.argv[1]) argv.splice(0, 1, process.execPath, ...process.execArgv, process.argv[1]);
  return { argv: ['ip', 'netns', 'exec', n.ns, ...argv], env };
}
