/** Progress of `up` on a TTY (a spinner with phase and counts); silent otherwise. */
import ora from 'ora';
import type { ApplyProgress } from '../runtime/netns/apply.js';

export function progressFor(title: string): ApplyProgress {
  if (!process.stderr.isTTY) return { phase() {}, advance() {}, end() {} };
  const spinner = ora({ stream: process.stderr, text: title }).start();
  let phase = '';
  let done = 0;
  let total = 0;
  const render = () => (spinner.text = `${title}: ${phase} ${done}/${total}`);
  return {
    phase(p, n) {
      phase = p;
      done = 0;
      total = n;
      render();
    },
    advance(n) {
      done += n;
      render();
    },
    end(ok) {
      if (ok) spinner.stop();
      else spinner.fail(`${title}: failed during ${phase}; rolled back`);
    },
  };
}
