/**
 * Runs a UDP probe between two nodes of a running lab: receivers first, then senders (started
 * together), for a duration; collects their records and analyzes each direction (analyze.ts).
 * The reference time for firstLossMs/recoveredMs is the first `fault` event in the lab's event
 * log within the probe window, or else the probe start (the first packet sent).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { agentArgv } from '../../agents/run.js';
import { labDir } from '../../pipeline/expand.js';
import { eventsFile, monotonicMs, readEvents, type LabEvent } from '../../runtime/events.js';
import { inNetns, LAB_ENV, run, sleep } from '../../runtime/netns/proc.js';
import { analyzeFlow, round3, type FlowStats } from './analyze.js';
import { parseReceiver, parseSender } from './format.js';

export const DEFAULT_RATE_HZ = 1000;
export const DEFAULT_DURATION_S = 10;
export const DEFAULT_PORT = 7500;
export const MAX_RATE_HZ = 50_000;

export interface ProbeEndpoint {
  /** Node name, for reports. */
  node: string;
  ns: string;
  /**
   * Where the other side's flow is sent to. Required for the destination; for the source (the
   * reverse flow's destination, with `both`), default: the address SRC uses toward DST (`ip route get`).
   */
  address?: string;
}

export interface ProbeOptions {
  lab: string;
  src: ProbeEndpoint;
  dst: ProbeEndpoint & { address: string };
  rateHz?: number;
  durationS?: number;
  /** Also a flow from DST back to SRC, at the same time. */
  both?: boolean;
  port?: number;
  /** Default: the lab's event log. */
  eventsFile?: string;
  /** Called when the senders have been told to go, with every agent's pid. */
  onStarted?: (agents: AgentInfo[]) => void;
}

export interface AgentInfo {
  role: 'send' | 'recv';
  node: string;
  pid: number;
}

export interface ProbeFlow extends FlowStats {
  name: string;
  proto: 'udp';
  src: string;
  dst: string;
  dstAddress: string;
  port: number;
  flowId: number;
  sendErrors: number;
}

export interface ProbeFault {
  /** The first word of the fault event's detail (its kind, e.g. `nic-down`). */
  kind: string;
  /** The node the fault event names. */
  target: string;
  detail: string;
  /** ms after the probe start. */
  atMs: number;
  /** Monotonic ms. */
  tMs: number;
}

export interface ProbeResult {
  lab: string;
  rateHz: number;
  durationS: number;
  port: number;
  /** Monotonic ms of the first packet sent, and when the last receiver stopped. */
  startedMs: number;
  endedMs: number;
  /** What the flows' and events' relative times count from: the fault, or else the probe start. */
  relativeTo: 'fault' | 'start';
  refMs: number;
  fault: ProbeFault | null;
  flows: ProbeFlow[];
  /** Lab events during the probe, tMs relative to refMs. */
  events: LabEvent[];
  /**
   * CPU each agent used (user + system, ms) while active: a sender from its first to its last
   * packet, a receiver from ready to stop (start-up is not counted).
   */
  agents: (AgentInfo & { cpuMs: number; activeMs: number })[];
}

export class ProbeError extends Error {}

/** What is wrong with these options, one message each; empty when they are fine. */
export function checkProbeOptions(o: { rateHz?: number; durationS?: number; port?: number }): string[] {
  const bad: string[] = [];
  if (o.rateHz !== undefined && !(Number.isInteger(o.rateHz) && o.rateHz >= 1 && o.rateHz <= MAX_RATE_HZ)) bad.push(`rate ${o.rateHz} Hz must be a whole number from 1 to ${MAX_RATE_HZ}`);
  if (o.durationS !== undefined && !(o.durationS >= 0.1 && o.durationS <= 86400)) bad.push(`duration ${o.durationS} s must be from 0.1 to 86400`);
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 1 && o.port <= 65535)) bad.push(`port ${o.port} is not a port number (1-65535)`);
  return bad;
}

/** The source address `ns` uses toward `dst` (`ip route get`), or null when it has no route. */
export async function sourceAddressToward(ns: string, dst: string): Promise<string | null> {
  const r = await run(inNetns(ns, ['ip', '-o', 'route', 'get', dst]));
  return r.code === 0 ? (/\bsrc (\S+)/.exec(r.stdout)?.[1] ?? null) : null;
}

interface Agent extends AgentInfo {
  child: ChildProcess;
  out: string;
  stderr: string;
  exited: Promise<number | null>;
}

function startAgent(lab: string, node: string, ns: string, role: 'send' | 'recv', args: string[], out: string): Agent {
  const argv = inNetns(ns, agentArgv('udp-probe', [role, ...args, '--out', out]));
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, [LAB_ENV]: lab } });
  const a: Agent = { role, node, pid: child.pid ?? -1, child, out, stderr: '', exited: new Promise((resolve) => child.once('close', (c) => resolve(c))) };
  child.stderr!.on('data', (d: Buffer) => (a.stderr += d.toString()));
  child.once('error', (e) => (a.stderr += `cannot start ${argv[0]}: ${e.message}`));
  return a;
}

/** Resolves when the agent prints `ready`; rejects with its stderr when it ends first. */
function ready(a: Agent, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: a.child.stdout! });
    const timer = setTimeout(() => reject(new ProbeError(`udp-probe ${a.role} in ${a.node} did not start within ${timeoutMs / 1000} s${a.stderr ? `: ${a.stderr.trim()}` : ''}`)), timeoutMs);
    rl.on('line', (l) => {
      if (l.trim() !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    void a.exited.then((code) => {
      clearTimeout(timer);
      reject(new ProbeError(`udp-probe ${a.role} in ${a.node} ended (exit ${code ?? 'signal'}) before it was ready${a.stderr ? `: ${a.stderr.trim()}` : ''}`));
    });
  });
}

