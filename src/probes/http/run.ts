/**
 * An HTTP flow: GET requests at a fixed rate from a node (the http-probe agent), each on a new
 * connection, analyzed like an ICMP flow (time-based outage: from the first failed request to
 * the next answered one). A request fails by timeout, refused connection or a status >= 400.
 */
import { agentArgv } from '../../agents/run.js';
import { inNetns } from '../../runtime/netns/proc.js';
import { startTimedFlow, type TimedFlow } from '../timed-flow.js';
import { parseHttpProbe } from './parse.js';

export const HTTP_TIMEOUT_MS = 1000;

export function startHttp(o: { lab: string; ns: string; url: string; rateHz: number }): TimedFlow {
  return startTimedFlow({
    lab: o.lab,
    argv: inNetns(o.ns, agentArgv('http-probe', ['--url', o.url, '--rate', String(o.rateHz), '--timeout-ms', String(HTTP_TIMEOUT_MS)])),
    rateHz: o.rateHz,
    signal: 'SIGTERM',
    answers: (s) => s.match(/"status":[1-3]\d\d/g)?.length ?? 0,
    parse: parseHttpProbe,
    what: `http-probe ${o.url} in ${o.ns}`,
  });
}
