/** parse -> validate -> expand -> plan, the pure front half of the pipeline, in one call. */
import type { Lab } from '../model/lab.js';
import type { Plan } from '../model/plan.js';
import { expand } from './expand.js';
import { plan } from './plan.js';
import { loadTopology } from './validate.js';

export interface Loaded {
  lab: Lab;
  plan: Plan;
}

export function loadLab(file: string, name?: string): Loaded {
  const lab = expand(loadTopology(file), name);
  return { lab, plan: plan(lab) };
}
