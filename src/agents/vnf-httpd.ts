/**
 * vnf-httpd: a member's application (the document's apache2): answers every GET with the
 * member's name, so a client sees which member served it. Its own process (comm `vnf-httpd`), so
 * `halab fault LAB MEMBER process-kill vnf-httpd` stops the service and nothing else.
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
});
server.listen(Number(values.port ?? 80), '0.0.0.0');
process.on('SIGTERM', () => process.exit(0));
