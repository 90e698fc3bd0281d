/** Helpers for integration tests on real labs (root only). */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { leaksSince, takeCensus, type Census } from '../../src/runtime/netns/census.js';
import { namespaceName } from '../../src/util/names.js';
import { halab } from './cli.js';

const helper = (f: string) => fileURLToPath(new URL(f, import.meta.url));

/** Run argv in a lab node's namespace (directly, without the CLI, to keep tests quick). */
export async function inNode(lab: string, node: string, argv: string[], timeoutMs = 15_000) {
  const r = await execa('ip', ['netns', 'exec', namespaceName(lab, node), ...argv], { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  return { code: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function ping(lab: string, node: string, dst: string, count = 3): Promise<boolean> {
  const r = await inNode(lab, node, ['ping', '-c', String(count), '-i', '0.2', '-W', '2', dst]);
  return r.code === 0;
}

/**
 * One TCP exchange from `client` to `dst:port` served on `server`. Returns the source address the
 * server saw (so NAT can be checked), or throws with both sides' output.
 */
export async function tcpExchange(lab: string, server: string, client: string, dst: string, port: number): Promise<string> {
  const srv = execa('ip', ['netns', 'exec', namespaceName(lab, server), 'node', helper('./tcp-server.mjs'), String(port), '10000'], { reject: false });
  await new Promise<void>((resolve, reject) => {
    srv.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve());
    srv.on('exit', () => reject(new Error('server exited before listening')));
  });
  const c = await inNode(lab, client, ['node', helper('./tcp-client.mjs'), dst, String(port)]);
  const s = await srv;
  if (c.code !== 0) throw new Error(`tcp ${client} -> ${dst}:${port} failed: ${c.stderr} (server: ${String(s.stderr)})`);
  return c.stdout.trim();
}

/** Expect nothing of the labs `before` was taken for (or of halab at all) to remain. */
export async function expectNoLeaks(before: Census): Promise<void> {
  expect(leaksSince(before, await takeCensus(before.scope))).toEqual([]);
}

export { takeCensus };

/** Poll `probe` until it returns a truthy value or `timeoutMs` passes (like topotests' run_and_expect). */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!last && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, everyMs));
    last = await probe();
  }
  return last;
}

/**
 * Build `file` as lab `lab` before the tests of the enclosing `describe` and take it down after
 * them, requiring that nothing of the lab is left (the leak census).
 */
export function useLab(file: string, lab: string, opts: { readyTimeoutS?: number; upTimeoutMs?: number } = {}): void {
  let before: Census;
  const upTimeoutMs = opts.upTimeoutMs ?? 60_000;
  beforeAll(async () => {
    before = await takeCensus(lab);
    const up = await halab(['up', file, '--name', lab, '--ready-timeout', String(opts.readyTimeoutS ?? 30)], { timeoutMs: upTimeoutMs });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
  }, upTimeoutMs + 30_000);
  afterAll(async () => {
    expect((await halab(['down', lab])).code).toBe(0);
    await expectNoLeaks(before);
  }, 60_000);
}
