/**
 * vrrp-events: halab's agent beside keepalived in a lab node. It reads keepalived's notify FIFO
 * (`INSTANCE "VI_1" MASTER 150` per line) and turns every VRRP state transition into a lab event
 * (kind `vrrp`, detail `VI_1 MASTER`) stamped with the monotonic clock at the moment it reads the
 * line; priority changes from tracked interfaces become `vrrp-priority` events. It also keeps the
 * node's current VRRP state in a small JSON file, which readiness and `halab status` read.
 *
 *   vrrp-events --fifo FIFO --events EVENTS.jsonl --node NODE --state STATE.json
 *
 * The state file is first written once the FIFO is open, which tells halab the agent is reading.
 */
import { constants, openSync, renameSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { applyLine, parseNotifyLine, type StateFile } from '../plugins/services/keepalived/notify.js';
import { appendEvent, monotonicMs } from '../runtime/events.js';

const { values } = parseArgs({
  options: { fifo: { type: 'string' }, events: { type: 'string' }, node: { type: 'string' }, state: { type: 'string' } },
  strict: true,
});
const { fifo, events, node, state: stateFile } = values;
if (!fifo || !events || !node || !stateFile) {
  console.error('usage: vrrp-events --fifo FIFO --events EVENTS.jsonl --node NODE --state STATE.json');
  process.exit(2);
}

const state: StateFile = { instances: {} };
function save(): void {
  const tmp = `${stateFile}.tmp`;
  writeFileSync(tmp, JSON.stringify(state) + '\n');
  renameSync(tmp, stateFile!);
}

// Read-write: opening never waits for a writer, and keepalived closing its end (a restart) is no
// EOF. Non-blocking, read through the event loop: a blocking read would sit in libuv's thread pool
// and keep the process from exiting on SIGTERM.
const input = new Socket({ fd: openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
input.on('error', (e) => {
  console.error(`vrrp-events: ${fifo}: ${e.message}`);
  process.exit(1);
});
save();
console.log(`vrrp-events: node ${node}: reading ${fifo}, events to ${events}`);

createInterface({ input, crlfDelay: Infinity }).on('line', (line) => {
  const tMs = monotonicMs();
  const l = parseNotifyLine(line);
  if (!l) return;
  const before = l.kind === 'other' ? undefined : state.instances[l.instance]?.priority;
  const detail = applyLine(state, l, tMs);
  if (detail) appendEvent(events, { tMs, node, kind: 'vrrp', detail });
  else if (l.kind === 'priority' && l.priority !== before) appendEvent(events, { tMs, node, kind: 'vrrp-priority', detail: `${l.instance} ${l.priority}` });
  save();
  console.log(`${tMs.toFixed(3)} ${line.trim()}`);
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
