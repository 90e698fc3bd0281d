/**
 * sfc-agent: the vnffg-ha engine of seeds/002 for one OVS node's service chain. It programs the
 * chain (src/plugins/services/sfc/chain.ts) as one OpenFlow bundle per update, monitors each
 * instance in a group (Tacker's `ping`: iputils ping at `interval` with `timeout`, or `http_ping`:
 * an HTTP GET to `port`; `retry` misses in a row = failed) and runs the policy's actions
 * (`respawn` onto the first spare, `notify` as an event). Requests (one JSON line over TCP, one
 * JSON line back): {"op": "scale-out"|"scale-in"|"respawn"|"show"|"placement", ...}.
 * Events: `sfc-monitor` (a detection), `sfc` (a chain update, stamped when the new flows are in
 * place), `sfc-notify`, `sfc-placement`.
 *
 *   sfc-agent --config CONFIG.json
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Detector, parsePingLine, type Probe } from '../plugins/services/orchestrator/core.js';
import { members, parsePlacement, renderFlows } from '../plugins/services/sfc/chain.js';
import { groupOf, initialState, update, type EngineState, type Request } from '../plugins/services/sfc/engine.js';
import type { SfcState } from '../plugins/services/sfc/index.js';
import type { AgentConfig } from '../plugins/services/sfc/options.js';
import { appendEvent, monotonicMs } from '../runtime/events.js';
import { run } from '../runtime/netns/proc.js';

const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
if (!values.config) {
  console.error('usage: sfc-agent --config CONFIG.json');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(values.config, 'utf8')) as AgentConfig;
const log = (msg: string) => console.log(`${monotonicMs().toFixed(3)} ${msg}`);
const event = (kind: string, detail: string, tMs = monotonicMs()) => {
  appendEvent(cfg.events, { tMs, node: cfg.node, kind, detail });
  log(`${kind}: ${detail}`);
};

let st: EngineState = initialState(cfg.chain);
let flows: string[] = [];
let updates = 0;
const health: Record<string, 'up' | 'down' | 'unknown'> = {};

function save(): void {
  const s: SfcState = {
    pid: process.pid,
    address: cfg.address,
    port: cfg.port,
    groups: Object.fromEntries(Object.entries(st.order).map(([g, ps]) => [g, { members: Object.fromEntries(ps.map((p) => [p, st.slots[g]!.filter((x) => x === p).length])) }])),
    spares: st.spares,
    failed: st.failed,
    monitoring: health,
    flows: flows.length,
    updates,
  };
  const tmp = `${cfg.state}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 1) + '\n');
  renameSync(tmp, cfg.state);
}

let seq = 0;
/** Replace the bridge's flow table in one OpenFlow bundle: packets see the old chain or the new. */
async function install(table: string[]): Promise<string | null> {
  const file = `${cfg.dir}/flows-${++seq % 2}.txt`;
  writeFileSync(file, table.join('\n') + '\n');
  const r = await run(['ovs-ofctl', '-O', 'OpenFlow14', '--bundle', 'replace-flows', cfg.chain.bridge, file]);
  return r.code === 0 ? null : r.stderr.trim() || `ovs-ofctl exited ${r.code}`;
}

// ---- monitoring --------------------------------------------------------------------------------

const monitors = new Map<string, () => void>();

/** One instance's probe loop; `onFail` runs once, after `retry` misses in a row. */
function startMonitor(pair: string): void {
  const m = cfg.monitoring;
  const addr = cfg.chain.pairs[pair]?.mgmt;
  if (!m || !addr || monitors.has(pair)) return;
  const det = new Detector(m.retry);
  health[pair] = 'unknown';
  let stopped = false;
  let child: ChildProcess | null = null;
  let timer: NodeJS.Timeout | null = null;
  const stop = () => {
    stopped = true;
    child?.kill('SIGKILL');
    if (timer) clearTimeout(timer);
    monitors.delete(pair);
  };
  monitors.set(pair, stop);
  const seen = (p: Probe) => {
    if (stopped) return;
    const t = monotonicMs();
    const wasArmed = det.armed;
    const d = det.observe(p, t);
    if (p.ok && health[pair] !== 'up') {
      health[pair] = 'up';
      save();
      if (!wasArmed) log(`monitor: ${pair} (${addr}) answers`);
    }
    if (!d) return;
    stop();
    health[pair] = 'down';
    save();
    const how = m.driver === 'ping' ? `${d.misses} pings unanswered` : `${d.misses} HTTP GETs to port ${m.port} failed`;
    event('sfc-monitor', `${pair} (${addr}) down: ${how}, last reply ${d.lastReplyMs === null ? 'never' : `${(t - d.lastReplyMs).toFixed(0)} ms before`}`, t);
    void onFailure(pair, how);
  };
  if (m.driver === 'ping') {
    const start = () => {
      if (stopped) return;
      child = spawn('ping', ['-n', '-O', '-i', String(m.interval), '-W', String(m.timeout), addr], { stdio: ['ignore', 'pipe', 'ignore'] });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const p = parsePingLine(line);
        if (p) seen(p);
      });
      // ping gives up on some errors (no route while a link is down): start it again.
      child.on('exit', () => {
        if (!stopped) timer = setTimeout(start, m.interval * 1000);
      });
    };
    start();
  } else {
    let n = 0;
    const probe = () => {
      if (stopped) return;
      const seqNo = ++n;
      const t0 = Date.now();
      let settled = false;
      const done = (ok: boolean) => {
        if (settled) return;
        settled = true;
        seen({ seq: seqNo, ok });
        timer = setTimeout(probe, Math.max(0, m.interval * 1000 - (Date.now() - t0)));
      };
      const req = request({ host: addr, port: m.port, path: '/', timeout: m.timeout * 1000, agent: false }, (res) => {
        res.resume();
        done((res.statusCode ?? 500) < 500);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(false));
      req.end();
    };
    probe();
  }
}

