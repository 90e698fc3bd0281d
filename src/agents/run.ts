/**
 * How to start one of halab's own agents (small programs that run inside lab namespaces): from
 * dist/ when halab runs built, from src/ through tsx when it runs from source (tests).
 */
import { fileURLToPath } from 'node:url';

export function agentArgv(name: string, args: string[]): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return [process.execPath, '--import', 'tsx', here.replace(/run\.ts$/, `${name}.ts`), ...args];
  return [process.execPath, here.replace(/run\.js$/, `${name}.js`), ...args];
}
