/** Run the halab CLI from source (no build step) and capture its output and exit code. */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function halab(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await execa('node', ['--import', 'tsx', main, ...args], {
    cwd: repoRoot,
    reject: false,
    stdin: 'ignore',
    ...(opts.env ? { env: opts.env } : {}),
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { code: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
