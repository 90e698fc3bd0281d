/**
 * Runs a JSON schema over data and turns ajv's errors into located diagnostics with messages a
 * network engineer can act on. Shared by topology and lab files.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Diagnostic } from '../errors.js';
import type { SourceDoc } from '../pipeline/parse.js';
import type { Path } from '../model/path.js';
import { closest } from './names.js';

const require = createRequire(import.meta.url);
const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: Ajv2020, v: ValidateFunction) => string }).default;
const ajv = new Ajv2020({ allErrors: true, strict: false, code: { source: true } });
const cache = new WeakMap<object, ValidateFunction>();

/**
 * Compiling a schema costs ~150 ms, paid by every CLI call; the compiled validator is kept as
 * ajv standalone code in node_modules/.cache/halab (keyed by the schema and ajv's version).
 */
function cacheFile(schema: object): string | null {
  try {
    const ajvPkg = require.resolve('ajv/package.json');
    const version = (require(ajvPkg) as { version: string }).version;
    const hash = createHash('sha1').update(version).update(JSON.stringify(schema)).digest('hex').slice(0, 16);
    return `${dirname(dirname(ajvPkg))}/.cache/halab/schema-${hash}.cjs`;
  } catch {
    return null;
  }
}

function compiled(schema: object): ValidateFunction {
  let v = cache.get(schema);
  if (v) return v;
  const file = cacheFile(schema);
  try {
    if (file) v = require(file) as ValidateFunction;
  } catch {
    // not cached yet
  }
  if (!v) {
    v = ajv.compile(schema);
    if (file) {
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, standaloneCode(ajv, v));
      } catch {
        // read-only install: compile each time
      }
    }
  }
  cache.set(schema, v);
  return v;
}

/** Validate `data` (found at `base` in `src`) against `schema`. */
export function schemaDiagnostics(schema: object, data: unknown, src: SourceDoc, base: Path = []): Diagnostic[] {
  const validate = compiled(schema);
  if (validate(data)) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const d = toDiagnostic(e, schema, data, src, base);
    if (!d) continue;
    const k = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(d);
    }
  }
  return out;
}

function toDiagnostic(e: ErrorObject, schema: object, root: unknown, src: SourceDoc, base: Path): Diagnostic | null {
  const path: (string | number)[] = [...base, ...pointerToPath(e.instancePath, root)];
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((schemaAt(schema, e.schemaPath.replace(/\/additionalProperties$/, '')) as { properties?: object })?.properties ?? {});
      const hint = closest(key, allowed);
      const list = allowed.length ? `; known keys: ${allowed.join(', ')}` : '';
      return src.diag([...path, key], `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : list}`, { key: true });
    }
    case 'required':
      return src.diag(path, `missing required key '${String(p.missingProperty)}'`);
    case 'type': {
      const want = ([] as string[]).concat(p.type as string | string[]);
      return src.diag(path, `expected ${want.map(article).join(' or ')}, got ${describe(valueAt(root, e.instancePath))}`);
    }
    case 'enum':
      return src.diag(path, `'${String(valueAt(root, e.instancePath))}' is not one of: ${(p.allowedValues as unknown[]).join(', ')}`);
    case 'const':
      return src.diag(path, `must be ${JSON.stringify(p.allowedValue)}`);
    case 'minItems':
    case 'maxItems': {
      const v = valueAt(root, e.instancePath);
      const got = Array.isArray(v) ? `, got ${v.length}` : '';
      return src.diag(path, `expected ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} items${got}`);
    }
    case 'minimum':
    case 'maximum':
      return src.diag(path, `${String(valueAt(root, e.instancePath))} is out of range (${e.keyword === 'minimum' ? 'minimum' : 'maximum'} ${String(p.limit)})`);
    case 'if':
      return null;
    default:
      return src.diag(path, e.message ?? e.keyword);
  }
}

function article(t: string): string {
  const map: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'nothing' };
  return map[t] ?? t;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string '${v}'`;
  return `${typeof v} ${String(v)}`;
}

function pointerToPath(ptr: string, root: unknown): (string | number)[] {
  if (!ptr) return [];
  const out: (string | number)[] = [];
  let cur: unknown = root;
  for (const raw of ptr.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function valueAt(root: unknown, ptr: string): unknown {
  let cur = root;
  for (const seg of pointerToPath(ptr, root)) cur = cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[seg] : undefined;
  return cur;
}

/** The sub-schema at a `#/a/b` schema path. */
function schemaAt(schema: object, ref: string): unknown {
  let cur: unknown = schema;
  for (const seg of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return cur;
}
