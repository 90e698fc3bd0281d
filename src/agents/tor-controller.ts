/**
 * tor-controller: seeds/000's TOR switch controller, an HTTP/JSON server in the switch node's
 * namespace. It answers the document's four calls (request_nfv_ha_init, request_nfv_ha_failover
 * and their _result polls; the logic is src/plugins/services/tor-controller/core.ts) and moves
 * VLANs on the node's own OVS with `ovs-vsctl set port P trunks=...`. Every request and every VLAN
 * change is a lab event (`tor-request`, `tor-vlan`); state.json holds the ports' VLANs and the
 * requests, for readiness and `halab status`.
 *
 *   tor-controller --config CONFIG.json
 */
import { execFile } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { MAX_BODY_BYTES, recordView, TorController, type SwitchDriver } from '../plugins/services/tor-controller/core.js';
import type { TorControllerConfig, TorControllerState } from '../plugins/services/tor-controller/options.js';
import { appendEvent, monotonicMs } from '../runtime/events.js';

const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
if (!values.config) {
  console.error('usage: tor-controller --config CONFIG.json');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(values.config, 'utf8')) as TorControllerConfig;
const ports = new Map(Object.entries(cfg.ports).map(([k, v]) => [Number(k), v]));
const ctl = new TorController({ ports, sharedVlans: new Set(cfg.sharedVlans) });

const log = (msg: string) => console.log(`${monotonicMs().toFixed(3)} ${msg}`);

function vsctl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ovs-vsctl', [`--db=${cfg.db}`, '--timeout=5', ...args], { timeout: 10_000 }, (e, stdout, stderr) => {
      if (e) reject(new Error(`ovs-vsctl ${args.join(' ')}: ${String(stderr).trim() || e.message}`));
      else resolve(String(stdout).trim());
    });
  });
}

/** `[113, 114]` or `[]` (ovs-vsctl get ... trunks) -> numbers. */
const parseSet = (text: string) => (text.replace(/[[\]\s]/g, '') ? text.replace(/[[\]\s]/g, '').split(',').map(Number) : []);

const driver: SwitchDriver = {
  async trunks(p) {
    return parseSet(await vsctl(['get', 'port', p, 'trunks']));
  },
  async setTrunks(p, trunks) {
    // An empty list would mean "every VLAN" to OVS; core.ts never asks for one.
    if (!trunks.length) throw new Error(`refusing to set an empty trunk list on ${p}`);
    await vsctl(['set', 'port', p, `trunks=${trunks.join(',')}`]);
    log(`${p} trunks=${trunks.join(',')}`);
  },
  async linkUp(p) {
    return (await vsctl(['get', 'interface', p, 'link_state'])).replace(/"/g, '') === 'up';
  },
};

let listening: string | null = null;
const trunksNow = new Map<number, number[] | null>();

function saveState(): void {
  const s: TorControllerState = {
    listening,
    pid: process.pid,
    ports: [...ports].map(([port, tor]) => ({ port, tor_port: tor, trunks: trunksNow.get(port) ?? null })),
    requests: [...ctl.requests.values()].map((r) => {
      const v = recordView(r);
      return { req_id: r.req.reqId, request: String(v['request']), vm_name: r.req.vmName, status: r.status, ...(r.reason ? { reason: r.reason } : {}) };
    }),
  };
  const tmp = `${cfg.state}.tmp`;
  writeFileSync(tmp, JSON.stringify(s) + '\n');
  renameSync(tmp, cfg.state);
}

async function refreshTrunks(): Promise<void> {
  for (const [port, tor] of ports) trunksNow.set(port, await driver.trunks(tor).catch(() => null));
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

// One request at a time changes the switch, in the order they were accepted.
let queue: Promise<unknown> = Promise.resolve();

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) return send(res, 413, { error: `body is larger than ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
    chunks.push(c as Buffer);
  }
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const reply = ctl.handle(method, url, Buffer.concat(chunks).toString('utf8'), monotonicMs());
  if (reply.status === 200 && url.split('?')[0]!.replace(/\/+$/, '') === '/ports') {
    await refreshTrunks();
    saveState();
    return send(res, 200, { ports: [...ports].map(([port, tor]) => ({ port, tor_port: tor, trunks: trunksNow.get(port) ?? null, shared_vlans: cfg.sharedVlans })) });
  }
  const from = `${req.socket.remoteAddress ?? '?'}`;
  log(`${from} ${method} ${url} -> ${reply.status} ${JSON.stringify(reply.body)}`);
  if (reply.status >= 400 && url !== '/favicon.ico')
    appendEvent(cfg.events, { node: cfg.node, kind: 'tor-request', detail: `${method} ${url.split('?')[0]} from ${from} refused (${reply.status}): ${String(reply.body['error'])}` });
  send(res, reply.status, reply.body, reply.headers);
  if (reply.job) {
    const job = reply.job;
    queue = queue.then(async () => {
      await ctl.run(job, driver, monotonicMs, (e) => appendEvent(cfg.events, { node: cfg.node, kind: e.kind, detail: e.detail }));
      log(`${job.record.kind} ${job.record.req.reqId} ${job.record.status}${job.record.reason ? `: ${job.record.reason}` : ''}`);
      await refreshTrunks();
      saveState();
    });
  } else saveState();
}

const server = createServer((req, res) => {
  serve(req, res).catch((e: Error) => {
    log(`error: ${e.stack ?? e.message}`);
    if (!res.headersSent) send(res, 500, { error: e.message });
  });
});
server.on('error', (e) => {
  console.error(`tor-controller: ${cfg.address}:${cfg.port}: ${e.message}`);
  process.exit(1);
});

await refreshTrunks();
server.listen(cfg.port, cfg.address, () => {
  listening = `${cfg.address}:${cfg.port}`;
  saveState();
  log(`tor-controller: node ${cfg.node}: listening on ${listening}; ports ${[...ports].map(([p, t]) => `${p}=${t} [${trunksNow.get(p)?.join(',') ?? '?'}]`).join(', ')}; shared VLANs ${cfg.sharedVlans.join(', ') || 'none'}`);
});

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
