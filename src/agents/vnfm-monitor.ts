/**
 * vnfm-monitor: the VNFM's monitor for one cluster (seeds/002's Tacker cluster with its VNFD
 * monitoring policies and Zabbix app monitoring), on a node of the lab's mgmt network. It sets
 * the LB pool to the active members, watches each member after monitoring_delay (ping: `ping -O`
 * at the interval, `count` misses; http_ping: `retry` failed GETs), and on a failure runs the
 * policy's actions: failover (the standby takes the VIP), respawn (a VIM creates a new member;
 * after a fail-over it is the new standby), notify. App monitoring reads each member's agent
 * every update_interval and runs a trigger's command after trigger_count hits in a row. Every
 * detection and action is a lab event (kind `vnfm`); state.json feeds readiness and status.
 * The decisions are src/plugins/services/vnf/core.ts.
 *
 *   vnfm-monitor --config CONFIG.json
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { HttpPingPolicy, MonitorPolicy, PingPolicy } from '../model/cluster.js';
import { Detector, parsePingLine } from '../plugins/services/orchestrator/core.js';
import { Consecutive, memberName, pickHost, plannedActions, triggerExpression, triggerHit, type AppSample } from '../plugins/services/vnf/core.js';
import type { MemberState, VnfmConfig, VnfmState } from '../plugins/services/vnf/options.js';
import { appendEvent, monotonicMs } from '../runtime/events.js';
import { intToV4, v4ToInt } from '../util/ip.js';

const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
const cfg = JSON.parse(readFileSync(values.config!, 'utf8')) as VnfmConfig;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const log = (msg: string) => console.log(`${monotonicMs().toFixed(3)} ${msg}`);
const event = (detail: string, tMs = monotonicMs()) => {
  appendEvent(cfg.events, { tMs, node: cfg.node, kind: 'vnfm', detail });
  log(detail);
};

const state: VnfmState = { phase: 'starting', detail: 'starting', cluster: cfg.cluster, vip: `${cfg.lb.vip}:${cfg.lb.vipPort}`, pool: [], members: cfg.members.map((m, i) => ({ ...m, id: i + 1, status: 'PENDING', sinceMs: monotonicMs() })) };
let nextN = cfg.members.length + 1;
let nextAddr = v4ToInt(cfg.members[cfg.members.length - 1]!.address) + 1;
const stops = new Map<string, (() => void)[]>();
function save(): void {
  writeFileSync(`${cfg.state}.tmp`, JSON.stringify(state) + '\n');
  renameSync(`${cfg.state}.tmp`, cfg.state);
}

interface Answer {
  status: number | null;
  body: unknown;
  error?: string;
}
function http(host: string, port: number, method: string, path: string, body?: unknown, timeoutMs = 1000): Promise<Answer> {
  const text = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request({ host, port, path, method, agent: false, timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' } }, (res) => {
      let raw = '';
      res.on('data', (c: Buffer) => (raw += c.toString()));
      res.on('end', () => {
        let parsed: unknown = raw;
        try {
          parsed = JSON.parse(raw);
        } catch {
          // text
        }
        resolve({ status: res.statusCode ?? null, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve({ status: null, body: null, error: e.message }));
    req.end(text);
  });
}

async function setPool(why: string): Promise<void> {
  const members = state.members.filter((m) => m.role === 'active' && m.status === 'ACTIVE').map((m) => m.address);
  const t = monotonicMs();
  const a = await http(cfg.lb.address, cfg.lb.port, 'PUT', '/pool', { members });
  if (a.status !== 200) return event(`LB pool update failed (${a.status ?? a.error}): ${why}`);
  state.pool = members;
  save();
  event(`LB pool of VIP ${state.vip} = ${members.join(', ') || 'none'} (${why}; the LB answered in ${Math.round(monotonicMs() - t)} ms)`, t);
}

/** ping: one `ping -O` per member; `count` probes missed in a row = failed. */
function watchPing(m: MemberState, p: PingPolicy): () => void {
  const det = new Detector(p.count);
  let ping: ChildProcess | null = null;
  let done = false;
  const start = () => {
    ping = spawn('ping', ['-n', '-O', '-i', String(p.intervalS), '-W', String(p.timeoutS), m.address], { stdio: ['ignore', 'pipe', 'ignore'] });
    createInterface({ input: ping.stdout! }).on('line', (line) => {
      const t = monotonicMs();
      const probe = parsePingLine(line);
      if (!probe || done) return;
      const d = det.observe(probe, t);
      if (d) {
        done = true;
        ping?.kill('SIGKILL');
        void failed(m, p, `ping: ${d.misses} replies missed in a row (count ${p.count}, interval ${p.intervalS} s)${d.lastReplyMs !== null ? `, the last reply ${Math.round(t - d.lastReplyMs)} ms ago` : ''}`, t);
      }
    });
    ping.on('exit', () => {
      if (!done) setTimeout(start, p.intervalS * 1000);
    });
  };
  start();
  return () => {
    done = true;
    ping?.kill('SIGKILL');
  };
}

