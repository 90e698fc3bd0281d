/** Run the built halab CLI (test/global-setup.ts builds dist/) and capture its output and exit code. */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliMain = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function halab(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await execa('node', [cliMain, ...args], {
    cwd: repoRoot,
    reject: false,
    stdin: 'ignore',
    ...(opts.env ? { env: opts.env } : {}),
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { code: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
