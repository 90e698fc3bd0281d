/**
 * Control-plane events of an FRR node (runs inside the node's namespace): BGP session changes
 * and best-path changes from bgpd's log (`bgp log-neighbor-changes`, `debug bgp zebra`: the best
 * path bgpd installs or withdraws; stamped when each line is written), and kernel
 * route and link changes from `ip -o monitor link route`, all on the lab's monotonic clock.
 *
 *   node-events --node NAME --events FILE [--bgpd-log FILE]
 */
import { parseArgs } from 'node:util';
import { appendEvent } from '../runtime/events.js';
import { BestPathLog, parseAdjChange } from '../plugins/services/frr/log.js';
import { follow, followLog } from './follow.js';

const { values } = parseArgs({ options: { node: { type: 'string' }, events: { type: 'string' }, 'bgpd-log': { type: 'string' } } });
const node = values.node!;
const event = (kind: string, detail: string, tMs: number) => appendEvent(values.events!, { node, kind, detail, tMs });

if (values['bgpd-log']) {
  const best = new BestPathLog();
  followLog(values['bgpd-log'], (line, seenMs) => {
    const a = parseAdjChange(line);
    if (a) return event('bgp-session', `${a.peer} ${a.up ? 'UP' : `DOWN${a.reason ? ` (${a.reason})` : ''}`}`, seenMs);
    const b = best.line(line);
    if (b) event('bgp-bestpath', b, seenMs);
  });
}

const linkState = new Map<string, string>();
follow(['ip', '-o', 'monitor', 'link', 'route'], (line, seenMs) => {
  const link = /^\d+: ([^:@\s]+)(?:@\S+)?: <([^>]*)>.* state (\S+)/.exec(line);
  if (link) {
    const [, dev, flags, state] = link as unknown as [string, string, string, string];
    const now = `${state}${flags.split(',').includes('NO-CARRIER') ? ' NO-CARRIER' : ''}`;
    if (linkState.get(dev) !== now) event('link', `${dev} ${now}`, seenMs);
    linkState.set(dev, now);
    return;
  }
  // Routes of the main table; the local/broadcast entries and IPv6 link-local/multicast ones are noise.
  const deleted = line.startsWith('Deleted ');
  const route = deleted ? line.slice(8) : line;
  if (/^(local|broadcast|multicast) |table local|^f[ef][0-9a-f]{2}:/.test(route)) return;
  event('fib', `${deleted ? 'removed ' : ''}${route.replace(/\s+/g, ' ').trim()}`, seenMs);
});

console.log(`node-events: node ${node}, events to ${values.events}`);
process.on('SIGTERM', () => process.exit(0));
