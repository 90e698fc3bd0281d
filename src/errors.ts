/** Errors that map to the CLI's exit codes (DESIGN.md "CLI contract"). */

/** A problem in a user's file, located at FILE:LINE:COL. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  /** Dotted path inside the document, e.g. `nodes.host1.interfaces.eth0`. */
  path: string;
  message: string;
}

/** Without repeats, in file order (files in the order they first appear), by line and column. */
export function tidyDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  const files = [...new Set(ds.map((d) => d.file))];
  const seen = new Set<string>();
  return [...ds]
    .sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line || a.col - b.col)
    .filter((d) => {
      const k = `${d.file}:${d.line}:${d.col}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

/** One line per diagnostic, always: names quoted in messages may hold newlines or other control characters. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.path || '(document)'}: ${escapeControl(d.message)}`;
}

function escapeControl(s: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Bad input: exit 2, nothing created. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(readonly diagnostics: Diagnostic[], message?: string) {
    super(message ?? diagnostics.map(formatDiagnostic).join('\n'));
  }
}

/** A plain usage problem without a file position (unknown lab name, bad flag value): exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** The machine lacks something (not root, a missing program): exit 3, with the fix named. */
export class EnvError extends Error {
  readonly exitCode = 3;
  constructor(message: string, readonly fix: string) {
    super(message);
  }
}

/** Applying a plan failed; what was done has been rolled back: exit 1. */
export class ApplyError extends Error {
  readonly exitCode = 1;
  constructor(readonly command: string, readonly stderr: string, readonly rolledBack: boolean) {
    super(`command failed: ${command}\n${stderr.trim()}`);
  }
}
