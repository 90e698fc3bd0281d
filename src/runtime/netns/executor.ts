/**
 * Executes plan steps. Consecutive compatible steps become one process: `ip -batch` per
 * namespace (entered with nsenter, which is far cheaper than `ip -n` once there are many
 * namespaces), one sysctl call, one ovs-vsctl transaction. A failure names the step as the
 * command a person would have typed, with its stderr.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Step } from '../../model/plan.js';
import { stepCommand } from '../../pipeline/plan-render.js';
import { inNetns, isAlive, killInNamespaces, run, sleep, waitGone } from './proc.js';

export interface StepFailure {
  command: string;
  stderr: string;
}

type Unit = { key: string; steps: Step[] };

function unitKey(s: Step): string | null {
  switch (s.t) {
    case 'netns-add':
    case 'netns-del':
    case 'kill-ns':
      return s.t;
    case 'ip':
      return `ip:${s.ns ?? ''}`;
    case 'sysctl':
      return `sysctl:${s.ns}`;
    case 'ovs-vsctl':
      return `ovs:${s.db}`;
    default:
      return null; // runs alone
  }
}

export function batchSteps(steps: readonly Step[]): Unit[] {
  const units: Unit[] = [];
  for (const s of steps) {
    const key = unitKey(s);
    const last = units[units.length - 1];
    if (key && last && last.key === key) last.steps.push(s);
    else units.push({ key: key ?? '', steps: [s] });
  }
  return units;
}

/** Run steps in order; stop at the first failure unless `tolerant` (teardown). */
export async function runSteps(steps: readonly Step[], opts: { tolerant?: boolean } = {}): Promise<StepFailure[]> {
  const failures: StepFailure[] = [];
  for (const u of batchSteps(steps)) {
    const f = await runUnit(u, !!opts.tolerant);
    if (f) {
      failures.push(f);
      if (!opts.tolerant) break;
    }
  }
  return failures;
}

async function runUnit(u: Unit, tolerant: boolean): Promise<StepFailure | null> {
  const first = u.steps[0]!;
  switch (first.t) {
    case 'netns-add':
    case 'netns-del': {
      const verb = first.t === 'netns-add' ? 'add' : 'del';
      const lines = u.steps.map((s) => `netns ${verb} ${(s as { ns: string }).ns}`);
      return ipBatch(u.steps, lines, ['ip', ...(tolerant ? ['-force'] : []), '-batch', '-']);
    }
    case 'kill-ns':
      await killInNamespaces(u.steps.map((s) => (s as { ns: string }).ns));
      return null;
    case 'ip': {
      const lines = u.steps.map((s) => (s as { args: string[] }).args.join(' '));
      const argv = ['ip', ...(tolerant ? ['-force'] : []), '-batch', '-'];
      return ipBatch(u.steps, lines, first.ns ? inNetns(first.ns, argv) : argv);
    }
    case 'sysctl': {
      const kv = u.steps.map((s) => `${(s as { key: string }).key}=${(s as { value: string }).value}`);
      const r = await run(inNetns(first.ns, ['sysctl', '-q', '-w', ...kv]));
      return r.code === 0 && !r.stderr.trim() ? null : { command: u.steps.map(stepCommand).join('\n'), stderr: r.stderr };
    }
    case 'ovs-vsctl': {
      const args = u.steps.flatMap((s) => ['--', ...(s as { args: string[] }).args]);
      const r = await run(['ovs-vsctl', `--db=unix:${first.db}`, '--timeout=30', ...args]);
      return r.code === 0 ? null : { command: u.steps.map(stepCommand).join('\n'), stderr: r.stderr };
    }
    case 'exec': {
      const argv = first.ns ? (first.daemon ? ['ip', 'netns', 'exec', first.ns, ...first.argv] : inNetns(first.ns, first.argv)) : first.argv;
      // retryMs: the program's peer may still be starting (a daemon's API); try until the deadline.
      const deadline = Date.now() + (first.retryMs ?? 0);
      let r = await run(argv, first.env ? { env: first.env } : {});
      while (r.code !== 0 && Date.now() < deadline) {
        await sleep(50);
        r = await run(argv, first.env ? { env: first.env } : {});
      }
      return r.code === 0 ? null : { command: stepCommand(first), stderr: r.stderr || r.stdout };
    }
    case 'mkdir':
      mkdirSync(first.path, { recursive: true });
      return null;
    case 'write':
      writeFileSync(first.path, first.content);
      return null;
    case 'spawn':
      return spawnDetached(first);
    case 'kill':
      await killPidfile(first.pidfile);
      return null;
  }
}

