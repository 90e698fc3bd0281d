/**
 * Readiness: `up` returns when every service says it is ready (BGP sessions Established, a VRRP
 * master elected, servers listening), polling with a deadline like FRR topotests' run_and_expect
 * rather than sleeping. On timeout the error names what is not ready, why, and its log tail.
 */
import { readFileSync } from 'node:fs';
import { serviceKinds } from '../../plugins/services/index.js';
import type { Readiness } from '../../plugins/types.js';
import { sleep } from './proc.js';
import type { LabState } from './state.js';

export interface NotReady {
  node: string;
  kind: string;
  detail: string;
  logTail: string[];
}

export async function waitReady(state: LabState, timeoutMs: number, onProgress?: (ready: number, total: number) => void): Promise<NotReady[]> {
  const services = state.nodes.flatMap((n) => n.services.map((spec) => ({ node: n, spec, last: { ready: false, detail: 'not checked yet' } as Readiness })));
  if (!services.length) return [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await Promise.all(
      services.filter((s) => !s.last.ready).map(async (s) => {
        s.last = await serviceKinds.get(s.spec.kind)!.ready(s.node, s.spec).catch((e: Error) => ({ ready: false, detail: e.message }));
      }),
    );
    const ready = services.filter((s) => s.last.ready).length;
    onProgress?.(ready, services.length);
    if (ready === services.length) return [];
    if (Date.now() >= deadline) break;
    await sleep(250);
  }
  return services
    .filter((s) => !s.last.ready)
    .map((s) => ({ node: s.node.name, kind: s.spec.kind, detail: s.last.detail, logTail: tail(serviceKinds.get(s.spec.kind)!.logs(s.node, s.spec).slice(0, 1), 5) }));
}

function tail(files: string[], n: number): string[] {
  const out: string[] = [];
  for (const f of files) {
    try {
      const lines = readFileSync(f, 'utf8').trimEnd().split('\n').slice(-n);
      out.push(...lines.map((l) => `${f.split('/').pop()}: ${l}`));
    } catch {
      out.push(`${f}: (no log)`);
    }
  }
  return out;
}

export function describeNotReady(list: NotReady[], timeoutMs: number): string {
  return [
    `not ready after ${Math.round(timeoutMs / 1000)} s:`,
    ...list.flatMap((s) => [`${s.node} ${s.kind}: ${s.detail}`, ...s.logTail.map((l) => `    ${l}`)]),
  ].join('\n');
}
