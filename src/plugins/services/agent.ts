/**
 * Services run by one of halab's own agents (src/agents/*): where the agent keeps its files, and
 * the action that starts it (its dir, its JSON config, the process under a pidfile, killed on undo).
 */
import { agentArgv } from '../../agents/run.js';
import type { LabNode } from '../../model/lab.js';
import type { Action, Step } from '../../model/plan.js';
import type { ServiceSpec } from '../../model/topology.js';
import { pidfileAlive, readJsonFile } from '../../runtime/netns/proc.js';

export interface AgentFiles {
  dir: string;
  config: string;
  state: string;
  log: string;
  pid: string;
}

/** NODE_DIR/NAME/{config.json, state.json, PROGRAM.log, PROGRAM.pid}. */
export function agentFiles(node: { dir: string }, name: string, program = name): AgentFiles {
  const dir = `${node.dir}/${name}`;
  return { dir, config: `${dir}/config.json`, state: `${dir}/state.json`, log: `${dir}/${program}.log`, pid: `${dir}/${program}.pid` };
}

export const readAgentState = <T>(f: AgentFiles): T | null => readJsonFile<T>(f.state);
export const agentRunning = (f: AgentFiles): boolean => pidfileAlive(f.pid);

export function agentAction(o: {
  id: string;
  node: LabNode;
  spec: ServiceSpec;
  what: string;
  /** The agent's name under src/agents. */
  program: string;
  files: AgentFiles;
  /** Written to files.config and passed as --config; null: no config file, `args` instead. */
  config: unknown;
  args?: string[];
  env?: Record<string, string>;
  /** Files the agent needs besides its config, written first. */
  extraFiles?: { path: string; content: string }[];
}): Action {
  const f = o.files;
  const writes: Step[] = [
    ...(o.extraFiles ?? []).map((x): Step => ({ t: 'write', path: x.path, content: x.content })),
    ...(o.config === null ? [] : [{ t: 'write', path: f.config, content: JSON.stringify(o.config, null, 2) + '\n' } as Step]),
  ];
  return {
    id: o.id,
    phase: 'services',
    node: o.node.name,
    what: o.what,
    path: o.spec.path,
    do: [
      { t: 'mkdir', path: f.dir },
      ...writes,
      { t: 'spawn', ns: o.node.ns, argv: agentArgv(o.program, o.args ?? ['--config', f.config]), log: f.log, pidfile: f.pid, ...(o.env ? { env: o.env } : {}) },
    ],
    undo: [{ t: 'kill', pidfile: f.pid }],
  };
}
