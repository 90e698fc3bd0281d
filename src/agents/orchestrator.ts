/**
 * orchestrator: seeds/000's monitoring orchestrator, in its own lab node. It runs HA init through
 * the TOR controller's API (request_nfv_ha_init, then request_nfv_ha_init_result every
 * poll-interval-ms until success), then pings the master UTM's mgmt address (one `ping -O` at the
 * monitor interval); N consecutive misses are a failure: it requests the fail-over, polls its
 * result at the same period, and then, if told to, has the slave announce its addresses
 * (gratuitous ARP; below). Every decision is a lab event (kind `orchestrator`); state.json holds
 * the phase for readiness and `halab status`. The decisions are src/plugins/services/orchestrator/core.ts.
 *
 *   orchestrator --config CONFIG.json
 *
 * Gratuitous ARP: the document's orchestrator reaches the VMs over ssh. With `utm-ha`, it promotes
 * the slave over the mgmt network (POST /promote to the slave's utm-ha agent, which lifts its fence
 * and announces its addresses); it promotes the master the same way after HA init and renews the
 * active UTM's lease until that UTM fails, so a UTM that comes back after a failure stays fenced.
 * Without it, the orchestrator enters the slave's namespace (`ip -n NS`) and announces from there
 * (src/agents/garp.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { classifyAccept, classifyPoll, Detector, haRequestBody, newReqId, parsePingLine, pollAt, type Detection } from '../plugins/services/orchestrator/core.js';
import type { OrchestratorConfig, OrchestratorPhase, OrchestratorState } from '../plugins/services/orchestrator/options.js';
import { appendEvent, monotonicMs } from '../runtime/events.js';
import { announce } from './garp.js';

const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
if (!values.config) {
  console.error('usage: orchestrator --config CONFIG.json');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(values.config, 'utf8')) as OrchestratorConfig;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const log = (msg: string) => console.log(`${monotonicMs().toFixed(3)} ${msg}`);

const state: OrchestratorState = { phase: 'starting', sinceMs: monotonicMs(), detail: 'starting', master: cfg.master.mgmt, lastReplyMs: null, init: null, failover: null };
function save(): void {
  const tmp = `${cfg.state}.tmp`;
  writeFileSync(tmp, JSON.stringify(state) + '\n');
  renameSync(tmp, cfg.state);
}
function phase(p: OrchestratorPhase, detail: string): void {
  Object.assign(state, { phase: p, sinceMs: monotonicMs(), detail });
  save();
}
function event(detail: string, tMs = monotonicMs()): void {
  appendEvent(cfg.events, { tMs, node: cfg.node, kind: 'orchestrator', detail });
  log(detail);
}

interface Answer {
  status: number | null;
  body: unknown;
  error?: string;
}

function call(path: string, body: unknown, to: { address: string; port: number } = cfg.controller): Promise<Answer> {
  const text = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      { host: to.address, port: to.port, path: `/${path}`, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }, timeout: 2000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = raw;
          try {
            parsed = JSON.parse(raw);
          } catch {
            // not JSON: kept as text
          }
          resolve({ status: res.statusCode ?? null, body: parsed });
        });
        res.on('error', (e) => resolve({ status: null, body: null, error: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 2 s')));
    req.on('error', (e) => resolve({ status: null, body: null, error: e.message }));
    req.end(text);
  });
}

type Kind = 'init' | 'failover';

/** Send request_nfv_ha_KIND until the controller answers; returns when it was accepted, or null. */
async function submit(kind: Kind, reqId: string): Promise<number | null> {
  const body = haRequestBody(cfg, reqId);
  let complained = false;
  for (;;) {
    const t = monotonicMs();
    const a = await call(`request_nfv_ha_${kind}`, body);
    const o = classifyAccept(a.status, a.body, a.error);
    if (o.kind === 'accepted') {
      event(`request_nfv_ha_${kind} ${reqId} accepted (${a.status}): ${cfg.vmName}, master port ${cfg.master.port}, slave port ${cfg.slave.port}, ${Object.entries(cfg.currentVlans).map(([k, v]) => `${k} ${v}`).join(', ')}`, t);
      return t;
    }
    if (o.kind === 'rejected') {
      event(`request_nfv_ha_${kind} ${reqId} rejected: ${o.reason}`);
      return null;
    }
    if (!complained) log(`request_nfv_ha_${kind}: controller ${cfg.controller.address}:${cfg.controller.port} not answering (${o.reason}); retrying every 200 ms`);
    complained = true;
    await sleep(200);
  }
}

