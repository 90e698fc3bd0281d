/**
 * http-probe: an HTTP client flow's agent, run inside the client node's namespace
 * (src/probes/http/run.ts starts it). Every 1/rate s it sends a GET on a new connection (no
 * keep-alive: each request finds its way through the LB or VIP afresh, as a new client would),
 * concurrently, each with its own timeout, and prints one JSON line when the request ends:
 *   {"seq":N,"sentMs":T,"recvMs":T,"status":200,"by":"first line of the body"} or {"seq":N,"sentMs":T,"error":"..."}
 * Times are the monotonic clock of the lab's events. On SIGTERM it stops sending, waits for the
 * requests in flight (at most the timeout) and exits.
 *
 *   http-probe --url URL [--rate HZ] [--timeout-ms MS]
 */
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { monotonicMs } from '../runtime/events.js';

const { values } = parseArgs({
  options: { url: { type: 'string' }, rate: { type: 'string', default: '20' }, 'timeout-ms': { type: 'string', default: '1000' } },
  strict: true,
});
const url = new URL(values.url!);
const intervalMs = 1000 / Number(values.rate);
const timeoutMs = Number(values['timeout-ms']);

let seq = 0;
let inFlight = 0;
let stopping = false;
const print = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

function get(): void {
  const n = ++seq;
  const sentMs = monotonicMs();
  let done = false;
  const end = (o: object) => {
    if (done) return;
    done = true;
    inFlight--;
    print({ seq: n, sentMs, ...o });
    if (stopping && inFlight === 0) process.exit(0);
  };
  inFlight++;
  const req = request(url, { agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (body += d.length < 200 ? d : d.slice(0, 200)));
    res.on('end', () => {
      const ok = (res.statusCode ?? 0) < 400;
      end({ recvMs: monotonicMs(), status: res.statusCode, by: body.split('\n')[0]!.trim().slice(0, 60), ...(ok ? {} : { error: `HTTP ${res.statusCode}` }) });
    });
    res.on('error', (e) => end({ error: e.message }));
  });
  // The whole request, not only the idle socket, is bounded by the timeout.
  const timer = setTimeout(() => req.destroy(new Error(`timeout ${timeoutMs} ms`)), timeoutMs);
  req.on('close', () => clearTimeout(timer));
  req.on('error', (e) => end({ error: e.message }));
  req.end();
}

// Paced by the due time of each request, not by a fixed timer, so a late turn does not shift the rest.
const start = monotonicMs();
function tick(): void {
  if (stopping) return;
  while (start + seq * intervalMs <= monotonicMs()) get();
  setTimeout(tick, Math.max(0, start + seq * intervalMs - monotonicMs()));
}
tick();
const stop = () => {
  stopping = true;
  if (inFlight === 0) process.exit(0);
  setTimeout(() => process.exit(0), timeoutMs + 100).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
