/**
 * udp-probe: halab's probe-flow agent, run inside a lab node's namespace (src/probes/udp/run.ts
 * starts it). All times are ms of the monotonic clock, the lab event log's clock.
 *
 *   udp-probe send --dst ADDR --port N --flow ID --run TAG --out FILE [--rate HZ] [--duration S] [--wait-go]
 *   udp-probe recv --port N --run TAG --out FILE [--bind ADDR] [--timeout S] [--progress]
 *
 * The sender sends sequence-numbered 64-byte packets carrying their send time at a fixed rate,
 * each at its own time (packet n is due at start + n / rate: 0.1 ms apart at 10 kHz). It does not
 * spin: between packets it sleeps in Atomics.wait (a futex wait with a sub-ms timeout), blocking
 * its event loop; sends on a connected socket go out synchronously (libuv tries the send at once
 * when its queue is empty), so nothing waits for the loop. Every SLICE_MS it yields to the event
 * loop for a turn (signals, stdin); a packet due much later than that (low rates) waits on a
 * timer instead. A sender that fell behind (a stall) sends what it owes at once,
 * which `sendLagMs` shows. With --wait-go it prints `ready` and sends when a line arrives on stdin (so
 * that several senders start together). The receiver binds ADDR:PORT, prints `ready`, and records
 * every arrival of this run (flow, sequence number, the send time in the packet, the arrival
 * time). Both write their records (src/probes/udp/format.ts) to FILE when they finish, or on
 * SIGTERM/SIGINT; the receiver runs until signalled (or --timeout, a safety net). `--duration 0`:
 * the sender runs until signalled (`halab run` stops its flows when the observation ends). With
 * --progress the receiver prints `stat COUNT LAST_ARRIVAL_MS` every 200 ms, for live displays.
 */
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { decodePacket, encodePacket, formatReceiver, formatSender, PACKET_BYTES } from '../probes/udp/format.js';
import { monotonicMs } from '../runtime/events.js';

/** The sender's event loop gets a turn at least this often (ms): how late a SIGTERM can be handled. */
const SLICE_MS = 5;

const role = process.argv[2];
const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    dst: { type: 'string' },
    bind: { type: 'string', default: '0.0.0.0' },
    port: { type: 'string' },
    flow: { type: 'string', default: '1' },
    run: { type: 'string', default: '0' },
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10' },
    timeout: { type: 'string' },
    out: { type: 'string' },
    progress: { type: 'boolean', default: false },
    'wait-go': { type: 'boolean', default: false },
  },
  strict: true,
});

function die(msg: string): never {
  console.error(`udp-probe: ${msg}`);
  process.exit(2);
}

const port = Number(values.port);
const run = Number(values.run);
const out = values.out;
if (role !== 'send' && role !== 'recv') die('usage: udp-probe send|recv ... (see the source)');
if (!Number.isInteger(port) || port < 1 || port > 65535) die(`bad --port ${values.port}`);
if (!out) die('--out FILE is required');
/** CPU time since `mark()` (start-up excluded), ms. */
let cpuBase = process.cpuUsage();
const mark = () => (cpuBase = process.cpuUsage());
const cpu = () => {
  const u = process.cpuUsage(cpuBase);
  return { cpuUserMs: u.user / 1000, cpuSystemMs: u.system / 1000 };
};

/** A copy of `a` in a typed array of the same type with capacity `cap`. */
function widen<T extends Uint16Array | Uint32Array | Float64Array>(a: T, cap: number): T {
  const n = new (a.constructor as new (n: number) => T)(cap);
  n.set(a);
  return n;
}

if (role === 'send') sender();
else receiver();

