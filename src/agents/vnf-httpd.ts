/**
 * vnf-httpd: a member's application (the document's apache2): answers every GET with the
 * member's name, so a client sees which member served it. Its own process (comm `vnf-httpd`), so
 * `halab fault LAB MEMBER process-kill vnf-httpd` stops the service and nothing else.
 *
 * `GET /burn?ms=N` answers at once, then keeps the process busy for N ms (at most 60 s): a
 * CPU-hungry app for the Zabbix-style os_cpu_usage trigger.
 *
 *   vnf-httpd --name NAME --port PORT
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

process.title = 'vnf-httpd';
const { values } = parseArgs({ options: { name: { type: 'string' }, port: { type: 'string' } }, strict: true });
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  res.end(`${values.name ?? '?'}\n`);
  const burn = /^\/burn\?ms=(\d+)$/.exec(req.url ?? '');
  if (burn) setTimeout(() => busy(Math.min(Number(burn[1]), 60_000)), 10);
});
/** Busy in slices, so the process stays CPU-bound but can still be signalled between them. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  const slice = () => {
    const end = Math.min(until, Date.now() + 50);
    while (Date.now() < end);
    if (Date.now() < until) setImmediate(slice);
  };
  slice();
}
server.listen(Number(values.port ?? 80), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
