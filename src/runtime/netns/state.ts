/**
 * The state file of a lab (`<state root>/<lab>/state.json`): every action `up` started, with its
 * undo, and the name mapping `status` shows. Written before each phase runs, so a lab whose `up`
 * was killed half-way can still be taken down by `down`, and in any case by `clean`.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Lab } from '../../model/lab.js';
import type { Action } from '../../model/plan.js';
import type { ServiceSpec } from '../../model/topology.js';
import { labDir, stateRoot } from '../../pipeline/expand.js';
import { routeArgs } from '../../pipeline/plan.js';

export interface StateNode {
  name: string;
  kind: string;
  ns: string;
  dir: string;
  ifaces: { name: string; kname: string; origin: string; addresses: string[]; up: boolean }[];
  /** `ip route add` arguments of the node's static routes (restored when a link comes back). */
  routes: string[][];
  bridges: { name: string; kind: string }[];
  services: ServiceSpec[];
}

export interface LabState {
  version: 1;
  lab: string;
  topologyFile: string;
  runtime: 'netns';
  status: 'building' | 'up' | 'failed';
  createdAt: string;
  /** Pid of the halab process that built it. */
  pid: number;
  nodes: StateNode[];
  /** Every action in plan order; `do` steps are kept for services only (node-restart starts them again). */
  actions: (Omit<Action, 'do'> & { do?: Action['do'] })[];
  /** Ids of actions that were started (maybe not finished). */
  started: string[];
}

export function stateFile(lab: string): string {
  return `${labDir(lab)}/state.json`;
}

export function newState(lab: Lab, file: string, actions: Action[]): LabState {
  return {
    version: 1,
    lab: lab.name,
    topologyFile: file,
    runtime: 'netns',
    status: 'building',
    createdAt: new Date().toISOString(),
    pid: process.pid,
    nodes: lab.nodes.map((n) => ({
      name: n.name,
      kind: n.kind,
      ns: n.ns,
      dir: n.dir,
      ifaces: [...n.ifaces.values()].map((i) => ({ name: i.name, kname: i.kname, origin: i.origin, addresses: i.config?.addresses.map((a) => a.text) ?? [], up: i.config?.up !== false })),
      routes: n.spec.routes.map((r) => routeArgs(r, n)),
      bridges: n.spec.bridges.map((b) => ({ name: b.name, kind: b.kind })),
      services: n.spec.services,
    })),
    actions: (() => {
      const ovs = new Set(lab.nodes.filter((n) => n.spec.bridges.some((b) => b.kind === 'ovs')).map((n) => n.name));
      return actions.map(({ do: steps, ...rest }) => (keepsDo(lab, ovs, rest) ? { ...rest, do: steps } : rest));
    })(),
    started: [],
  };
}

/**
 * Which actions keep their `do` steps in the state file, for node-restart to run them again: every
 * service; and for a node with OVS bridges (a restart loses its switches and their internal ports)
 * its daemons, switches, hand-offs and interfaces, and the interfaces of the ports it hands to others.
 */
function keepsDo(lab: Lab, ovsNodes: ReadonlySet<string>, a: Omit<Action, 'do'>): boolean {
  if (a.phase === 'services') return true;
  const ovs = (name: string | undefined) => !!name && ovsNodes.has(name);
  if (['daemons', 'switches', 'handoff'].includes(a.phase)) return ovs(a.node);
  if (a.phase !== 'interfaces') return false;
  if (ovs(a.node)) return true;
  if (!ovsNodes.size) return false;
  const m = /^iface:([^:]+):(.+)$/.exec(a.id);
  return !!m && lab.node(m[1]!).ifaces.get(m[2]!)?.origin === 'internal';
}

export function writeState(s: LabState): void {
  const f = stateFile(s.lab);
  writeFileSync(`${f}.tmp`, JSON.stringify(s, null, 1));
  renameSync(`${f}.tmp`, f);
}

export function readState(lab: string): LabState | null {
  try {
    return JSON.parse(readFileSync(stateFile(lab), 'utf8')) as LabState;
  } catch {
    return null;
  }
}

/** Take the lab's name: creating its state dir is the lock. False when it exists already. */
export function claimLabDir(lab: string): boolean {
  mkdirSync(stateRoot(), { recursive: true });
  try {
    mkdirSync(labDir(lab));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

export function listLabs(): string[] {
  try {
    return readdirSync(stateRoot()).filter((d) => readState(d) !== null).sort();
  } catch {
    return [];
  }
}
