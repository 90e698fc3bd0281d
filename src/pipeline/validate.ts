/** Stage 2: parse + schema + normalise + cross-reference checks. All errors at once, or a Topology. */
import { InputError, tidyDiagnostics, type Diagnostic } from '../errors.js';
import { topologySchema } from '../model/schema.js';
import type { Topology } from '../model/topology.js';
import { nodeKinds } from '../plugins/nodes/index.js';
import { schemaDiagnostics } from '../util/schema-check.js';
import { checkTopology, type Inventory } from './check.js';
import { expandClusters } from './clusters.js';
import { normalize } from './normalize.js';
import { parseFile, parseText, type SourceDoc } from './parse.js';

export interface Validated {
  topology: Topology;
  inventory: Inventory;
}

export function validateSource(src: SourceDoc): Validated {
  const diags: Diagnostic[] = schemaDiagnostics(topologySchema, src.data, src);
  const report = (d: Diagnostic) => diags.push(d);
  const topology = normalize(src, report);
  expandClusters(topology, report);
  const inventory = checkTopology(topology, report);
  if (diags.length) throw new InputError(tidyDiagnostics(diags));
  for (const n of topology.nodes) n.sysctl = { ...nodeKinds.get(n.kind)!.sysctl, ...n.sysctl };
  return { topology, inventory };
}

export function loadTopology(file: string): Validated {
  return validateSource(parseFile(file));
}

export function validateText(text: string, file = '<text>'): Validated {
  return validateSource(parseText(text, file));
}
