/**
 * vnf-lb: the cluster's load balancer (the document's LBaaS pool and VIP) as an HTTP proxy:
 * requests to VIP:PORT go to the pool's members, ROUND_ROBIN, each on a new connection (so a
 * pool change applies to the next request). The VNFM sets the pool over the mgmt network:
 * `PUT /pool {"members": ["10.0.0.12"]}` on the control port; every change is a lab event
 * (kind `vnf-lb`).
 *
 *   vnf-lb --config CONFIG.json
 */
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { parseArgs } from 'node:util';
import { appendEvent } from '../runtime/events.js';

interface LbConfig {
  node: string;
  cluster: string;
  vip: string;
  vipPort: number;
  poolPort: number;
  control: { address: string; port: number };
  members: string[];
  events: string;
}
const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
const cfg = JSON.parse(readFileSync(values.config!, 'utf8')) as LbConfig;
let pool = [...cfg.members];
let next = 0;
const event = (detail: string) => {
  appendEvent(cfg.events, { node: cfg.node, kind: 'vnf-lb', detail });
  console.log(detail);
};

createServer((req, res) => {
  if (!pool.length) {
    res.writeHead(503, { connection: 'close' });
    return res.end('no member in the pool\n');
  }
  const backend = pool[next++ % pool.length]!;
  const up = request({ host: backend, port: cfg.poolPort, path: req.url, method: req.method, headers: req.headers, agent: false, timeout: 1000 }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('timeout', () => up.destroy(new Error('timeout')));
  up.on('error', (e) => {
    if (!res.headersSent) res.writeHead(502, { connection: 'close' });
    res.end(`member ${backend}: ${e.message}\n`);
  });
  req.pipe(up);
}).listen(cfg.vipPort, cfg.vip);

createServer((req, res) => {
  const reply = (code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify(body) + '\n');
  };
  if (req.url !== '/pool') return reply(404, { error: 'only /pool' });
  if (req.method === 'GET') return reply(200, { members: pool });
  let text = '';
  req.on('data', (c: Buffer) => (text += c.toString()));
  req.on('end', () => {
    try {
      const b = JSON.parse(text) as { members?: unknown };
      if (!Array.isArray(b.members) || !b.members.every((m) => typeof m === 'string' && /^[0-9.]+$/.test(m))) return reply(400, { error: 'members: a list of IPv4 addresses' });
      const before = pool.join(', ') || 'none';
      pool = b.members as string[];
      event(`${cfg.cluster} VIP ${cfg.vip}:${cfg.vipPort} pool ${before} -> ${pool.join(', ') || 'none'}`);
      reply(200, { members: pool });
    } catch (e) {
      reply(400, { error: (e as Error).message });
    }
  });
}).listen(cfg.control.port, cfg.control.address);

console.log(`vnf-lb: VIP ${cfg.vip}:${cfg.vipPort} -> ${pool.join(', ')} :${cfg.poolPort}; control ${cfg.control.address}:${cfg.control.port}`);
process.on('SIGTERM', () => process.exit(0));