async function onFailure(pair: string, how: string): Promise<void> {
  const m = cfg.monitoring!;
  if (m.actions.includes('notify')) event('sfc-notify', `${pair} failed (${m.driver}: ${how}); actions: ${m.actions.join(', ')}`);
  if (m.actions.includes('respawn')) {
    const r = await enqueue({ op: 'respawn', pair, reason: `${m.driver} failure` });
    if (r.result === 'error') event('sfc-monitor', `respawn of ${pair} failed: ${String(r.error)}`);
  }
}

// ---- updates ------------------------------------------------------------------------------------

interface Reply {
  result: 'success' | 'error';
  [k: string]: unknown;
}

function show(): Reply {
  return { result: 'success', groups: Object.fromEntries(Object.entries(st.order).map(([g, ps]) => [g, ps])), spares: st.spares, failed: st.failed, monitoring: health, flows: flows.length, updates };
}

async function handle(r: Request | { op: 'show' } | { op: 'placement' }): Promise<Reply> {
  if (r.op === 'show') return show();
  if (r.op === 'placement') {
    const d = await run(['ovs-appctl', 'dpctl/dump-flows', '--names']);
    if (d.code !== 0) return { result: 'error', error: d.stderr.trim() };
    const placement = parsePlacement(d.stdout, cfg.chain);
    event('sfc-placement', placement.map((p) => `${p.key} via ${p.pairs.join(',')}`).join('; ') || 'no traffic in the chain');
    return { result: 'success', placement };
  }
  if (!['scale-out', 'scale-in', 'respawn'].includes((r as { op: string }).op)) return { result: 'error', error: `unknown op '${(r as { op: string }).op}' (scale-out, scale-in, respawn, show, placement)` };
  const t0 = monotonicMs();
  let u;
  try {
    u = update(st, r);
  } catch (e) {
    return { result: 'error', error: (e as Error).message };
  }
  const table = renderFlows(cfg.chain, u.state.slots, u.state.spares);
  const err = await install(table);
  if (err) return { result: 'error', error: `installing the updated chain failed, nothing changed: ${err}` };
  const tMs = monotonicMs();
  st = u.state;
  flows = table;
  updates++;
  if (u.removed) {
    monitors.get(u.removed)?.();
    delete health[u.removed];
  }
  if (u.added) startMonitor(u.added);
  event('sfc', `${u.detail} (${(tMs - t0).toFixed(1)} ms)`, tMs);
  save();
  return { ...show(), detail: u.detail, applyMs: Number((tMs - t0).toFixed(3)) };
}

let queue: Promise<unknown> = Promise.resolve();
function enqueue(r: Parameters<typeof handle>[0]): Promise<Reply> {
  const p = queue.then(() => handle(r)).catch((e: Error) => ({ result: 'error' as const, error: `agent: ${e.message}` }));
  queue = p;
  return p;
}

function serve(sock: Socket): void {
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buf += d;
    if (buf.length > 65536) sock.end(JSON.stringify({ result: 'error', error: 'request too long' }) + '\n');
  });
  sock.on('end', () => {
    let req: Parameters<typeof handle>[0];
    try {
      req = JSON.parse(buf) as typeof req;
      if (typeof req !== 'object' || req === null || typeof req.op !== 'string') throw new Error('not {"op": ...}');
    } catch (e) {
      sock.end(JSON.stringify({ result: 'error', error: `bad request: ${(e as Error).message}` }) + '\n');
      return;
    }
    void enqueue(req).then((reply) => sock.end(JSON.stringify(reply) + '\n'));
  });
  sock.on('error', () => sock.destroy());
}

flows = renderFlows(cfg.chain, st.slots, st.spares);
const initErr = await install(flows);
if (initErr) {
  console.error(`sfc-agent: cannot program bridge ${cfg.chain.bridge}: ${initErr}`);
  process.exit(1);
}
const server = createServer({ allowHalfOpen: true }, serve);
server.on('error', (e) => {
  console.error(`sfc-agent: ${e.message}`);
  process.exit(1);
});
server.listen(cfg.port, cfg.address, () => {
  save();
  const groups = Object.entries(st.order).map(([g, ps]) => `${g}(${ps.join(',')})`).join(' -> ');
  log(`sfc-agent: chain ${groups} on ${cfg.chain.bridge} (${flows.length} flows); spares ${Object.values(st.spares).flat().join(', ') || 'none'}; API on ${cfg.address}:${cfg.port}`);
  const m = cfg.monitoring;
  if (m)
    setTimeout(() => {
      for (const g of Object.keys(st.order)) for (const p of members(st.slots[g]!)) if (groupOf(st, p)) startMonitor(p);
      log(`monitor: ${m.driver} every ${m.interval} s, timeout ${m.timeout} s, ${m.retry} misses = failure; actions ${m.actions.join(', ')}`);
    }, m.monitoring_delay * 1000);
});
const quit = () => {
  for (const stop of [...monitors.values()]) stop();
  process.exit(0);
};
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