const withTimeout = <T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T | undefined> =>
  new Promise((resolve) => {
    const t = setTimeout(() => {
      onTimeout();
      resolve(undefined);
    }, ms);
    void p.then((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });

export async function runProbe(o: ProbeOptions): Promise<ProbeResult> {
  const rateHz = o.rateHz ?? DEFAULT_RATE_HZ;
  const durationS = o.durationS ?? DEFAULT_DURATION_S;
  const port = o.port ?? DEFAULT_PORT;
  const bad = checkProbeOptions({ rateHz, durationS, port });
  if (bad.length) throw new ProbeError(bad.join('; '));
  let back: string | undefined;
  if (o.both) {
    back = o.src.address ?? (await sourceAddressToward(o.src.ns, o.dst.address)) ?? undefined;
    if (!back) throw new ProbeError(`${o.src.node} has no route to ${o.dst.address}, so no address to send the reverse flow to`);
  }
  const tag = randomInt(1, 2 ** 32 - 1);
  const dir = `${labDir(o.lab)}/probe-${tag.toString(16)}`;
  mkdirSync(dir, { recursive: true });
  const dirs = [
    { id: 1, from: o.src, to: o.dst, address: o.dst.address },
    ...(o.both ? [{ id: 2, from: o.dst, to: o.src, address: back! }] : []),
  ];
  const agents: Agent[] = [];
  try {
    const receivers = dirs.map((d) =>
      startAgent(o.lab, d.to.node, d.to.ns, 'recv', ['--port', String(port), '--run', String(tag), '--timeout', String(durationS + 120)], `${dir}/recv-${d.id}.txt`),
    );
    agents.push(...receivers);
    await Promise.all(receivers.map((a) => ready(a, 20_000)));
    const senders = dirs.map((d) =>
      startAgent(o.lab, d.from.node, d.from.ns, 'send', ['--dst', d.address, '--port', String(port), '--flow', String(d.id), '--run', String(tag), '--rate', String(rateHz), '--duration', String(durationS), '--wait-go'], `${dir}/send-${d.id}.txt`),
    );
    agents.push(...senders);
    await Promise.all(senders.map((a) => ready(a, 20_000)));

    const windowFrom = monotonicMs();
    for (const s of senders) s.child.stdin!.write('go\n');
    o.onStarted?.(agents.map(({ role, node, pid }) => ({ role, node, pid })));
    const codes = await withTimeout(Promise.all(senders.map((s) => s.exited)), (durationS + 30) * 1000, () => senders.forEach((s) => s.child.kill('SIGTERM')));
    const failed = senders.find((s, i) => codes?.[i] !== 0);
    if (failed) throw new ProbeError(`udp-probe sender in ${failed.node} failed${failed.stderr ? `: ${failed.stderr.trim()}` : ''}`);
    // Packets in flight, and a receiver's event loop that is a little behind.
    await sleep(200);
    for (const r of receivers) r.child.kill('SIGTERM');
    await withTimeout(Promise.all(receivers.map((r) => r.exited)), 10_000, () => receivers.forEach((r) => r.child.kill('SIGKILL')));
    const endedMs = monotonicMs();

    const read = (f: string) => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        throw new ProbeError(`udp-probe wrote no records to ${f}${agents.find((a) => a.out === f)?.stderr.trim() ? `: ${agents.find((a) => a.out === f)!.stderr.trim()}` : ''}`);
      }
    };
    const sent = dirs.map((d) => parseSender(read(`${dir}/send-${d.id}.txt`)));
    const recv = dirs.map((d) => parseReceiver(read(`${dir}/recv-${d.id}.txt`)));
    const startedMs = Math.min(...sent.map((s) => s.header.startMs));

    const events = readEvents(o.eventsFile ?? eventsFile(labDir(o.lab)), windowFrom).filter((e) => e.tMs <= endedMs);
    const faultEvent = events.find((e) => e.kind === 'fault') ?? null;
    const refMs = faultEvent?.tMs ?? startedMs;
    const fault: ProbeFault | null = faultEvent
      ? { kind: faultEvent.detail.split(/\s+/)[0] ?? 'fault', target: faultEvent.node, detail: faultEvent.detail, atMs: round3(faultEvent.tMs - startedMs), tMs: faultEvent.tMs }
      : null;

    const flows: ProbeFlow[] = dirs.map((d, i) => {
      const s = sent[i]!;
      const stats = analyzeFlow({ rateHz, sent: s.sent, arrivals: recv[i]!.arrivals.filter((a) => a.flow === d.id), refMs });
      return { name: `${d.from.node}->${d.to.node}`, proto: 'udp', src: d.from.node, dst: d.to.node, dstAddress: d.address, port, flowId: d.id, sendErrors: s.header.sendErrors, ...stats };
    });
    const header = (a: Agent) => (a.role === 'send' ? sent[senders.indexOf(a)]! : recv[receivers.indexOf(a)]!).header;
    return {
      lab: o.lab,
      rateHz,
      durationS,
      port,
      startedMs,
      endedMs,
      relativeTo: faultEvent ? 'fault' : 'start',
      refMs,
      fault,
      flows,
      events: events.map((e) => ({ ...e, tMs: round3(e.tMs - refMs) })),
      agents: [...senders, ...receivers].map((a) => {
        const h = header(a);
        return { role: a.role, node: a.node, pid: a.pid, cpuMs: round3(h.cpuUserMs + h.cpuSystemMs), activeMs: round3(h.endMs - h.startMs) };
      }),
    };
  } finally {
    for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    await Promise.all(agents.map((a) => withTimeout(a.exited, 2000, () => undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
}
