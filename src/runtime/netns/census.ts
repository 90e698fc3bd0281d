/**
 * Leak census: what of halab is on this machine. Tests take one before and after a lab's life
 * and require the difference to be empty: namespaces, processes (halab's daemons anywhere),
 * root-namespace links (e.g. OVS taps), state files, root firewall rules.
 */
import { readdirSync } from 'node:fs';
import { stateRoot } from '../../pipeline/expand.js';
import { NS_PREFIX } from '../../util/names.js';
import { listCgroups } from './freezer.js';
import { isAlive, listNetns, listProcesses, run, type ProcInfo } from './proc.js';

/** Daemons halab starts inside labs; any of them alive outside a lab is a leak. */
export const LAB_DAEMONS = ['ovs-vswitchd', 'ovsdb-server', 'zebra', 'bgpd', 'bfdd', 'staticd', 'watchfrr', 'gobgpd', 'keepalived', 'iperf3'];

export interface Census {
  /** The labs it was limited to (empty: all of halab). */
  scope: string[];
  namespaces: string[];
  processes: string[];
  rootLinks: string[];
  stateEntries: string[];
  rootRules: string[];
  /** The freezer cgroups of node-halt / node-freeze. */
  cgroups: string[];
}

/**
 * With `lab`, only what belongs to that lab (so labs of other test runs on the machine do not
 * count); without, everything of halab.
 */
export async function takeCensus(labs: string | string[] = []): Promise<Census> {
  const scope = ([] as string[]).concat(labs);
  const root = stateRoot();
  const mine = (p: ProcInfo) =>
    scope.length
      ? scope.some((l) => p.lab === l || p.cmdline.includes(`${root}/${l}/`))
      : p.lab !== null || LAB_DAEMONS.includes(p.comm) || p.cmdline.includes(`${root}/`);
  const processes = listProcesses()
    .filter((p) => p.pid !== process.pid && mine(p) && isAlive(p.pid))
    .map((p) => `${p.comm}(${p.pid})`);
  const links = await run(['ip', '-o', 'link', 'show']);
  const rootLinks = links.stdout
    .split('\n')
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1])
    .filter((x): x is string => !!x);
  let stateEntries: string[] = [];
  try {
    stateEntries = readdirSync(root).filter((e) => !scope.length || scope.includes(e));
  } catch {
    // no state root: nothing left
  }
  const nft = await run(['nft', 'list', 'ruleset']);
  const ipt = await run(['iptables-save']);
  const rootRules = [...nft.stdout.split('\n'), ...ipt.stdout.split('\n')].map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !/^:\S+ \S+ \[\d+:\d+\]$/.test(l));
  const prefixes = scope.length ? scope.map((l) => `${NS_PREFIX}${l}.`) : [NS_PREFIX];
  const namespaces = listNetns().filter((n) => prefixes.some((p) => n.startsWith(p)));
  const cgroups = listCgroups().filter((c) => !scope.length || scope.includes(c.split('/')[0]!));
  return { scope, namespaces, processes, rootLinks, stateEntries, rootRules, cgroups };
}

/** Everything in `now` that was not in `before`, as readable lines; empty means no leak. */
export function leaksSince(before: Census, now: Census): string[] {
  const out: string[] = [];
  for (const key of ['namespaces', 'processes', 'rootLinks', 'stateEntries', 'rootRules', 'cgroups'] as const) {
    const old = new Set(before[key]);
    for (const item of now[key]) if (!old.has(item)) out.push(`${key}: ${item}`);
  }
  return out;
}
