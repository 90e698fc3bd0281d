/** Following a program's output or a log file line by line, stamping each line on arrival (monotonic ms). */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync, watch } from 'node:fs';
import { createInterface } from 'node:readline';
import { monotonicMs } from '../runtime/events.js';

/** Run argv, feeding each output line to `onLine` with the moment it arrived; restart it if it ends (its daemon may be starting). */
export function follow(argv: string[], onLine: (line: string, seenMs: number) => void): void {
  const [cmd, ...args] = argv;
  const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: child.stdout }).on('line', (l) => onLine(l, monotonicMs()));
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  child.on('exit', () => setTimeout(() => follow(argv, onLine), 200));
}

/** Follow a log file through inotify (and a slow poll): each new line with the moment it was seen. */
export function followLog(file: string, onLine: (line: string, seenMs: number) => void): void {
  let offset = 0;
  let partial = '';
  const read = () => {
    const seenMs = monotonicMs();
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < offset) offset = 0;
      if (size === offset) return;
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      const lines = (partial + buf.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l, seenMs);
    } finally {
      closeSync(fd);
    }
  };
  read();
  try {
    watch(file, read);
  } catch {
    // no inotify: the poll below still sees every line
  }
  setInterval(read, 250).unref();
}
