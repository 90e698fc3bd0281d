/**
 * FIB agent for a GoBGP node (runs inside the node's namespace). Debian's gobgpd 3.10 cannot
 * install routes through FRR's zebra, so this follows GoBGP's best paths
 * (`gobgp monitor global rib -j --current`) and programs the kernel with `ip route replace`.
 * Every best-path change, kernel route change and BGP session change goes to the lab's event
 * log on the monotonic clock; `fib` events carry the delay the agent added (`+N.N ms`).
 *
 *   gobgp-fib --node NAME --events FILE [--log GOBGPD_LOG] [--families ipv4,ipv6]
 */
import { execFile } from 'node:child_process';
import { parseArgs } from 'node:util';
import { isLocal, parseMonitorLine, type RibUpdate } from '../plugins/services/gobgp/monitor.js';
import { appendEvent, monotonicMs } from '../runtime/events.js';
import { follow, followLog } from './follow.js';

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

for (const fam of values.families!.split(',')) {
  follow(['gobgp', 'monitor', 'global', 'rib', '-j', '--current', '-a', fam], (line, seenMs) => {
    for (const u of parseMonitorLine(line)) chain = chain.then(() => apply(u, seenMs));
  });
}

// Session changes: `gobgp monitor neighbor` prints nothing in 3.10, but gobgpd logs "Peer Up" /
// "Peer Down" as JSON lines (whole-second times); following the log stamps each line when written.
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
