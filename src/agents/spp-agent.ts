/**
 * spp-agent: the SPP agent of seeds/003 for one spp_vf, run inside the patch-panel node. It takes
 * the memo's JSON command batches over TCP (`{"commands": [...]}`; one JSON document per message,
 * one JSON line back), validates each batch as a whole (src/plugins/services/spp/batch.ts) and, at
 * `flush`, replaces the OVS bridge's flow table with the one that emulates the new state: in one
 * OpenFlow bundle (apply atomic), or state by state through the batch (apply per-command). Each
 * applied batch is a lab event (kind `spp`), stamped when the table is in place; rejected batches
 * are `spp-reject` events. The current state is kept in a JSON file for readiness, status and the
 * `spp` condition.
 *
 *   spp-agent --config CONFIG.json
 */
import { spawn } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { emptyState, flowsFor, frame, handleMessage, MAX_MESSAGE_BYTES, stepTables, summarize, type SppState } from '../plugins/services/spp/batch.js';
import { appendEvent, monotonicMs } from '../runtime/events.js';
import type { AgentConfig } from '../plugins/services/spp/options.js';


const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
if (!values.config) {
  console.error('usage: spp-agent --config CONFIG.json');
  process.exit(2);
}
const cfg = JSON.parse(readFileSync(values.config, 'utf8')) as AgentConfig;

let state: SppState = emptyState();
let flows: string[] = [];
let batches = 0;
let rejected = 0;
let lastApply: { tMs: number; ms: number; steps: number } | null = null;

function save(): void {
  const tmp = `${cfg.state}.tmp`;
  writeFileSync(tmp, JSON.stringify({ pid: process.pid, address: cfg.address, port: cfg.port, apply: cfg.apply, process: { process_id: cfg.vf.processId, name: cfg.vf.name }, state, flows, batches, rejected, lastApply }, null, 1) + '\n');
  renameSync(tmp, cfg.state);
}

function ofctl(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((res) => {
    const p = spawn('ovs-ofctl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', (e) => res({ code: 127, stderr: e.message }));
    p.on('close', (code) => res({ code: code ?? 1, stderr }));
  });
}

let seq = 0;
/** Replace the bridge's whole flow table in one bundle (all or nothing). */
async function install(table: string[]): Promise<string | null> {
  const file = `${cfg.dir}/flows-${++seq % 2}.txt`;
  writeFileSync(file, table.join('\n') + '\n');
  const r = await ofctl(['-O', 'OpenFlow14', '--bundle', 'replace-flows', cfg.bridge, file]);
  return r.code === 0 ? null : r.stderr.trim() || `ovs-ofctl exited ${r.code}`;
}

interface Reply {
  result: 'success' | 'error';
  [k: string]: unknown;
}

/** One message: validate, apply at flush. Runs one at a time (the queue below). */
async function handle(text: string): Promise<Reply> {
  const r = handleMessage(cfg.vf, state, text);
  if (!r.ok) {
    rejected++;
    let command: unknown;
    try {
      command = r.index >= 0 ? (JSON.parse(text) as { commands: unknown[] }).commands[r.index] : undefined;
    } catch {
      command = undefined;
    }
    appendEvent(cfg.events, { node: cfg.node, kind: 'spp-reject', detail: `${r.index >= 0 ? `command ${r.index}` : 'message'}: ${r.error}` });
    save();
    return { result: 'error', index: r.index, ...(command !== undefined ? { command } : {}), error: r.error };
  }
  const process_ = r.commands.some((c) => c.command === 'process') ? { process: { process_id: cfg.vf.processId, name: cfg.vf.name } } : {};
  const changes = r.commands.some((c) => c.command === 'component' || c.command === 'classifier_table');
  if (!r.flush) {
    if (changes) {
      rejected++;
      return { result: 'error', index: r.commands.length - 1, error: 'the batch does not end with flush: it would never be applied (nothing changed)' };
    }
    return { result: 'success', commands: r.commands.length, ...process_ };
  }
  const t0 = monotonicMs();
  const tables = cfg.apply === 'per-command' ? stepTables(state, r.states, cfg.map) : [flowsFor(r.final, cfg.map)];
  const before = flows;
  for (const table of tables) {
    const err = await install(table);
    if (err) {
      if (tables.length > 1) await install(before); // back to where the batch started
      rejected++;
      save();
      return { result: 'error', index: r.commands.length - 1, error: `applying the batch failed, nothing changed: ${err}` };
    }
  }
  const tMs = monotonicMs();
  state = r.final;
  flows = flowsFor(state, cfg.map);
  batches++;
  lastApply = { tMs, ms: tMs - t0, steps: tables.length };
  appendEvent(cfg.events, { tMs, node: cfg.node, kind: 'spp', detail: `flush #${batches}: ${r.commands.length} commands, ${flows.length} flows, ${cfg.apply}${tables.length > 1 ? ` in ${tables.length} steps` : ''} (${(tMs - t0).toFixed(1)} ms): ${summarize(state)}` });
  save();
  return { result: 'success', commands: r.commands.length, flows: flows.length, steps: tables.length, applyMs: Number((tMs - t0).toFixed(3)), ...process_ };
}

let queue: Promise<unknown> = Promise.resolve();
const enqueue = (text: string) => {
  const p = queue.then(() => handle(text));
  queue = p.catch(() => undefined);
  return p;
};

function serve(sock: Socket): void {
  let buf = '';
  let busy = Promise.resolve();
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buf += d;
    for (let f = frame(buf); f; f = frame(buf)) {
      buf = f.rest;
      const text = f.doc;
      busy = busy.then(async () => {
        const reply = await enqueue(text).catch((e: Error) => ({ result: 'error', index: -1, error: `agent: ${e.message}` }));
        if (!sock.destroyed) sock.write(JSON.stringify(reply) + '\n');
      });
    }
    if (Buffer.byteLength(buf) > MAX_MESSAGE_BYTES) {
      rejected++;
      sock.end(JSON.stringify({ result: 'error', index: -1, error: `message is over the limit of ${MAX_MESSAGE_BYTES} bytes` }) + '\n');
      buf = '';
    }
  });
  sock.on('end', () => {
    // A truncated document at the end of the stream is malformed JSON.
    if (buf.trim())
      busy = busy.then(async () => {
        const reply = await enqueue(buf);
        if (!sock.destroyed) sock.end(JSON.stringify(reply) + '\n');
      });
    else void busy.then(() => sock.end());
  });
  sock.on('error', () => sock.destroy());
}

const initErr = await install([]);
if (initErr) {
  console.error(`spp-agent: cannot program bridge ${cfg.bridge}: ${initErr}`);
  process.exit(1);
}
const server = createServer({ allowHalfOpen: true }, serve);
server.on('error', (e) => {
  console.error(`spp-agent: ${e.message}`);
  process.exit(1);
});
server.listen(cfg.port, cfg.address, () => {
  save();
  console.log(`spp-agent: ${cfg.vf.name} (process ${cfg.vf.processId}) on bridge ${cfg.bridge}, listening on ${cfg.address}:${cfg.port}, apply ${cfg.apply}`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
