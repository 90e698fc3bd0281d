/**
 * An ICMP flow: `ping` in a node at a fixed interval until stopped, read back as a flow
 * (parse.ts) and analyzed like a UDP probe direction (round trips: a loss is a request or its
 * reply lost), with a time-based outage (../timed-flow.ts).
 */
import { monotonicMs } from '../../runtime/events.js';
import { inNetns } from '../../runtime/netns/proc.js';
import { startTimedFlow, type TimedFlow } from '../timed-flow.js';
import { parsePing } from './parse.js';

export function startPing(o: { lab: string; ns: string; dst: string; rateHz: number }): TimedFlow {
  const intervalMs = 1000 / o.rateHz;
  const offsetMs = monotonicMs() - Date.now();
  return startTimedFlow({
    lab: o.lab,
    argv: inNetns(o.ns, ['ping', '-n', '-D', '-O', '-i', (intervalMs / 1000).toFixed(3), '-W', '1', o.dst]),
    rateHz: o.rateHz,
    signal: 'SIGINT',
    answers: (s) => s.match(/bytes from/g)?.length ?? 0,
    parse: (out) => parsePing(out, intervalMs, offsetMs),
    what: `ping ${o.dst} in ${o.ns}`,
  });
}
