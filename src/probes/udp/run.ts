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
import { analyzeFlow, round3, trimInFlight, type FlowStats } from './analyze.js';
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
  /** What the flows' and events' relative times count from: the fault, or else the probe start (or a time the caller gave). */
  relativeTo: 'fault' | 'start' | 'given';
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

/** Packets sent in this last stretch after a flow's last arrival were in flight at the stop (analyze.ts trimInFlight). */
const IN_FLIGHT_MS = 250;

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

export interface FlowProgress {
  /** Flow name (`SRC->DST`). */
  name: string;
  received: number;
  /** ms since the last arrival (monotonic), or null before the first. */
  sinceLastMs: number | null;
}

/** A probe whose senders are running: stop it (or let it end), then its records are analyzed. */
export interface RunningProbe {
  /** Monotonic ms when the senders were told to go. */
  startedMs: number;
  /** Resolves when every sender has ended by itself (after `durationS`); never with `durationS: 0`. */
  senders: Promise<void>;
  /** What each receiver has seen so far, as of its last report (every 200 ms). */
  progress(): FlowProgress[];
  /**
   * Stops the senders (when still running) and then the receivers, and analyzes each direction:
   * relative times from `refMs` when given, else from the first fault event during the probe,
   * else from its start.
   */
  stop(refMs?: number): Promise<ProbeResult>;
}

/**
 * Starts a probe: receivers, then senders together. `durationS: 0` sends until `stop()`.
 * Always call `stop()` (it also cleans up after a failure).
 */