/** `ip -batch` reports "Command failed -:N": map N back to the step. */
async function ipBatch(steps: Step[], lines: string[], argv: string[]): Promise<StepFailure | null> {
  const r = await run(argv, { input: lines.join('\n') + '\n' });
  if (r.code === 0) return null;
  const m = /Command failed -:(\d+)/.exec(r.stderr);
  const bad = m ? steps[Number(m[1]) - 1] : undefined;
  const stderr = r.stderr.replace(/Command failed -:\d+\s*/g, '').trim();
  return { command: bad ? stepCommand(bad) : steps.map(stepCommand).join('\n'), stderr };
}

/** SIGTERM the pidfile's process, SIGKILL it after a grace period. Missing pidfile: nothing to do. */
async function killPidfile(pidfile: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidfile, 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitGone([pid], 1500)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
  await waitGone([pid], 1000);
}

/**
 * Configure many namespaces with `ip -batch FILE` each, fanned out by one `xargs -P` process
 * (node spawns children from its event loop thread, several ms each; xargs is far cheaper).
 * A failure is mapped back through ip's "Command failed FILE:LINE".
 */
export async function ipFanOut(jobs: { ns: string; steps: Step[] }[]): Promise<StepFailure | null> {
  const dir = mkdtempSync(`${tmpdir()}/halab-batch-`);
  try {
    const args: string[] = [];
    jobs.forEach((j, i) => {
      const file = `${dir}/${i}`;
      writeFileSync(file, j.steps.map((s) => (s as { args: string[] }).args.join(' ')).join('\n') + '\n');
      args.push(`--net=/run/netns/${j.ns}`, '--', 'ip', '-batch', file);
    });
    const r = await run(['xargs', '-0', '-n', '5', '-P', '2', 'nsenter'], { input: args.join('\0') + '\0' });
    if (r.code === 0) return null;
    const m = /Command failed (\S+):(\d+)/.exec(r.stderr);
    const job = m ? jobs[Number(m[1]!.slice(dir.length + 1))] : undefined;
    const bad = job?.steps[Number(m![2]) - 1];
    const stderr = r.stderr.replace(/Command failed \S+:\d+\s*/g, '').trim();
    return { command: bad ? stepCommand(bad) : 'ip -batch (several namespaces)', stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Start a foreground program detached inside a namespace (`ip netns exec` execs it in place, so
 * the pid is the program's), logging to a file; fail if it dies within its first 100 ms.
 */
async function spawnDetached(s: Extract<Step, { t: 'spawn' }>): Promise<StepFailure | null> {
  const fd = openSync(s.log, 'a');
  try {
    const child = spawn('ip', ['netns', 'exec', s.ns, ...s.argv], { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...s.env } });
    const early = await new Promise<string | null>((resolve) => {
      child.once('error', (e) => resolve(e.message));
      child.once('exit', (code, sig) => resolve(`exited at once (${sig ?? `code ${code}`})`));
      setTimeout(() => resolve(null), 100);
    });
    if (early || child.pid === undefined) {
      let log = '';
      try {
        log = readFileSync(s.log, 'utf8').trim().split('\n').slice(-5).join('\n');
      } catch {
        // no log
      }
      return { command: stepCommand(s), stderr: `${early ?? 'did not start'}${log ? `\n${log}` : ''}` };
    }
    writeFileSync(s.pidfile, `${child.pid}\n`);
    child.unref();
    return null;
  } finally {
    closeSync(fd);
  }
}
