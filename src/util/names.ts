/**
 * Names from topology files reach the kernel, file paths and (printed) shell commands, so they are
 * checked here once, and mapped to kernel names deterministically.
 */
import { createHash } from 'node:crypto';

export const MAX_NAME = 64;
/** Linux IFNAMSIZ is 16 including the NUL. */
export const MAX_IFNAME = 15;

/** Lab and node names: identifiers that are joined with '.' into namespace names, so no dots. */
const IDENT = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** Interface, bridge and port names may also hold dots (`eth0.113`). */
const IFACE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const SHELL_META = /[\s;&|<>`$\\"'(){}[\]*?!#~^%=,:@+]/;

export type NameKind = 'lab' | 'node' | 'interface';

/** Why `name` is not acceptable, or null when it is. */
export function nameProblem(name: string, kind: NameKind): string | null {
  if (name.length === 0) return 'name is empty';
  if (name.length > MAX_NAME) return `name is ${name.length} characters long; at most ${MAX_NAME} are allowed`;
  if (name.includes('/')) return `name '${name}' holds a path separator '/'`;
  if (name.includes('..')) return `name '${name}' holds '..'`;
  const meta = SHELL_META.exec(name);
  if (meta) return `name '${name}' holds ${describeChar(meta[0])}, which is not allowed in names`;
  if (kind !== 'interface' && name.includes('.')) return `${kind} name '${name}' holds '.', which is not allowed in ${kind} names`;
  const re = kind === 'interface' ? IFACE : IDENT;
  if (!re.test(name)) {
    const bad = [...name].find((c) => !/[A-Za-z0-9_.-]/.test(c));
    if (bad) return `name '${name}' holds ${describeChar(bad)}; use letters, digits, '_' and '-'`;
    return `name '${name}' must start with a letter or digit`;
  }
  return null;
}

function describeChar(c: string): string {
  if (c === ' ') return 'a space';
  if (c === '\t') return 'a tab';
  if (c === '\n') return 'a newline';
  if (/\s/.test(c)) return 'white space';
  if (c.charCodeAt(0) < 32 || c === '\x7f') return `control character 0x${c.charCodeAt(0).toString(16)}`;
  // Other characters land here too (non-ASCII letters): only call shell metacharacters that.
  return SHELL_META.test(c) ? `shell metacharacter '${c}'` : `'${c}'`;
}

/**
 * The kernel name of an interface: itself when it fits in 15 characters, otherwise its first
 * 10 characters, '-' and 4 hex digits of its SHA-1. Interfaces live in the node's own namespace,
 * so kernel names need only be unique per node.
 */
export function kernelName(name: string): string {
  if (name.length <= MAX_IFNAME) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 4);
  return `${name.slice(0, MAX_IFNAME - 5)}-${hash}`;
}

/** Every halab namespace starts with this, which is what `clean` looks for. */
export const NS_PREFIX = 'halab.';

export function namespaceName(lab: string, node: string): string {
  return `${NS_PREFIX}${lab}.${node}`;
}

/** Closest candidate by edit distance, for "did you mean" hints. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  // A "suggestion" that rewrites most of a short word (c -> a) is noise.
  return bestD <= Math.max(2, Math.floor(word.length / 3)) && bestD < word.length ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