/** http_ping: GET / on the port every second, `retry` failures in a row = failed. */
function watchHttp(m: MemberState, p: HttpPingPolicy): () => void {
  const c = new Consecutive(p.retry);
  let done = false;
  void (async () => {
    while (!done) {
      const t = monotonicMs();
      const a = await http(m.address, p.port, 'GET', '/', undefined, p.timeoutS * 1000);
      if (done) return;
      if (c.observe(a.status === 200)) {
        done = true;
        return failed(m, p, `http_ping: ${p.retry} requests to port ${p.port} failed in a row (${a.status ?? a.error})`, monotonicMs());
      }
      await sleep(t + 1000 - monotonicMs());
    }
  })();
  return () => void (done = true);
}

/** Zabbix-style app monitoring: read the agent's items; trigger_count hits in a row run the command. */
function watchApp(m: MemberState): () => void {
  const app = cfg.app!;
  const counters = app.triggers.map((t) => new Consecutive(app.triggerCount));
  let done = false;
  void (async () => {
    while (!done) {
      const t = monotonicMs();
      const a = await http(m.address, 10050, 'GET', '/status', undefined, 800);
      if (done) return;
      // An agent that does not answer is the node's failure, which the ping policy handles.
      if (a.status === 200) {
        const s = a.body as AppSample;
        for (const [i, trig] of app.triggers.entries()) {
          if (!counters[i]!.observe(!triggerHit(trig, s))) continue;
          event(`${m.name} trigger ${triggerExpression(trig, app)} fired (${trig.item} ${trig.item === 'app_status' ? s.app : trig.item === 'app_memory' ? `${s.memMb} MB` : `${s.cpuPct} %`}, ${app.triggerCount} reads ${app.updateIntervalS} s apart)`);
          const t0 = monotonicMs();
          const r = await http(m.address, 10050, 'POST', `/service/${trig.verb}`, {}, 5000);
          event(`${m.name} cmd-action '${trig.command}': ${r.status === 200 ? `done in ${Math.round(monotonicMs() - t0)} ms` : `failed (${r.status ?? r.error})`}`, t0);
        }
      }
      await sleep(t + app.updateIntervalS * 1000 - monotonicMs());
    }
  })();
  return () => void (done = true);
}

function watch(m: MemberState): void {
  const s: (() => void)[] = [];
  for (const p of cfg.policies) s.push(p.name === 'ping' ? watchPing(m, p) : watchHttp(m, p));
  if (cfg.app) s.push(watchApp(m));
  stops.set(m.name, s);
}

/** Wait for a member's agent and app, then (after monitoring_delay) watch it. */
async function bringUp(m: MemberState, t0: number): Promise<boolean> {
  for (let i = 0; i < 600; i++) {
    const a = await http(m.address, 10050, 'GET', '/status', undefined, 500);
    if (a.status === 200 && (a.body as AppSample).app === 'up') {
      Object.assign(m, { status: 'ACTIVE', sinceMs: monotonicMs() });
      save();
      event(`${m.name} (${m.role}) on ${m.host} ${m.address} is up, ${Math.round(monotonicMs() - t0)} ms after it was requested`);
      const delay = Math.max(0, ...cfg.policies.map((p) => p.delayS));
      setTimeout(() => m.status === 'ACTIVE' && watch(m), delay * 1000);
      return true;
    }
    await sleep(100);
  }
  Object.assign(m, { status: 'ERROR', sinceMs: monotonicMs() });
  save();
  event(`${m.name} did not come up within 60 s`);
  return false;
}

