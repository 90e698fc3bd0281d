import type { ServiceKind } from '../types.js';
import { frr } from './frr/index.js';

export const serviceKinds: ReadonlyMap<string, ServiceKind> = new Map([frr].map((k) => [k.kind, k]));
