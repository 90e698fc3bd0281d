/**
 * Gratuitous ARP with nothing but iproute2 and sysctl (Debian has no arping by default): with
 * net.ipv4.conf.IF.arp_notify=1, setting an interface's MAC address (to the one it has) makes
 * Linux announce every IPv4 address on it. `ns` null: the caller's own namespace.
 */
import { execFile } from 'node:child_process';

export function runArgv(argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(argv[0]!, argv.slice(1), { timeout: 5000 }, (e, stdout, stderr) => (e ? reject(new Error(`${argv.join(' ')}: ${String(stderr).trim() || e.message}`)) : resolve(String(stdout)))),
  );
}

/** Announce the addresses of `kname`; returns its MAC address. */
export async function announce(kname: string, ns: string | null): Promise<string> {
  const ip = ns ? ['ip', '-n', ns] : ['ip'];
  await runArgv([...(ns ? ['ip', 'netns', 'exec', ns] : []), 'sysctl', '-q', '-w', `net/ipv4/conf/${kname}/arp_notify=1`]);
  const link = JSON.parse(await runArgv([...ip, '-j', 'link', 'show', 'dev', kname])) as { address?: string }[];
  const mac = link[0]?.address;
  if (!mac) throw new Error(`${kname} has no MAC address`);
  await runArgv([...ip, 'link', 'set', 'dev', kname, 'address', mac]);
  return mac;
}
