/**
 * The containerlab runtime: `up` renders the lab into its state dir, runs the host commands,
 * `containerlab deploy` and the VLAN tags; `down` destroys and removes the bridges; `status` is
 * `containerlab inspect`; `exec` and faults are `docker exec` / `docker pause` on the node's
 * container. Programs are found on PATH and run as argv arrays (execa), never through a shell.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ApplyError, EnvError, UsageError } from '../../errors.js';
import type { Lab } from '../../model/lab.js';
import { labDir } from '../../pipeline/expand.js';
import { closest, kernelName } from '../../util/names.js';
import { shellJoin } from '../../util/shell.js';
import { run } from '../netns/proc.js';
import { findProgram } from '../netns/requirements.js';
import { claimLabDir } from '../netns/state.js';
import { hostFiles, writeRender } from './output.js';
import { renderContainerlab } from './render.js';
import type { HostCommands, RenderResult } from './types.js';

export const INSTALL_HINT =
  'install Docker (apt-get install -y docker.io) and containerlab (bash -c "$(curl -sL https://get.containerlab.dev)", or the .deb from https://github.com/srl-labs/containerlab/releases); see docs/containerlab.md';

export interface ClabState {
  runtime: 'containerlab';
  lab: string;
  topologyFile: string;
  clabFile: string;
  host: string | null;
  createdAt: string;
  /** Nodes that have a container (bridge-only nodes have none). */
  containers: string[];
  commands: HostCommands;
}

const stateFile = (lab: string) => `${labDir(lab)}/containerlab.json`;

export function readClabState(lab: string): ClabState | null {
  try {
    return JSON.parse(readFileSync(stateFile(lab), 'utf8')) as ClabState;
  } catch {
    return null;
  }
}

/** Exit 3 naming what to install when a program is missing. */
export function requirePrograms(programs: readonly string[]): void {
  const missing = programs.filter((p) => !findProgram(p));
  if (missing.length) throw new EnvError(`the containerlab runtime needs ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not installed`, INSTALL_HINT);
}

/** The container of NODE (containerlab's default prefix `clab-LAB-`). */
export const containerName = (lab: string, node: string) => `clab-${lab}-${node}`;

async function must(argv: string[]): Promise<void> {
  const r = await run(argv);
  if (r.code !== 0) throw new ApplyError(shellJoin(argv), r.stderr || r.stdout, false);
}

export interface ClabUpOptions {
  topologyFile: string;
  images?: Record<string, string>;
  /** Which of the topology's hosts this machine is (multi-host topologies). */
  host?: string;
  log?: (line: string) => void;
  /** Called with the render's warnings before anything runs. */
  warn?: (warnings: RenderResult['warnings']) => void;
}

export async function clabUp(lab: Lab, opts: ClabUpOptions): Promise<{ render: RenderResult; state: ClabState }> {
  const log = opts.log ?? (() => undefined);
  const r = renderContainerlab(lab, { images: opts.images ?? {}, filesDir: `${lab.name}.files` });
  opts.warn?.(r.warnings);
  const names = r.hosts.map((h) => h.host);
  let i = 0;
  if (names.length > 1 || opts.host !== undefined) {
    if (opts.host === undefined) throw new UsageError(`lab ${lab.name} spans hosts ${names.join(', ')}: run 'halab up FILE --runtime containerlab --host HOST' on each`);
    i = names.indexOf(opts.host);
    if (i < 0) throw new UsageError(`--host '${opts.host}' is not one of the topology's hosts${names[0] ? ` (${names.join(', ')})` : ' (it has no hosts:)'}`);
  }
  const h = r.hosts[i]!;
  requirePrograms(['containerlab', 'docker', ...h.needs]);
  if (!claimLabDir(lab.name)) throw new UsageError(`a lab named '${lab.name}' is already up (halab down ${lab.name}, or up --name OTHER)`);
  const dir = labDir(lab.name);
  const clabFile = hostFiles(r, `${dir}/${lab.name}.clab.yml`)[i]!;
  writeRender(r, `${dir}/${lab.name}.clab.yml`);
  const state: ClabState = {
    runtime: 'containerlab',
    lab: lab.name,
    topologyFile: opts.topologyFile,
    clabFile,
    host: h.host,
    createdAt: new Date().toISOString(),
    containers: Object.entries(h.doc.topology.nodes).filter(([, n]) => n.kind === 'linux').map(([name]) => name),
    commands: h.commands,
  };
  writeFileSync(stateFile(lab.name), JSON.stringify(state, null, 1));
  try {
    for (const c of h.commands.create) await must(c);
    log(`containerlab deploy -t ${clabFile}`);
    await must(['containerlab', 'deploy', '-t', clabFile, '--reconfigure']);
    for (const c of h.commands.ports) await must(c);
  } catch (e) {
    await clabTeardown(state);
    rmSync(dir, { recursive: true, force: true });
    if (e instanceof ApplyError) throw new ApplyError(e.command, e.stderr, true);
    throw e;
  }
  return { render: r, state };
}