function sender(): void {
  const dst = values.dst ?? die('--dst ADDR is required');
  const rateHz = Number(values.rate);
  const durationS = Number(values.duration);
  const flow = Number(values.flow);
  if (!(rateHz > 0 && rateHz <= 100_000)) die(`bad --rate ${values.rate}`);
  if (!(durationS >= 0)) die(`bad --duration ${values.duration}`);
  // Duration 0: until signalled; the record array grows as it fills.
  const total = durationS > 0 ? Math.max(1, Math.round(rateHz * durationS)) : Infinity;
  let cap = Number.isFinite(total) ? total : 1 << 16;
  let times = new Float64Array(cap);
  let next = 0;
  let errors = 0;
  let startMs = NaN;
  let cancel: (() => void) | undefined;
  let finished = false;

  const sock = createSocket('udp4');
  sock.on('error', () => errors++); // a refused send: the packet counts as sent (and lost)

  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    cancel?.();
    const endMs = next ? times[next - 1]! : startMs;
    // Packet n carries sequence number n: the record of sequence numbers is 0..next-1.
    writeFileSync(out!, formatSender({ role: 'send', flow, run, rateHz, dst, port, startMs, endMs, sendErrors: errors, ...cpu() }, { seq: Uint32Array.from({ length: next }, (_, i) => i), sentMs: times, length: next }));
    console.log(`done ${next}`);
    // Datagrams handed to the socket are in the kernel already; closing does not drop them.
    sock.close();
    process.exit(code);
  };

  const send = (t: number) => {
    const buf = Buffer.allocUnsafe(PACKET_BYTES).fill(0, 24);
    sock.send(encodePacket({ run, flow, seq: next, sentMs: t }, buf));
    if (next === cap) times = widen(times, (cap *= 2));
    times[next] = t;
    next++;
  };

  // Sleeps in Atomics.wait on a word nobody changes: a timed futex wait, no spinning.
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const intervalMs = 1000 / rateHz;
  const pace = () => {
    cancel = undefined;
    const sliceEnd = monotonicMs() + SLICE_MS;
    while (next < total) {
      const due = startMs + next * intervalMs;
      let now = monotonicMs();
      // Far off (low rates): a timer, with margin for its lateness; the loop is free meanwhile.
      if (due - now > 3 * SLICE_MS) {
        const t = setTimeout(pace, due - now - 2 * SLICE_MS);
        cancel = () => clearTimeout(t);
        return;
      }
      const until = Math.min(due, sliceEnd);
      while (now < until) {
        Atomics.wait(nap, 0, 0, until - now);
        now = monotonicMs();
      }
      if (now < due) {
        // The slice is over before the packet is due: a turn of the event loop, then back here.
        const i = setImmediate(pace);
        cancel = () => clearImmediate(i);
        return;
      }
      send(now);
    }
    finish(0);
  };

  const go = () => {
    mark();
    startMs = monotonicMs();
    pace();
  };

  process.on('SIGTERM', () => finish(0));
  process.on('SIGINT', () => finish(0));
  sock.connect(port, dst, () => {
    // Warm-up: the send path compiled before the first counted packet (a cold first tick stalls
    // a few ms). Run tag 0 is no run's: the receiver counts these as foreign.
    for (let i = 0; i < 200; i++) sock.send(encodePacket({ run: 0, flow, seq: i, sentMs: monotonicMs() }, Buffer.allocUnsafe(PACKET_BYTES).fill(0, 24)));
    if (!values['wait-go']) return go();
    console.log('ready');
    const rl = createInterface({ input: process.stdin });
    rl.once('line', () => {
      rl.close();
      go();
    });
    // The runner went away before saying go: nothing to do.
    process.stdin.once('end', () => Number.isNaN(startMs) && process.exit(1));
  });
}

function receiver(): void {
  let cap = 1 << 14;
  let flows = new Uint16Array(cap);
  let seqs = new Uint32Array(cap);
  let sent = new Float64Array(cap);
  let recv = new Float64Array(cap);
  let n = 0;
  let foreign = 0;
  let startMs = monotonicMs();
  let finished = false;

  const grow = () => {
    cap *= 2;
    flows = widen(flows, cap);
    seqs = widen(seqs, cap);
    sent = widen(sent, cap);
    recv = widen(recv, cap);
  };

  const sock = createSocket('udp4');
  sock.on('message', (msg) => {
    const t = monotonicMs();
    const p = decodePacket(msg);
    if (!p || p.run !== run) {
      foreign++;
      return;
    }
    if (n === cap) grow();
    flows[n] = p.flow;
    seqs[n] = p.seq;
    sent[n] = p.sentMs;
    recv[n] = t;
    n++;
  });
  sock.on('error', (e) => die(`${values.bind}:${port}: ${e.message}`));

  const finish = () => {
    if (finished) return;
    finished = true;
    const endMs = monotonicMs();
    writeFileSync(out!, formatReceiver({ role: 'recv', run, bind: values.bind!, port, startMs, endMs, foreign, ...cpu() }, { flow: flows, seq: seqs, sentMs: sent, recvMs: recv, length: n }));
    console.log(`done ${n}`);
    process.exit(0);
  };
  process.on('SIGTERM', finish);
  process.on('SIGINT', finish);
  if (values.timeout !== undefined) setTimeout(finish, Number(values.timeout) * 1000).unref();
  // Large receive buffer: a stalled event loop must not turn into drops at 10 kHz.
  sock.bind(port, values.bind, () => {
    try {
      sock.setRecvBufferSize(4 << 20);
    } catch {
      // capped by net.core.rmem_max: the default is enough when the loop keeps up
    }
    mark();
    startMs = monotonicMs();
    console.log('ready');
    if (values.progress) setInterval(() => console.log(`stat ${n} ${n ? recv[n - 1]!.toFixed(3) : '-'}`), 200).unref();
  });
  // Keep the process alive while bound even without a timeout (the socket does that).
}
