/**
 * Build dist/ once before the tests: tests run the CLI as users do (`node dist/src/cli/main.js`),
 * about three times faster per call than through tsx, and so test what ships.
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  await execa('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
}
