import { InputError, type Diagnostic } from '../../errors.js';
import { expand } from '../../pipeline/expand.js';
import { loadTopology } from '../../pipeline/validate.js';

/** Validate every file; report all errors of all files, then exit 2 if any. */
export function validateCommand(files: string[]): void {
  const all: Diagnostic[] = [];
  for (const f of files) {
    try {
      const v = loadTopology(f);
      expand(v);
      console.log(`${f}: valid (${v.topology.nodes.length} nodes, ${v.topology.links.length} links)`);
    } catch (e) {
      if (e instanceof InputError) all.push(...e.diagnostics);
      else throw e;
    }
  }
  if (all.length) throw new InputError(all);
}