/** Poll request_nfv_ha_KIND_result every poll-interval-ms until it is no longer pending. */
async function result(kind: Kind, reqId: string, acceptedMs: number): Promise<{ ok: boolean; reason?: string; tMs: number; polls: number }> {
  for (let k = 1; ; k++) {
    await sleep(pollAt(acceptedMs, k, cfg.pollIntervalMs) - monotonicMs());
    const t = monotonicMs();
    const a = await call(`request_nfv_ha_${kind}_result`, { req_id: reqId });
    const o = classifyPoll(a.status, a.body, a.error);
    if (o.kind === 'pending' || o.kind === 'retry') {
      event(`request_nfv_ha_${kind}_result ${reqId}: ${o.kind === 'pending' ? 'pending' : `no answer (${o.reason})`} (poll ${k})`, t);
      continue;
    }
    if (o.kind === 'success') {
      event(`request_nfv_ha_${kind}_result ${reqId}: success (poll ${k}, ${Math.round(t - acceptedMs)} ms after the request${o.elapsedMs !== null ? `; the TOR took ${o.elapsedMs} ms` : ''})`, t);
      return { ok: true, tMs: t, polls: k };
    }
    event(`request_nfv_ha_${kind}_result ${reqId}: ${o.kind === 'failed' ? 'failed' : 'refused'}: ${o.reason} (poll ${k})`, t);
    return { ok: false, reason: o.reason, tMs: t, polls: k };
  }
}

/** Have each configured interface announce its addresses, from inside the slave's namespace. */
async function gratuitousArp(): Promise<void> {
  for (const g of cfg.garp) {
    const t = monotonicMs();
    try {
      const mac = await announce(g.kname, g.ns);
      event(`gratuitous ARP from ${g.node} ${g.iface} (${mac}): ${g.addresses.join(', ') || 'no IPv4 address'}`, t);
    } catch (e) {
      event(`gratuitous ARP from ${g.node} ${g.iface} failed: ${(e as Error).message}`);
    }
  }
}

type Side = 'master' | 'slave';
/** The UTM whose lease the orchestrator renews: the one it considers active. */
let active: Side | null = null;

/** Promote a UTM through its utm-ha agent, retrying every 200 ms until it answers 200. */
async function promote(side: Side, announceIt: boolean): Promise<void> {
  const u = cfg.utmHa!;
  let complained = false;
  for (;;) {
    const t = monotonicMs();
    const a = await call('promote', { lease_ms: u.leaseMs, announce: announceIt }, u[side]);
    if (a.status === 200) {
      active = side;
      return event(`promoted the ${side} ${u[side].address} (utm-ha: active, lease ${u.leaseMs} ms${announceIt ? ', announcing its addresses' : ', no announcement'})`, t);
    }
    if (!complained) log(`promote ${side} ${u[side].address}:${u[side].port}: ${a.error ?? `${a.status} ${JSON.stringify(a.body)}`}; retrying every 200 ms`);
    complained = true;
    await sleep(200);
  }
}

/** Renew the active UTM's lease every leaseMs / 4; a UTM that fenced itself meanwhile is promoted again. */
function renewLoop(): void {
  const u = cfg.utmHa!;
  let failing = false;
  const tick = async () => {
    const side = active;
    if (side) {
      const a = await call('renew', { lease_ms: u.leaseMs }, u[side]);
      if (active === side && a.status === 409) {
        event(`the ${side} ${u[side].address} had fenced itself (${String((a.body as Record<string, unknown>)?.['reason'] ?? 'lease ran out')}): promoting it again`);
        await promote(side, true);
      } else if (a.status !== 200 && !failing) log(`renew ${side}: ${a.error ?? `${a.status} ${JSON.stringify(a.body)}`}`);
      failing = a.status !== 200;
    }
    setTimeout(() => void tick(), u.leaseMs / 4);
  };
  void tick();
}

