import { blackhole, linkCut, linkRestore } from './link-cut.js';
import { nicDown, nicUp } from './nic.js';
import { nodeFreeze, nodeHalt, nodeResume } from './node.js';
import { portDown, portUp } from './port.js';
import { processKill } from './process.js';
import { nodeRestart } from './restart.js';
import type { FaultKind } from './types.js';

export const faultKinds: ReadonlyMap<string, FaultKind> = new Map(
  [nodeHalt, nodeFreeze, nodeResume, nodeRestart, nicDown, nicUp, linkCut, linkRestore, blackhole, processKill, portDown, portUp].map((k) => [k.kind, k]),
);
