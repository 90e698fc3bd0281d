/**
 * Naming things in a running lab from the command line: a node by name, a destination given as an
 * address or as a node (its first IPv4 address), from the lab's state file. Errors are UsageErrors
 * that name what exists (and the closest name), for exit 2.
 */
import { isIP } from 'node:net';
import { UsageError } from '../../errors.js';
import { closest } from '../../util/names.js';
import type { LabState, StateNode } from './state.js';

export function findNode(state: LabState, name: string, role: string): StateNode {
  const n = state.nodes.find((x) => x.name === name);
  if (n) return n;
  const hint = closest(name, state.nodes.map((x) => x.name));
  throw new UsageError(`lab ${state.lab} has no node '${name}' (${role})${hint ? `; did you mean '${hint}'?` : ''}; nodes: ${state.nodes.map((x) => x.name).join(', ')}`);
}

/** A node's configured addresses, without prefix lengths. */
export const addressesOf = (n: StateNode) => n.ifaces.flatMap((i) => i.addresses.map((a) => a.split('/')[0]!));

/** DST as an address, and the node it belongs to when it is one of the lab's. */
export function resolveDst(state: LabState, dst: string): { address: string; node: StateNode | null } {
  if (isIP(dst)) return { address: dst, node: state.nodes.find((n) => addressesOf(n).includes(dst)) ?? null };
  if (!state.nodes.some((x) => x.name === dst)) {
    const hint = closest(dst, state.nodes.map((x) => x.name));
    throw new UsageError(`'${dst}' is neither an IP address nor a node of lab ${state.lab}${hint ? ` (did you mean '${hint}'?)` : ''}; nodes: ${state.nodes.map((x) => x.name).join(', ')}`);
  }
  const node = findNode(state, dst, 'DST');
  const v4 = addressesOf(node).find((a) => isIP(a) === 4);
  if (!v4) throw new UsageError(`node ${dst} has no IPv4 address; give DST as an address${addressesOf(node).length ? ` (its addresses: ${addressesOf(node).join(', ')})` : ''}`);
  return { address: v4, node };
}
