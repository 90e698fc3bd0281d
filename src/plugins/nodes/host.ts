import type { NodeKind } from '../types.js';

/** A plain namespace: an end host, a VM, a server. */
export const host: NodeKind = { kind: 'host', summary: 'an end host, VM or server (a network namespace)', sysctl: {} };