export async function startProbe(o: ProbeOptions): Promise<RunningProbe> {
  const rateHz = o.rateHz ?? DEFAULT_RATE_HZ;
  const durationS = o.durationS ?? DEFAULT_DURATION_S;
  const port = o.port ?? DEFAULT_PORT;
  const bad = checkProbeOptions({ rateHz, ...(durationS ? { durationS } : {}), port });
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
  const names = dirs.map((d) => `${d.from.node}->${d.to.node}`);
  const agents: Agent[] = [];
  const receivers: Agent[] = [];
  const senders: Agent[] = [];
  // As of the receivers' last report (every 200 ms): a flow looks in loss only when it was.
  const live = dirs.map(() => ({ received: 0, lastMs: null as number | null, statMs: 0 }));
  // Receivers outlive a sender's own end by this much (a safety net should stop() never come).
  const recvTimeout = durationS ? durationS + 120 : 24 * 3600;

  const cleanup = async () => {
    for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    await Promise.all(agents.map((a) => withTimeout(a.exited, 2000, () => undefined)));
    rmSync(dir, { recursive: true, force: true });
  };

  let windowFrom: number;
  try {
    dirs.forEach((d, i) => {
      const a = startAgent(o.lab, d.to.node, d.to.ns, 'recv', ['--port', String(port), '--run', String(tag), '--timeout', String(recvTimeout), '--progress'], `${dir}/recv-${d.id}.txt`);
      createInterface({ input: a.child.stdout! }).on('line', (l) => {
        const m = /^stat (\d+) (\S+)/.exec(l);
        if (m) live[i] = { received: Number(m[1]), lastMs: m[2] === '-' ? null : Number(m[2]), statMs: monotonicMs() };
      });
      receivers.push(a);
    });
    agents.push(...receivers);
    await Promise.all(receivers.map((a) => ready(a, 20_000)));
    senders.push(
      ...dirs.map((d) =>
        startAgent(o.lab, d.from.node, d.from.ns, 'send', ['--dst', d.address, '--port', String(port), '--flow', String(d.id), '--run', String(tag), '--rate', String(rateHz), '--duration', String(durationS), '--wait-go'], `${dir}/send-${d.id}.txt`),
      ),
    );
    agents.push(...senders);
    await Promise.all(senders.map((a) => ready(a, 20_000)));
    windowFrom = monotonicMs();
    for (const s of senders) s.child.stdin!.write('go\n');
  } catch (e) {
    await cleanup();
    throw e;
  }
  o.onStarted?.(agents.map(({ role, node, pid }) => ({ role, node, pid })));
  const sendersDone = Promise.all(senders.map((s) => s.exited)).then(() => undefined);

  const collect = async (refGiven?: number): Promise<ProbeResult> => {
    // Senders first: SIGTERM makes them write their records (a no-op for those that ended).
    for (const s of senders) if (s.child.exitCode === null) s.child.kill('SIGTERM');
    const codes = await withTimeout(Promise.all(senders.map((s) => s.exited)), 30_000, () => senders.forEach((s) => s.child.kill('SIGKILL')));
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
        const err = agents.find((a) => a.out === f)?.stderr.trim();
        throw new ProbeError(`udp-probe wrote no records to ${f}${err ? `: ${err}` : ''}`);
      }
    };
    const sent = dirs.map((d) => parseSender(read(`${dir}/send-${d.id}.txt`)));
    const recv = dirs.map((d) => parseReceiver(read(`${dir}/recv-${d.id}.txt`)));
    const startedMs = Math.min(...sent.map((s) => s.header.startMs));

    const events = readEvents(o.eventsFile ?? eventsFile(labDir(o.lab)), windowFrom).filter((e) => e.tMs <= endedMs);
    const faultEvent = refGiven === undefined ? (events.find((e) => e.kind === 'fault') ?? null) : null;
    const refMs = refGiven ?? faultEvent?.tMs ?? startedMs;
    const fault: ProbeFault | null = faultEvent
      ? { kind: faultEvent.detail.split(/\s+/)[0] ?? 'fault', target: faultEvent.node, detail: faultEvent.detail, atMs: round3(faultEvent.tMs - startedMs), tMs: faultEvent.tMs }
      : null;

    const flows: ProbeFlow[] = dirs.map((d, i) => {
      const s = sent[i]!;
      const arrivals = recv[i]!.arrivals.filter((a) => a.flow === d.id);
      const stats = analyzeFlow({ rateHz, sent: trimInFlight(s.sent, arrivals, IN_FLIGHT_MS), arrivals, refMs });
      return { name: names[i]!, proto: 'udp', src: d.from.node, dst: d.to.node, dstAddress: d.address, port, flowId: d.id, sendErrors: s.header.sendErrors, ...stats };
    });
    const header = (a: Agent) => (a.role === 'send' ? sent[senders.indexOf(a)]! : recv[receivers.indexOf(a)]!).header;
    return {
      lab: o.lab,
      rateHz,
      // Nominal, or how long it ran when it ran until stopped.
      durationS: durationS || round3((Math.max(...sent.map((s) => s.header.endMs)) - startedMs) / 1000),
      port,
      startedMs,
      endedMs,
      relativeTo: refGiven !== undefined ? 'given' : faultEvent ? 'fault' : 'start',
      refMs,
      fault,
      flows,
      events: events.map((e) => ({ ...e, tMs: round3(e.tMs - refMs) })),
      agents: [...senders, ...receivers].map((a) => {
        const h = header(a);
        return { role: a.role, node: a.node, pid: a.pid, cpuMs: round3(h.cpuUserMs + h.cpuSystemMs), activeMs: round3(h.endMs - h.startMs) };
      }),
    };
  };

  let stopped: Promise<ProbeResult> | undefined;
  return {
    startedMs: windowFrom,
    senders: sendersDone,
    progress: () => live.map((l, i) => ({ name: names[i]!, received: l.received, sinceLastMs: l.lastMs === null ? null : Math.max(0, l.statMs - l.lastMs) })),
    stop(refMs) {
      stopped ??= collect(refMs).finally(cleanup);
      return stopped;
    },
  };
}

/** A probe for its duration: start, wait for the senders to end (or a safety margin), analyze. */
export async function runProbe(o: ProbeOptions): Promise<ProbeResult> {
  const p = await startProbe(o);
  await withTimeout(p.senders, ((o.durationS ?? DEFAULT_DURATION_S) + 30) * 1000, () => undefined);
  return p.stop();
}
