/**
 * Benchmarks (not tests): `npm run bench -- build --hosts N [--json] [--no-mininet]`.
 * Builds and tears down an N-host star with halab and, in the same run, with Mininet 2.3.0
 * (LinuxBridge switch, no controller), and prints both times. Needs root and `./setup --bench`.
 */
import { execa } from 'execa';
import { Command } from 'commander';
import { performance } from 'node:perf_hooks';
import { expand } from '../src/pipeline/expand.js';
import { plan } from '../src/pipeline/plan.js';
import { validateText } from '../src/pipeline/validate.js';
import { applyPlan } from '../src/runtime/netns/apply.js';
import { checkEnvironment, findProgram } from '../src/runtime/netns/requirements.js';
import { teardown } from '../src/runtime/netns/teardown.js';
import { namespaceName } from '../src/util/names.js';
import { benchFib } from './fib.js';
import { waitIdle } from './idle.js';
import { hostAddress, starTopology } from './star.js';

interface BuildResult {
  hosts: number;
  trials: number;
  machine: { cores: number; kernel: string };
  halab: { pureMs: number; buildMs: number; teardownMs: number; totalMs: number; kernelSettleMs: number; reachable: boolean };
  mininet?: { buildMs: number; stopMs: number; totalMs: number; reachable: boolean } | { error: string };
  ratio?: number;
}

async function benchHalab(hosts: number): Promise<BuildResult['halab']> {
  await waitIdle();
  const t0 = performance.now();
  const lab = expand(validateText(starTopology('bench-star', hosts), `star-${hosts}.yaml`));
  const p = plan(lab);
  const t1 = performance.now();
  const state = await applyPlan(lab, p, { topologyFile: `star-${hosts}.yaml` });
  const t2 = performance.now();
  const ping = await execa('ip', ['netns', 'exec', namespaceName('bench-star', 'h1'), 'ping', '-c', '1', '-W', '2', hostAddress(hosts)], { reject: false });
  const t3 = performance.now();
  await teardown(state);
  const t4 = performance.now();
  const kernelSettleMs = await waitIdle();
  return { pureMs: t1 - t0, buildMs: t2 - t0, teardownMs: t4 - t3, totalMs: t2 - t0 + (t4 - t3), kernelSettleMs, reachable: ping.exitCode === 0 };
}

async function benchMininet(hosts: number): Promise<NonNullable<BuildResult['mininet']>> {
  if (!findProgram('mn')) return { error: 'mininet is not installed: run ./setup --bench' };
  await waitIdle();
  const r = await execa('/usr/bin/python3', [new URL('./mininet-star.py', import.meta.url).pathname, String(hosts)], { reject: false, timeout: 900_000 });
  await execa('mn', ['-c'], { reject: false });
  if (r.exitCode !== 0) return { error: String(r.stderr).slice(-500) };
  const j = JSON.parse(String(r.stdout).trim().split('\n').pop()!) as { buildS: number; stopS: number; reachable: boolean };
  return { buildMs: j.buildS * 1000, stopMs: j.stopS * 1000, totalMs: (j.buildS + j.stopS) * 1000, reachable: j.reachable };
}

/** The run whose total is the median (runs with an error sort last). */
function median<T extends { totalMs: number } | { error: string }>(runs: T[]): T {
  const total = (r: T) => ('totalMs' in r ? r.totalMs : Infinity);
  return [...runs].sort((a, b) => total(a) - total(b))[Math.floor((runs.length - 1) / 2)]!;
}

const round = <T>(o: T): T => JSON.parse(JSON.stringify(o, (_k, v) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v)));

const program = new Command('bench');
program
  .command('build')
  .requiredOption('--hosts <n>', 'number of hosts in the star', (v) => Number(v))
  .option('--json', 'print one JSON object')
  .option('--no-mininet', 'skip the Mininet comparison')
  .option('--trials <n>', 'repeat and report the run with the median total', (v) => Number(v), 1)
  .action(async (opts: { hosts: number; json?: boolean; mininet: boolean; trials: number }) => {
    checkEnvironment(null);
    const { stdout: kernel } = await execa('uname', ['-r']);
    const { availableParallelism } = await import('node:os');
    const halabRuns: BuildResult['halab'][] = [];
    const mininetRuns: NonNullable<BuildResult['mininet']>[] = [];
    for (let i = 0; i < opts.trials; i++) {
      halabRuns.push(await benchHalab(opts.hosts));
      if (opts.mininet) mininetRuns.push(await benchMininet(opts.hosts));
    }
    const result: BuildResult = { hosts: opts.hosts, trials: opts.trials, machine: { cores: availableParallelism(), kernel }, halab: median(halabRuns) };
    if (opts.mininet) {
      result.mininet = median(mininetRuns);
      if ('totalMs' in result.mininet) result.ratio = result.halab.totalMs / result.mininet.totalMs;
    }
    const out = round(result);
    if (result.ratio !== undefined) out.ratio = Math.round(result.ratio * 1000) / 1000;
    if (opts.json) console.log(JSON.stringify(out));
    else console.log(JSON.stringify(out, null, 2));
  });
program
  .command('fib')
  .option('--changes <n>', 'announce/withdraw changes to measure', (v) => Number(v), 40)
  .option('--json', 'print one JSON object')
  .description('delay the GoBGP FIB agent adds between a best-path change and the kernel route')
  .action(async (opts: { changes: number; json?: boolean }) => {
    checkEnvironment(null);
    await waitIdle();
    const r = round(await benchFib(opts.changes));
    console.log(opts.json ? JSON.stringify(r) : JSON.stringify(r, null, 2));
  });

await program.parseAsync(process.argv);
