/**
 * Sender pacing bench: runs the udp-probe sender (no lab, to 127.0.0.1) at each rate, reports its
 * CPU over a steady second (/proc/PID/stat utime+stime) and the spacing of its send times.
 *   node --import tsx bench/udp-pacing.ts [RATE...]
 * Env: NODE_ARGS (extra node flags for the sender, e.g. --trace-gc), VERBOSE (its stdout), KEEP
 * (print the record file path).
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { agentArgv } from '../src/agents/run.js';
import { parseSender } from '../src/probes/udp/format.js';

const ticks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, clock ticks (100/s)
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function one(rate: number) {
  const sink = createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  sink.on('message', () => {});
  const port = sink.address().port;
  const out = `${mkdtempSync(`${tmpdir()}/pacing-`)}/send.txt`;
  const argv = agentArgv('udp-probe', ['send', '--dst', '127.0.0.1', '--port', String(port), '--rate', String(rate), '--duration', '4', '--wait-go', '--out', out]);
  const child = spawn(argv[0]!, [...(process.env.NODE_ARGS ? process.env.NODE_ARGS.split(' ') : []), ...argv.slice(1)], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((r) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && r()));
  if (process.env.VERBOSE) child.stdout!.on('data', (d: Buffer) => process.stdout.write(d));
  child.stdin!.write('go\n');
  await sleep(1500);
  const t0 = ticks(child.pid!);
  const w0 = performance.now();
  await sleep(1000);
  const cpu = (ticks(child.pid!) - t0) / ((performance.now() - w0) / 10); // fraction of a core
  await new Promise((r) => child.once('close', r));
  sink.close();
  if (process.env.KEEP) console.log(out);
  const s = parseSender(readFileSync(out, 'utf8'));
  const t = s.sent.map((x) => x.sentMs);
  const d: number[] = [];
  for (let i = 1; i < t.length; i++) d.push(t[i]! - t[i - 1]!);
  d.sort((a, b) => a - b);
  let lag = 0;
  for (let i = 0; i < t.length; i++) lag = Math.max(lag, t[i]! - (t[0]! + (i * 1000) / rate));
  const f = (x: number) => x.toFixed(3);
  console.log(`${rate} Hz: sent ${t.length} cpu ${(cpu * 100).toFixed(1)}% (header ${f(s.header.cpuUserMs + s.header.cpuSystemMs)} ms over ${f(s.header.endMs - s.header.startMs)} ms) spacing median ${f(q(d, 0.5))} p1 ${f(q(d, 0.01))} p99 ${f(q(d, 0.99))} p99.9 ${f(q(d, 0.999))} max ${f(d.at(-1)!)} ms, sendLag ${f(lag)} ms, errors ${s.header.sendErrors}`);
}

for (const r of process.argv.slice(2).length ? process.argv.slice(2).map(Number) : [1000, 10_000]) await one(r);
