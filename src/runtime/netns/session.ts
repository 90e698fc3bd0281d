/**
 * A long-running command interpreter inside a namespace (`ip -batch -`, `nft -i`), started
 * before a fault, so that the fault's moment is not blurred by starting a process: each batch
 * of commands is followed by a marker command, and the moment the marker's output arrives is the
 * moment the batch was done (well under a millisecond, against 5-20 ms of jitter for a fresh
 * process on 2 busy cores).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { monotonicMs } from '../events.js';

export class Session {
  private out = '';
  private err = '';
  private waiters: { resolve: (t: number) => void; reject: (e: Error) => void; sent: number }[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  /** How long the last batch took from writing it to its marker (ms). */
  lastLatencyMs = 0;

  constructor(
    ns: string,
    argv: string[],
    private readonly marker: string,
    private readonly markerSeen: RegExp,
  ) {
    this.child = spawn('nsenter', [`--net=/run/netns/${ns}`, '--', ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => {
      this.out += d.toString();
      while (this.markerSeen.test(this.out)) {
        this.out = this.out.replace(this.markerSeen, '');
        const w = this.waiters.shift();
        if (!w) break;
        const done = monotonicMs();
        this.lastLatencyMs = done - w.sent;
        w.resolve(done);
      }
    });
    this.child.stderr.on('data', (d: Buffer) => (this.err += d.toString()));
    // An interpreter that stops (ip -batch stops at the first failing command) fails what waits.
    this.child.on('exit', () => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(this.err.trim() || `${argv.join(' ')} exited`));
    });
  }

  /** Run commands (one per line); resolves with the monotonic time they were done. */
  run(lines: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer: ${this.err.trim()}`)), 5000);
      this.waiters.push({ resolve: (t) => (clearTimeout(timer), resolve(t)), reject: (e) => (clearTimeout(timer), reject(e)), sent: monotonicMs() });
      this.child.stdin.write([...lines, this.marker, ''].join('\n'));
    });
  }

  async close(lastLines: string[] = []): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.child.stdin.end(lastLines.length ? lastLines.join('\n') + '\n' : '');
    await new Promise((r) => this.child.once('exit', r));
  }
}

/** `ip -batch -` in a namespace; its marker is a one-line `link show dev lo`. */
export function ipSession(ns: string): Session {
  return new Session(ns, ['ip', '-o', '-batch', '-'], 'link show dev lo', /^\d+: lo: .*\n/m);
}

const NFT_MARK = 'halab_mark';

/** `nft -i` in a namespace; its marker is the listing of a table that exists for the session. */
export async function nftSession(ns: string): Promise<Session> {
  const s = new Session(ns, ['nft', '-i'], `list table netdev ${NFT_MARK}`, new RegExp(`table netdev ${NFT_MARK} \\{\\s*\\}\\s*`));
  await s.run([`add table netdev ${NFT_MARK}`]);
  const close = s.close.bind(s);
  s.close = () => close([`delete table netdev ${NFT_MARK}`]);
  return s;
}

/** Run `f` with an `nft -i` session in a namespace, closed (and its marker table removed) afterwards. */
export async function withNftSession<T>(ns: string, f: (nft: Session) => Promise<T>): Promise<T> {
  const nft = await nftSession(ns);
  try {
    return await f(nft);
  } finally {
    await nft.close();
  }
}
