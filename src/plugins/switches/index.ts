import type { SwitchKind } from '../types.js';
import { linuxBridge } from './linux/index.js';
import { ovs } from './ovs/index.js';

export const switchKinds: ReadonlyMap<string, SwitchKind> = new Map([linuxBridge, ovs].map((k) => [k.kind, k]));
