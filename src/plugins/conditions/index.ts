import { bgpBestCondition } from './bgp-best.js';
import { bgpCondition } from './bgp.js';
import { reachableCondition } from './reachable.js';
import { routeCondition } from './route.js';
import { sppCondition } from './spp.js';
import type { ConditionKind } from './types.js';
import { vrrpCondition } from './vrrp.js';

export const conditionKinds: ReadonlyMap<string, ConditionKind> = new Map(
  ([bgpCondition, bgpBestCondition, reachableCondition, routeCondition, sppCondition, vrrpCondition] as unknown as ConditionKind[]).map((k) => [k.kind, k]),
);