/** Ping the master until the detector fires; resolves with the detection. */
function monitor(): Promise<Detection> {
  const det = new Detector(cfg.misses);
  const interval = (cfg.intervalMs / 1000).toFixed(3);
  return new Promise((resolve) => {
    let ping: ChildProcess | null = null;
    let done = false;
    const start = () => {
      ping = spawn('ping', ['-n', '-O', '-i', interval, cfg.master.mgmt], { stdio: ['ignore', 'pipe', 'pipe'] });
      createInterface({ input: ping.stdout! }).on('line', (line) => {
        const t = monotonicMs();
        const p = parsePingLine(line);
        if (!p || done) return;
        const wasArmed = det.armed;
        const d = det.observe(p, t);
        if (p.ok) {
          state.lastReplyMs = t;
          if (!wasArmed) {
            phase('monitoring', `pinging ${cfg.master.mgmt} every ${cfg.intervalMs} ms; ${cfg.misses} misses = failure`);
            event(`master ${cfg.master.mgmt} answers: monitoring every ${cfg.intervalMs} ms, failure after ${cfg.misses} missed replies`, t);
          }
        } else if (det.armed) log(`miss: ${line.trim()} (${det.consecutive}/${cfg.misses})`);
        if (d) {
          done = true;
          ping?.kill('SIGKILL');
          resolve(d);
        }
      });
      createInterface({ input: ping.stderr! }).on('line', (line) => log(`ping: ${line}`));
      ping.on('exit', () => {
        // ping gives up on some errors (no route while an interface is down): start it again.
        if (!done) setTimeout(start, cfg.intervalMs);
      });
    };
    start();
  });
}

async function main(): Promise<void> {
  save();
  log(`orchestrator: node ${cfg.node}: controller ${cfg.controller.address}:${cfg.controller.port}, master ${cfg.master.mgmt} (port ${cfg.master.port}), slave ${cfg.slave.mgmt ?? '-'} (port ${cfg.slave.port})`);

  const initId = cfg.reqIds.init ?? newReqId(randomBytes(8));
  phase('init', `HA init ${initId}`);
  state.init = { reqId: initId, status: 'requesting' };
  const accepted = await submit('init', initId);
  if (accepted === null) {
    state.init.status = 'rejected';
    return phase('error', `HA init ${initId} was rejected (see the events)`);
  }
  state.init.status = 'pending';
  save();
  const init = await result('init', initId, accepted);
  state.init = { reqId: initId, status: init.ok ? 'success' : 'failed', ...(init.reason ? { reason: init.reason } : {}) };
  if (!init.ok) return phase('error', `HA init ${initId} failed: ${init.reason}`);

  if (cfg.utmHa) {
    phase('promoting', `promoting the master ${cfg.master.mgmt} through utm-ha`);
    await promote('master', true);
    renewLoop();
  }
  phase('waiting-master', `waiting for a reply from the master ${cfg.master.mgmt}`);
  const d = await monitor();
  const tDetect = monotonicMs();
  // A failed master is not renewed: its lease runs out and it fences itself, wherever it is.
  if (active === 'master') active = null;
  const failId = cfg.reqIds.failover ?? newReqId(randomBytes(8));
  state.failover = { reqId: failId, status: 'requesting', detectedMs: tDetect };
  phase('failover', `master ${cfg.master.mgmt} failed; fail-over ${failId}`);
  event(`master ${cfg.master.mgmt} failed: ${d.misses} replies missed${d.lastReplyMs !== null ? `, the last reply ${Math.round(tDetect - d.lastReplyMs)} ms ago` : ''}`, tDetect);
  const acc = await submit('failover', failId);
  if (acc === null) {
    state.failover.status = 'rejected';
    return phase('error', `fail-over ${failId} was rejected (see the events)`);
  }
  Object.assign(state.failover, { status: 'pending', requestedMs: acc });
  save();
  const r = await result('failover', failId, acc);
  Object.assign(state.failover, { status: r.ok ? 'success' : 'failed', resultMs: r.tMs, ...(r.reason ? { reason: r.reason } : {}) });
  if (!r.ok) return phase('error', `fail-over ${failId} failed: ${r.reason}`);
  if (cfg.utmHa) await promote('slave', cfg.utmHa.announce);
  else if (cfg.garp.length) await gratuitousArp();
  phase('failed-over', `fail-over ${failId} done ${Math.round(r.tMs - tDetect)} ms after detection; the slave ${cfg.slave.mgmt ?? `on port ${cfg.slave.port}`} is active (monitoring stopped)`);
}

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
main().catch((e: Error) => {
  log(`error: ${e.stack ?? e.message}`);
  phase('error', e.message);
});
// Stay up after the work is done (status reads the state; `down` stops it).
setInterval(() => undefined, 1 << 30);
