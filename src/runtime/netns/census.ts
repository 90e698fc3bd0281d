/**
 * Leak census: what of halab is on this machine. Tests take one before and after a lab's life
 * and require the difference to be empty: namespaces, processes (halab's daemons anywhere),
 * root-namespace links (e.g. OVS taps), state files, root firewall rules.
 */
import { readdirSync } from 'node:fs';
import { stateRoot } from '../../pipeline/expand.js';
import { NS_PREFIX } from '../../util/names.js';
import { isAlive, listNetns, listProcesses, run } from './proc.js';

/** Daemons halab starts inside labs; any of them alive outside a lab is a leak. */
export const LAB_DAEMONS = ['ovs-vswitchd', 'ovsdb-server', 'zebra', 'bgpd', 'bfdd', 'staticd', 'watchfrr', 'gobgpd', 'keepalived', 'iperf3'];

export interface Census {
  namespaces: string[];
  processes: string[];
  rootLinks: string[];
  stateEntries: string[];
  rootRules: string[];
}

export async function takeCensus(): Promise<Census> {
  const root = stateRoot();
  const processes = listProcesses()
    .filter((p) => (LAB_DAEMONS.includes(p.comm) || p.cmdline.includes(`${root}/`)) && isAlive(p.pid))
    .map((p) => `${p.comm}(${p.pid})`);
  const links = await run(['ip', '-o', 'link', 'show']);
  const rootLinks = links.stdout
    .split('\n')
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1])
    .filter((x): x is string => !!x);
  let stateEntries: string[] = [];
  try {
    stateEntries = readdirSync(root);
  } catch {
    // no state root: nothing left
  }
  const nft = await run(['nft', 'list', 'ruleset']);
  const ipt = await run(['iptables-save']);
  const rootRules = [...nft.stdout.split('\n'), ...ipt.stdout.split('\n')].map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !/^:\S+ \S+ \[\d+:\d+\]$/.test(l));
  return { namespaces: listNetns().filter((n) => n.startsWith(NS_PREFIX)), processes, rootLinks, stateEntries, rootRules };
}

/** Everything in `now` that was not in `before`, as readable lines; empty means no leak. */
export function leaksSince(before: Census, now: Census): string[] {
  const out: string[] = [];
  for (const key of Object.keys(now) as (keyof Census)[]) {
    const old = new Set(before[key]);
    for (const item of now[key]) if (!old.has(item)) out.push(`${key}: ${item}`);
  }
  return out;
}
