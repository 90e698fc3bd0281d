/**
 * The delay the GoBGP FIB agent adds: a prefix is announced and withdrawn N times from an FRR
 * peer; for each change, the agent's own delay (best path seen -> kernel route changed, from its
 * `fib` events) and the whole path (vtysh on the peer -> route in GoBGP's kernel, polled).
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { readEvents, monotonicMs } from '../src/runtime/events.js';
import { loadLab } from '../src/pipeline/load.js';
import { applyPlan } from '../src/runtime/netns/apply.js';
import { teardown } from '../src/runtime/netns/teardown.js';

const topo = fileURLToPath(new URL('../test/fixtures/valid/gobgp-frr.yaml', import.meta.url));

export interface FibResult {
  changes: number;
  agentMs: Stats;
  endToEndMs: Stats;
}
export interface Stats {
  min: number;
  median: number;
  p95: number;
  max: number;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { min: s[0]!, median: q(0.5), p95: q(0.95), max: s[s.length - 1]! };
}

export async function benchFib(changes: number): Promise<FibResult> {
  const { lab, plan } = loadLab(topo, 'bench-fib');
  const state = await applyPlan(lab, plan, { topologyFile: topo });
  const events = `${lab.stateDir}/events.jsonl`;
  const vtysh = (cmd: string) =>
    execa('ip', ['netns', 'exec', lab.node('f2').ns, 'vtysh', '--vty_socket', `${lab.node('f2').dir}/frr`, '-c', 'configure terminal', '-c', 'router bgp 65002', '-c', cmd]);
  const inKernel = async () => (await execa('ip', ['netns', 'exec', lab.node('g1').ns, 'ip', 'route', 'show', '10.9.0.0/24'])).stdout.trim() !== '';
  const agent: number[] = [];
  const e2e: number[] = [];
  try {
    for (let i = 0; i < changes; i++) {
      const announce = i % 2 === 0;
      const t0 = monotonicMs();
      await vtysh(`${announce ? '' : 'no '}network 10.9.0.0/24`);
      while ((await inKernel()) !== announce && monotonicMs() - t0 < 10_000) await new Promise((r) => setTimeout(r, 2));
      e2e.push(monotonicMs() - t0);
      await new Promise((r) => setTimeout(r, 300));
    }
    for (const e of readEvents(events)) {
      const m = /^10\.9\.0\.0\/24 .*\(\+([\d.]+) ms\)$/.exec(e.detail);
      if (e.node === 'g1' && e.kind === 'fib' && m) agent.push(Number(m[1]));
    }
  } finally {
    await teardown(state);
  }
  return { changes, agentMs: stats(agent), endToEndMs: stats(e2e) };
}
