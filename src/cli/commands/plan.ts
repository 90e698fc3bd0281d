import { loadLab } from '../../pipeline/load.js';
import { renderPlan } from '../../pipeline/plan-render.js';

export function planCommand(file: string, opts: { name?: string; json?: boolean; teardown?: boolean }): void {
  const { plan } = loadLab(file, opts.name);
  process.stdout.write(opts.json ? JSON.stringify(plan, null, 2) + '\n' : renderPlan(plan, { teardown: !!opts.teardown }));
}