async function respawn(role: 'active' | 'standby', why: string): Promise<void> {
  const live = state.members.filter((m) => m.status === 'ACTIVE' || m.status === 'PENDING').map((m) => m.host);
  const host = pickHost(cfg.placement, live, cfg.antiAffinity);
  if (!host) return event(`respawn of a ${role} member impossible: every compute host (${cfg.placement.join(', ')}) has a live member and anti-affinity is on`);
  const m: MemberState = { id: state.members.length + 1, name: memberName(cfg.cluster, nextN++), host, address: intToV4(nextAddr++), prefixLen: cfg.members[0]!.prefixLen, role, status: 'PENDING', sinceMs: monotonicMs() };
  state.members.push(m);
  save();
  const vim = cfg.vims[host]!;
  const t0 = monotonicMs();
  event(`respawn: ${m.name} (${role}) on ${host} ${m.address} requested from its VIM (${why})`, t0);
  const a = await http(vim.address, vim.port, 'POST', '/servers', { name: m.name, address: m.address, prefixLen: m.prefixLen, bridge: cfg.bridge }, 10000);
  if (a.status !== 201) {
    Object.assign(m, { status: 'ERROR', sinceMs: monotonicMs() });
    save();
    return event(`respawn: ${m.name} on ${host} failed (${a.status ?? a.error}: ${JSON.stringify(a.body)})`);
  }
  if ((await bringUp(m, t0)) && role === 'active') await setPool(`${m.name} replaces a failed active member`);
}

async function failed(m: MemberState, p: MonitorPolicy, why: string, tMs: number): Promise<void> {
  if (m.status !== 'ACTIVE') return;
  const role = m.role;
  Object.assign(m, { status: 'DEAD', sinceMs: tMs });
  for (const s of stops.get(m.name) ?? []) s();
  save();
  const actions = plannedActions(p.actions, role);
  event(`${m.name} (${role}) on ${m.host} failed: ${why}; actions: ${actions.join(', ')}`, tMs);
  if (actions.includes('notify')) event(`notify: cluster ${cfg.cluster} member ${m.name} (${role}) failed (${p.name})`);
  let replaceRole = role;
  if (actions.includes('failover')) {
    const sb = state.members.find((x) => x.role === 'standby' && x.status === 'ACTIVE');
    if (sb) {
      sb.role = 'active';
      event(`failover: ${sb.name} (standby on ${sb.host}) becomes active for ${m.name}`);
      await setPool(`failover from ${m.name} to ${sb.name}`);
      replaceRole = 'standby';
    } else {
      event(`failover impossible: no healthy standby; ${m.name} is replaced by a new active member`);
      await setPool(`${m.name} removed`);
    }
  } else if (role === 'active') await setPool(`${m.name} removed`);
  if (actions.includes('respawn')) await respawn(replaceRole, `${m.name} failed`);
}

async function main(): Promise<void> {
  save();
  state.phase = 'waiting-members';
  state.detail = `waiting for ${state.members.map((m) => m.name).join(', ')}`;
  save();
  const t0 = monotonicMs();
  await Promise.all(state.members.map((m) => bringUp(m, t0)));
  await setPool('initial: the active members');
  state.phase = 'monitoring';
  state.detail = `${cfg.policies.map((p) => p.name).join(' + ') || 'no monitoring policy'}${cfg.app ? ' + zabbix app monitoring' : ''}`;
  save();
}

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
main().catch((e: Error) => {
  log(`error: ${e.stack ?? e.message}`);
  state.phase = 'error';
  state.detail = e.message;
  save();
});
setInterval(() => undefined, 1 << 30);
