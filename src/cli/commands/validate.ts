import { InputError, type Diagnostic } from '../../errors.js';
import { expand } from '../../pipeline/expand.js';
import { parseFile } from '../../pipeline/parse.js';
import { checkScenario, isLabFile } from '../../pipeline/scenario.js';
import { validateSource } from '../../pipeline/validate.js';

/** Validate every file, topology or lab file; report all errors of all files, then exit 2 if any. */
export function validateCommand(files: string[]): void {
  const all: Diagnostic[] = [];
  for (const f of files) {
    try {
      const src = parseFile(f);
      if (isLabFile(src)) {
        const { scenario: s } = checkScenario(src);
        console.log(`${f}: valid lab (${s.flows.length} flows, ${s.phases.length} phases, ${s.assertions.length} assertions, ${s.trials} trial${s.trials > 1 ? 's' : ''})`);
      } else {
        const v = validateSource(src);
        expand(v);
        console.log(`${f}: valid (${v.topology.nodes.length} nodes, ${v.topology.links.length} links)`);
      }
    } catch (e) {
      if (e instanceof InputError) all.push(...e.diagnostics);
      else throw e;
    }
  }
  if (all.length) throw new InputError(all);
}
