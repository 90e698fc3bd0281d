/** Running programs (argv arrays only, never a shell) and finding processes by namespace. */
import { readdirSync, readlinkSync, readFileSync, statSync } from 'node:fs';
import { execa } from 'execa';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(argv: readonly string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  const r = await execa(file!, args, {
    reject: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    ...(opts.env ? { env: opts.env } : {}),
    stripFinalNewline: false,
  });
  const code = typeof r.exitCode === 'number' ? r.exitCode : 1;
  const stderr = String(r.stderr ?? '') + (r.failed && r.exitCode === undefined ? String(r.message) : '');
  return { code, stdout: String(r.stdout ?? ''), stderr };
}

/** argv run inside a network namespace only (cheap: no mount namespace, unlike `ip netns exec`). */
export function inNetns(ns: string, argv: readonly string[]): string[] {
  return ['nsenter', `--net=/run/netns/${ns}`, '--', ...argv];
}

/** Inode of a named network namespace, or null. */
export function netnsInode(ns: string): number | null {
  try {
    return statSync(`/run/netns/${ns}`).ino;
  } catch {
    return null;
  }
}

export function listNetns(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return [];
  }
}

export interface ProcInfo {
  pid: number;
  netIno: number | null;
  cmdline: string;
  comm: string;
  /** HALAB_LAB from the process environment: every process halab starts carries its lab's name. */
  lab: string | null;
}

/** Environment variable that tags processes with their lab (for down, clean and the census). */
export const LAB_ENV = 'HALAB_LAB';

export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    try {
      const link = readlinkSync(`/proc/${pid}/ns/net`);
      const m = /\[(\d+)\]/.exec(link);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      const tag = new RegExp(`(?:^|\0)${LAB_ENV}=([^\0]*)`).exec(env);
      out.push({ pid, netIno: m ? Number(m[1]) : null, cmdline, comm, lab: tag ? tag[1]! : null });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** SIGKILL every process inside these namespaces, then wait (briefly) until they are gone. */
export async function killInNamespaces(namespaces: readonly string[], extra: (p: ProcInfo) => boolean = () => false): Promise<number[]> {
  const inodes = new Set(namespaces.map(netnsInode).filter((i): i is number => i !== null));
  const victims = listProcesses().filter((p) => p.pid !== process.pid && ((p.netIno !== null && inodes.has(p.netIno)) || extra(p)));
  for (const p of victims) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitGone(victims.map((p) => p.pid), 2000);
  return victims.map((p) => p.pid);
}

export async function waitGone(pids: readonly number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  let alive = pids;
  while (alive.length && Date.now() < deadline) {
    alive = alive.filter(isAlive);
    if (alive.length) await sleep(10);
  }
  return alive.length === 0;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie is dead for our purposes.
    return !/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whether the process whose pid a pidfile holds is running (false for no file, a bad pid, a zombie). */
export function pidfileAlive(pidfile: string): boolean {
  try {
    const pid = Number(readFileSync(pidfile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 && isAlive(pid);
  } catch {
    return false;
  }
}

/** A JSON file an agent writes (its state), or null when it is missing or half-written. */
export function readJsonFile<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
