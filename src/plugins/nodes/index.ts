import type { NodeKind } from '../types.js';
import { host } from './host.js';
import { router } from './router.js';

export const nodeKinds: ReadonlyMap<string, NodeKind> = new Map([host, router].map((k) => [k.kind, k]));
