/** Progress of `up` on a TTY (a spinner with phase and counts); silent otherwise. */
import ora from 'ora';
import type { ApplyProgress } from '../runtime/netns/apply.js';

export function progressFor(title: string): ApplyProgress {
  // A TTY that reports no width (e.g. under `script` without a terminal) would make the spinner
  // compute infinitely many wrapped lines to clear: no spinner there.
  if (!process.stderr.isTTY || !process.stderr.columns) return { phase() {}, advance() {}, end() {} };
  const spinner = ora({ stream: process.stderr, text: title, discardStdin: false }).start();
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
