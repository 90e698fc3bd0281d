/**
 * utm-ha: the fencing member of a UTM pair, in the UTM's namespace, serving a small HTTP/JSON API
 * on the UTM's mgmt address (the decisions are src/plugins/services/utm-ha/core.ts). It fences the
 * shared addresses at start (nftables: no ARP, no IP on those interfaces), so that a UTM started
 * or restarted never answers for them until the orchestrator promotes it; a promotion lifts the
 * fence and may announce the addresses (gratuitous ARP); a lease that runs out fences it again.
 * Every change of role is a lab event (kind `utm-ha`).
 *
 *   utm-ha --config CONFIG.json
 */
import { execFile } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { fenceScript, unfenceScript, UtmHa, type Change } from '../plugins/services/utm-ha/core.js';
import type { UtmHaConfig, UtmHaState } from '../plugins/services/utm-ha/options.js';
import { appendEvent, monotonicMs } from '../runtime/events.js';
import { announce } from './garp.js';

const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
if (!values.config) {
  console.error('usage: utm-ha --config CONFIG.json');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(values.config, 'utf8')) as UtmHaConfig;
const ha = new UtmHa();
const knames = cfg.interfaces.map((i) => i.kname);
const routed = cfg.interfaces.filter((i) => !i.bridge).map((i) => i.kname);
const names = cfg.interfaces.map((i) => i.iface).join(', ');
const log = (msg: string) => console.log(`${monotonicMs().toFixed(3)} ${msg}`);
const event = (detail: string, tMs = monotonicMs()) => {
  appendEvent(cfg.events, { tMs, node: cfg.node, kind: 'utm-ha', detail });
  log(detail);
};
let listening: string | null = null;
let sinceMs = monotonicMs();

function save(): void {
  const s: UtmHaState = { listening, role: ha.role, sinceMs, reason: ha.reason, leaseUntilMs: ha.leaseUntilMs };
  writeFileSync(`${cfg.state}.tmp`, JSON.stringify(s) + '\n');
  renameSync(`${cfg.state}.tmp`, cfg.state);
}

function nft(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = execFile('nft', ['-f', '-'], { timeout: 5000 }, (e, _o, stderr) => (e ? reject(new Error(`nft: ${String(stderr).trim() || e.message}`)) : resolve()));
    p.stdin!.end(script);
  });
}

// Changes are applied one at a time, in the order decided.
let queue: Promise<unknown> = Promise.resolve();
function apply(c: Change): void {
  const t = monotonicMs();
  queue = queue.then(async () => {
    try {
      if (c.role === 'standby') {
        await nft(fenceScript(knames, routed));
        sinceMs = t;
        event(`standby: ${c.reason}; fenced ${names} (no ARP, no IP)`, t);
      } else {
        await nft(unfenceScript()).catch(() => undefined); // promoted again: no fence to lift
        sinceMs = t;
        event(`active: ${c.reason}; ${names} unfenced`, t);
        if (c.announce)
          await Promise.all(
            cfg.interfaces.map(async (i) => {
              const mac = await announce(i.kname, null).catch((e: Error) => `failed: ${e.message}`);
              event(`gratuitous ARP from ${cfg.node} ${i.iface} (${mac}): ${i.addresses.join(', ') || 'no IPv4 address'}`);
            }),
          );
      }
    } catch (e) {
      event(`${c.role}: applying it failed: ${(e as Error).message}`);
    }
    save();
  });
}

await nft(fenceScript(knames, routed));
event(`standby: ${ha.reason}; fenced ${names} (no ARP, no IP)`);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= 65536) chunks.push(c);
  });
  req.on('end', () => {
    const from = req.socket.remoteAddress ?? '?';
    const r = size > 65536 ? { status: 413, body: { error: 'body larger than 64 KiB' } } : ha.handle(req.method ?? 'GET', req.url ?? '/', Buffer.concat(chunks).toString('utf8'), monotonicMs(), from);
    if (r.status >= 400) log(`${from} ${req.method} ${req.url} -> ${r.status} ${JSON.stringify(r.body)}`);
    if ('change' in r && r.change) apply(r.change);
    const text = JSON.stringify(r.body) + '\n';
    res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
server.on('error', (e) => {
  console.error(`utm-ha: ${cfg.address}:${cfg.port}: ${e.message}`);
  process.exit(1);
});
server.listen(cfg.port, cfg.address, () => {
  listening = `${cfg.address}:${cfg.port}`;
  save();
  log(`utm-ha: node ${cfg.node}: listening on ${listening}; shared addresses on ${names}`);
});

// The lease is checked every 50 ms: a lapse is acted on within that.
setInterval(() => {
  const c = ha.tick(monotonicMs());
  if (c) apply(c);
}, 50);

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
