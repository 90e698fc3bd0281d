/**
 * Stage 1: YAML text -> plain data, keeping every node's position so that later stages can
 * report `FILE:LINE:COL` for any path in the document.
 */
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node as YNode, type YAMLError } from 'yaml';
import { InputError, type Diagnostic } from '../errors.js';
import { formatPath, type Path } from '../model/path.js';

export interface Position {
  line: number;
  col: number;
}

export interface SourceDoc {
  file: string;
  data: unknown;
  /** Position of the value at `path` (or of its key with `key: true`); the deepest existing ancestor otherwise. */
  locate(path: Path, opts?: { key?: boolean }): Position;
  /** A diagnostic for `path` in this document. */
  diag(path: Path, message: string, opts?: { key?: boolean }): Diagnostic;
}

export function parseFile(file: string): SourceDoc {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new InputError([{ file, line: 1, col: 1, path: '', message: `cannot read file: ${reason}` }]);
  }
  return parseText(text, file);
}

export function parseText(text: string, file: string): SourceDoc {
  const lineCounter = new LineCounter();
  // yaml's own uniqueKeys check compares every pair of keys (quadratic in a 1000-node map): ours is linear.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const errors = doc.errors.map((e): Diagnostic => {
    const pos = lineCounter.linePos(errorOffset(text, e.pos[0]));
    return { file, line: pos.line, col: pos.col, path: '', message: `YAML: ${yamlMessage(e)}` };
  });
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const p of map.items) {
        if (!isScalar(p.key) || !p.key.range) continue;
        const k = String(p.key.value);
        if (seen.has(k)) {
          const pos = lineCounter.linePos(p.key.range[0]);
          errors.push({ file, line: pos.line, col: pos.col, path: '', message: `YAML: Map keys must be unique: '${k}' appears more than once` });
        }
        seen.add(k);
      }
    },
  });
  if (errors.length) throw new InputError(errors);

  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };

  const locate = (path: Path, opts?: { key?: boolean }): Position => {
    let node: unknown = doc.contents;
    let best: Position = node && (node as YNode).range ? at((node as YNode).range![0]) : { line: 1, col: 1 };
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return best;
        const key = pair.key as YNode;
        if (key?.range) best = at(key.range[0]);
        if (last && opts?.key) return best;
        node = pair.value;
        if (!node || !(node as YNode).range) return best; // `key:` with no value: point at the key
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        if (!node) return best;
      } else {
        return best;
      }
      const r = (node as YNode).range;
      if (r) best = at(r[0]);
    }
    return best;
  };

  const data = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  return {
    file,
    data,
    locate,
    diag: (path, message, opts) => ({ file, ...locate(path, opts), path: formatPath(path), message }),
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

/**
 * Where to point for a YAML error. The parser reports indentation errors at the start of the line
 * and unclosed brackets at the end of the file; the first character of the offending line and the
 * end of the last line with text are what a reader looks for.
 */
function errorOffset(text: string, offset: number): number {
  const end = text.trimEnd().length;
  if (offset >= end) return end;
  while (offset < end && (text[offset] === ' ' || text[offset] === '\t')) offset++;
  return offset;
}

/** The parser's duplicate-key message does not say which key. */
function yamlMessage(e: YAMLError): string {
  return firstLine(e.message);
}
