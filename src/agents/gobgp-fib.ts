/**
 * FIB agent for a GoBGP node (runs inside the node's namespace). Debian's gobgpd 3.10 cannot
 * install routes through FRR's zebra, so this follows GoBGP's best paths
 * (`gobgp monitor global rib -j --current`) and programs the kernel with `ip route replace`.
 * Every best-path change, kernel route change and BGP session change goes to the lab's event
 * log on the monotonic clock; `fib` events carry the delay the agent added (`+N.N ms`).
 *
 *   gobgp-fib --node NAME --events FILE [--log GOBGPD_LOG] [--families ipv4,ipv6]
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync, watch } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { isLocal, parseMonitorLine, type RibUpdate } from '../plugins/services/gobgp/monitor.js';
import { appendEvent, monotonicMs } from '../runtime/events.js';

const { values } = parseArgs({
  options: { node: { type: 'string' }, events: { type: 'string' }, log: { type: 'string' }, families: { type: 'string', default: 'ipv4,ipv6' } },
});
const node = values.node!;
const events = values.events!;
const event = (kind: string, detail: string, tMs?: number) => appendEvent(events, { node, kind, detail, ...(tMs !== undefined ? { tMs } : {}) });

function ip(args: string[]): Promise<{ ok: boolean; err: string }> {
  return new Promise((resolve) => execFile('ip', args, (e, _out, stderr) => resolve({ ok: !e, err: String(stderr).trim() })));
}

/** Updates are applied one at a time, in arrival order. */
let chain = Promise.resolve();
/** Last update seen per prefix: the --current dump and the live stream may report one twice. */
const last = new Map<string, string>();

async function apply(u: RibUpdate, seenMs: number): Promise<void> {
  const key = u.withdrawal ? 'withdrawn' : `via ${u.nexthop}`;
  if (last.get(u.prefix) === key) return;
  last.set(u.prefix, key);
  if (u.withdrawal) {
    event('bgp-bestpath', `${u.prefix} withdrawn`, seenMs);
    const r = await ip(['route', 'del', u.prefix, 'proto', 'bgp']);
    event('fib', `${u.prefix} removed${r.ok ? '' : ' (was not installed)'} (+${(monotonicMs() - seenMs).toFixed(1)} ms)`);
    return;
  }
  if (!u.nexthop || isLocal(u)) return;
  event('bgp-bestpath', `${u.prefix} via ${u.nexthop}${u.asPath.length ? ` path ${u.asPath.join(' ')}` : ''}`, seenMs);
  const r = await ip(['route', 'replace', u.prefix, 'via', u.nexthop, 'proto', 'bgp', 'metric', '20']);
  if (r.ok) {
    event('fib', `${u.prefix} via ${u.nexthop} (+${(monotonicMs() - seenMs).toFixed(1)} ms)`);
  } else {
    // An unreachable next hop cannot be installed; a route from an older best path must not stay.
    await ip(['route', 'del', u.prefix, 'proto', 'bgp']);
    event('fib', `${u.prefix} via ${u.nexthop} not installable: ${r.err}`);
  }
}

/** Run `gobgp ARGS`, feeding each output line to `onLine`; restart it if it ends (gobgpd starting). */
function follow(args: string[], onLine: (line: string, seenMs: number) => void): void {
  const child = spawn('gobgp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: child.stdout }).on('line', (l) => onLine(l, monotonicMs()));
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  child.on('exit', () => setTimeout(() => follow(args, onLine), 200));
}

for (const fam of values.families!.split(',')) {
  follow(['monitor', 'global', 'rib', '-j', '--current', '-a', fam], (line, seenMs) => {
    for (const u of parseMonitorLine(line)) chain = chain.then(() => apply(u, seenMs));
  });
}

/**
 * Session changes: `gobgp monitor neighbor` prints nothing in 3.10, but gobgpd logs "Peer Up" /
 * "Peer Down" as JSON lines (with whole-second times); following its log through inotify stamps
 * each line when it is written.
 */
function followLog(file: string, onLine: (line: string, seenMs: number) => void): void {
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

if (values.log) {
  followLog(values.log, (line, seenMs) => {
    try {
      const j = JSON.parse(line) as { Key?: string; msg?: string; Reason?: string };
      if (j.msg === 'Peer Up') event('bgp-session', `${j.Key} UP`, seenMs);
      else if (j.msg === 'Peer Down') event('bgp-session', `${j.Key} DOWN${j.Reason ? ` (${j.Reason})` : ''}`, seenMs);
    } catch {
      // not a JSON log line
    }
  });
}

console.log(`gobgp-fib: node ${node}, events to ${events}`);
process.on('SIGTERM', () => process.exit(0));
