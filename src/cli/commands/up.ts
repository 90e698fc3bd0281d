import { performance } from 'node:perf_hooks';
import { UsageError } from '../../errors.js';
import { loadLab } from '../../pipeline/load.js';
import { applyPlan } from '../../runtime/netns/apply.js';
import { checkEnvironment } from '../../runtime/netns/requirements.js';
import { numberOption } from '../options.js';
import { progressFor } from '../progress.js';

export async function upCommand(file: string, opts: { name?: string; readyTimeout?: string; runtime?: string; host?: string; image?: string[] }): Promise<void> {
  if (opts.runtime === 'containerlab') return (await import('./up-containerlab.js')).upContainerlab(file, opts);
  if (opts.runtime !== undefined && opts.runtime !== 'netns') throw new UsageError(`--runtime '${opts.runtime}': runtimes are netns and containerlab`);
  const timeout = numberOption('ready-timeout', opts.readyTimeout) ?? 60;
  if (timeout <= 0) throw new UsageError(`--ready-timeout must be a positive number of seconds, not '${opts.readyTimeout}'`);
  const { lab, plan } = loadLab(file, opts.name);
  checkEnvironment(lab);
  const t0 = performance.now();
  await applyPlan(lab, plan, { topologyFile: file, progress: progressFor(`up ${lab.name}`), readyTimeoutMs: timeout * 1000 });
  const ms = Math.round(performance.now() - t0);
  console.log(`lab ${lab.name} is up: ${lab.nodes.length} nodes, ${lab.topology.links.length} links, ${plan.actions.length} actions in ${ms} ms`);
  console.log(`  halab status ${lab.name}    halab exec ${lab.name} NODE -- CMD    halab down ${lab.name}`);
}
