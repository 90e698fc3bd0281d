/**
 * Every malformed topology in test/fixtures/invalid/ must be rejected by `halab validate` with
 * exit 2 and one `FILE:LINE:COL: path: message` line per problem, at the position and with the
 * words its `# expect: LINE:COL substring` header lines give. A file lists every error it
 * provokes, so a duplicate or spurious error fails too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { halab } from '../helpers/cli.js';

const DIR = 'test/fixtures/invalid';
const LINE = /^([^:]+):(\d+):(\d+): (.+?): (.+)$/;

interface Expectation {
  line: number;
  col: number;
  text: string;
}

interface Fixture {
  file: string;
  lab: string | undefined;
  expects: Expectation[];
}

function loadFixture(name: string): Fixture {
  const file = `${DIR}/${name}`;
  const text = readFileSync(file, 'utf8');
  const expects: Expectation[] = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('# expect')) continue;
    // A malformed header would silently check nothing, so it is an error of the fixture itself.
    const m = /^# expect: (\d+):(\d+) (.+)$/.exec(l);
    if (!m) throw new Error(`${file}: bad header '${l}' (want '# expect: LINE:COL substring')`);
    expects.push({ line: Number(m[1]), col: Number(m[2]), text: m[3]! });
  }
  const lab = /^name: *["']?([^"'\n#]+?)["']? *$/m.exec(text)?.[1];
  return { file, lab, expects };
}

const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map(loadFixture);

interface Reported {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

function parseStderr(stderr: string): { lines: string[]; reported: Reported[] } {
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  const reported = lines.flatMap((l) => {
    const m = LINE.exec(l);
    return m ? [{ file: m[1]!, line: Number(m[2]), col: Number(m[3]), path: m[4]!, message: m[5]! }] : [];
  });
  return { lines, reported };
}

/** `ip netns list` names, or null where the command is unavailable (then the check is skipped). */
async function netnsNames(): Promise<string[] | null> {
  const r = await execa('ip', ['netns', 'list'], { reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0) return null;
  return String(r.stdout)
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

describe('invalid topologies', () => {
  let before: string[] | null = null;

  beforeAll(async () => {
    before = await netnsNames();
  });

  // Validation must create nothing. Integration tests may run on this machine at the same time
  // and create their own namespaces, so only namespaces named for one of these fixtures' labs
  // count: `halab.LAB.` is the prefix any namespace built from them would have.
  afterAll(async () => {
    const after = await netnsNames();
    if (before === null || after === null) return;
    const labs = fixtures.flatMap((f) => (f.lab ? [f.lab] : []));
    const ours = (ns: string) => labs.some((lab) => ns.startsWith(`halab.${lab}.`));
    const created = after.filter((ns) => !before!.includes(ns) && ours(ns));
    const removed = before.filter((ns) => !after.includes(ns) && ours(ns));
    expect({ created, removed }).toEqual({ created: [], removed: [] });
  });

  test('the suite has at least 30 fixtures, each with an expectation', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
    for (const f of fixtures) expect(f.expects.length, f.file).toBeGreaterThan(0);
  });

  test.concurrent.for(fixtures)('$file', async (fx, { expect }) => {
    const r = await halab(['validate', fx.file]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toMatch(/valid/);

    const { lines, reported } = parseStderr(r.stderr);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).toMatch(/^[^:]+:\d+:\d+: .+: .+/);
      expect(l).not.toMatch(/^\s+at /);
    }
    for (const d of reported) expect(d.file).toBe(fx.file);

    for (const e of fx.expects) {
      const hit = reported.some((d) => d.line === e.line && d.col === e.col && d.message.includes(e.text));
      expect(hit, `no error at ${e.line}:${e.col} containing "${e.text}" in:\n${r.stderr}`).toBe(true);
    }
    // Nothing more than expected: no duplicates, no errors that follow from another one.
    expect(reported.length, r.stderr).toBe(fx.expects.length);
  });

  test('validating all files at once reports every error of every file', async () => {
    const r = await halab(['validate', ...fixtures.map((f) => f.file)]);
    expect(r.code).toBe(2);
    const { reported } = parseStderr(r.stderr);
    expect(reported.length).toBe(fixtures.reduce((n, f) => n + f.expects.length, 0));
    expect(new Set(reported.map((d) => d.file))).toEqual(new Set(fixtures.map((f) => f.file)));
  });
});