/** destroy, then the host commands' removals; what fails is returned, the rest still runs. */
async function clabTeardown(s: ClabState): Promise<string[]> {
  const failures: string[] = [];
  const r = await run(['containerlab', 'destroy', '-t', s.clabFile, '--cleanup']);
  if (r.code !== 0) failures.push(`containerlab destroy: ${(r.stderr || r.stdout).trim()}`);
  for (const c of s.commands.remove) {
    const x = await run(c);
    if (x.code !== 0 && !/Cannot find device|does not exist/i.test(x.stderr)) failures.push(`${shellJoin(c)}: ${x.stderr.trim()}`);
  }
  return failures;
}

export async function clabDown(s: ClabState): Promise<string[]> {
  requirePrograms(['containerlab']);
  const failures = await clabTeardown(s);
  rmSync(labDir(s.lab), { recursive: true, force: true });
  return failures;
}

export async function clabStatus(s: ClabState, json: boolean): Promise<string> {
  requirePrograms(['containerlab']);
  const r = await run(['containerlab', 'inspect', '-t', s.clabFile, ...(json ? ['--format', 'json'] : [])]);
  if (r.code !== 0) throw new ApplyError(`containerlab inspect -t ${s.clabFile}`, r.stderr || r.stdout, false);
  return json ? r.stdout : `lab ${s.lab} (containerlab${s.host ? `, host ${s.host}` : ''}) from ${s.topologyFile}, since ${s.createdAt}\n${r.stdout.trimEnd()}`;
}

function containerOf(s: ClabState, node: string): string {
  if (!s.containers.includes(node)) {
    const hint = closest(node, s.containers);
    throw new UsageError(`lab ${s.lab} has no container for '${node}'${hint ? ` (did you mean '${hint}'?)` : ''}; containers: ${s.containers.join(', ')}`);
  }
  return containerName(s.lab, node);
}

/** `docker exec` in the node's container, with the terminal when there is one. */
export async function clabExec(s: ClabState, node: string, cmd: string[]): Promise<number> {
  requirePrograms(['docker']);
  const name = containerOf(s, node);
  const tty = process.stdin.isTTY && process.stdout.isTTY ? ['-it'] : ['-i'];
  return new Promise((resolve) => {
    const child = spawn('docker', ['exec', ...tty, name, ...cmd], { stdio: 'inherit' });
    child.on('error', () => resolve(127));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}

/** Faults that map onto a container: pause/unpause, interface down/up, process kill. */
export async function clabFault(s: ClabState, kind: string, target: string, signal = 'KILL'): Promise<{ kind: string; target: string; detail: string }> {
  requirePrograms(['docker']);
  const [node, what] = target.split(':') as [string, string | undefined];
  const name = containerOf(s, node);
  const argv: Record<string, () => string[]> = {
    'node-freeze': () => ['docker', 'pause', name],
    'node-resume': () => ['docker', 'unpause', name],
    'nic-down': () => ['docker', 'exec', name, 'ip', 'link', 'set', 'dev', kernelName(need(what, kind)), 'down'],
    'nic-up': () => ['docker', 'exec', name, 'ip', 'link', 'set', 'dev', kernelName(need(what, kind)), 'up'],
    'process-kill': () => ['docker', 'exec', name, 'pkill', `-${signal}`, '-x', need(what, kind)],
  };
  const make = argv[kind];
  if (!make) throw new UsageError(`fault '${kind}' is not available on the containerlab runtime (it has: ${Object.keys(argv).join(', ')})`);
  const a = make();
  await must(a);
  return { kind, target, detail: shellJoin(a) };
}

function need(what: string | undefined, kind: string): string {
  if (!what) throw new UsageError(`${kind} needs NODE:${kind === 'process-kill' ? 'PROGRAM' : 'INTERFACE'}`);
  return what;
}
