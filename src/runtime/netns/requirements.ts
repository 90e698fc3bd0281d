/** What the netns runtime needs from the machine; a missing piece is exit 3 with the fix named. */
import { accessSync, constants } from 'node:fs';
import { EnvError } from '../../errors.js';
import type { Lab } from '../../model/lab.js';
import { serviceKinds } from '../../plugins/services/index.js';
import { switchKinds } from '../../plugins/switches/index.js';
import type { Requirement } from '../../plugins/types.js';

const BASE: Requirement[] = [
  { program: 'ip', pkg: 'iproute2' },
  { program: 'nsenter', pkg: 'util-linux' },
  { program: 'sysctl', pkg: 'procps' },
];

export function findProgram(name: string): string | null {
  if (name.startsWith('/')) {
    try {
      accessSync(name, constants.X_OK);
      return name;
    } catch {
      return null;
    }
  }
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {
      // next
    }
  }
  return null;
}

export function requirementsOf(lab: Lab | null): Requirement[] {
  const reqs = [...BASE];
  if (!lab) return reqs;
  const kinds = new Set(lab.nodes.flatMap((n) => n.spec.bridges.map((b) => b.kind)));
  for (const k of kinds) reqs.push(...(switchKinds.get(k)?.requires ?? []));
  if (lab.nodes.some((n) => n.spec.nat.length || n.spec.filter.length)) reqs.push({ program: 'iptables', pkg: 'iptables' });
  const services = new Set(lab.nodes.flatMap((n) => n.spec.services.map((s) => s.kind)));
  for (const s of services) reqs.push(...(serviceKinds.get(s)?.requires ?? []));
  return reqs;
}

export function checkEnvironment(lab: Lab | null): void {
  if (process.getuid?.() !== 0)
    throw new EnvError('halab needs root to create network namespaces', 'run it as root (sudo ./halab ...)');
  const missing = requirementsOf(lab).filter((r) => !findProgram(r.program));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    throw new EnvError(`missing program${missing.length > 1 ? 's' : ''}: ${missing.map((m) => m.program).join(', ')}`, `apt-get install -y ${pkgs.join(' ')}  (or run ./setup)`);
  }
}
