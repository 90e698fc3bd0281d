/**
 * The cgroup v1 freezer, for node-halt and node-freeze: every process of a node is frozen in
 * /sys/fs/cgroup/freezer/halab/<lab>/<node>. A frozen process cannot even die, so teardown thaws
 * a lab's cgroups before killing anything, and removes them at the end.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { EnvError } from '../../errors.js';
import { listProcesses, netnsInode, sleep } from './proc.js';

const FREEZER = '/sys/fs/cgroup/freezer';
export const FREEZER_ROOT = `${FREEZER}/halab`;

const dirOf = (lab: string, node?: string) => `${FREEZER_ROOT}/${lab}${node ? `/${node}` : ''}`;

async function setState(dir: string, want: 'FROZEN' | 'THAWED'): Promise<void> {
  writeFileSync(`${dir}/freezer.state`, want);
  // FREEZING is transitional: wait until every task has stopped.
  for (let i = 0; i < 200 && readFileSync(`${dir}/freezer.state`, 'utf8').trim() !== want; i++) await sleep(5);
}

/** Freeze every process in the node's namespace; returns how many. */
export async function freezeNode(lab: string, node: string, ns: string): Promise<number> {
  if (!existsSync(FREEZER)) throw new EnvError('freezing a node needs the cgroup v1 freezer, which is not mounted here', 'mount -t cgroup -o freezer freezer /sys/fs/cgroup/freezer');
  const dir = dirOf(lab, node);
  mkdirSync(dir, { recursive: true });
  const ino = netnsInode(ns);
  const pids = listProcesses().filter((p) => p.netIno === ino && p.pid !== process.pid).map((p) => p.pid);
  for (const pid of pids) {
    try {
      writeFileSync(`${dir}/cgroup.procs`, String(pid));
    } catch {
      // it ended meanwhile
    }
  }
  await setState(dir, 'FROZEN');
  return pids.length;
}

export async function thawNode(lab: string, node: string): Promise<boolean> {
  const dir = dirOf(lab, node);
  if (!existsSync(dir)) return false;
  await setState(dir, 'THAWED');
  return true;
}

/** Thaw every frozen node of a lab (all labs without `lab`), so its processes can be killed. */
export async function thawAll(lab?: string): Promise<void> {
  for (const l of lab ? [lab] : listDirs(FREEZER_ROOT)) for (const n of listDirs(dirOf(l))) await thawNode(l, n);
}

/** Remove a lab's (every lab's) freezer cgroups; their processes must be gone. */
export function removeCgroups(lab?: string): void {
  for (const l of lab ? [lab] : listDirs(FREEZER_ROOT)) {
    for (const n of listDirs(dirOf(l))) {
      try {
        rmdirSync(dirOf(l, n));
      } catch {
        // still has tasks: left for clean
      }
    }
    try {
      rmdirSync(dirOf(l));
    } catch {
      // not empty or gone
    }
  }
  try {
    rmdirSync(FREEZER_ROOT); // only succeeds once no lab has cgroups left
  } catch {
    // other labs' cgroups, or none at all
  }
}

/** `<lab>/<node>` of each halab freezer cgroup, for the leak census. */
export function listCgroups(): string[] {
  return listDirs(FREEZER_ROOT).flatMap((l) => [l, ...listDirs(dirOf(l)).map((n) => `${l}/${n}`)]);
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}
