/**
 * A lab file's flows while a trial runs: started together at the baseline, stopped when the
 * observation ends, then each direction analyzed against the trial's reference time.
 */
import type { FlowResult } from '../model/result.js';
import type { FlowSpec } from '../model/scenario.js';
import { parseHttpProbe } from '../probes/http/parse.js';
import { startHttp } from '../probes/http/run.js';
import { startPing } from '../probes/icmp/run.js';
import { runIperf3 } from '../probes/iperf3/client.js';
import { tcpDip } from '../probes/iperf3/dip.js';
import type { Iperf3Flow } from '../probes/iperf3/types.js';
import type { FlowStats } from '../probes/udp/analyze.js';
import { startProbe, type RunningProbe } from '../probes/udp/run.js';
import type { TimedFlow } from '../probes/timed-flow.js';
import { monotonicMs } from '../runtime/events.js';
import { findNode, resolveDst } from '../runtime/netns/resolve.js';
import type { LabState } from '../runtime/netns/state.js';

export interface LiveFlow {
  name: string;
  received: number;
  /** ms since the last arrival; null before the first. */
  sinceLastMs: number | null;
}

export interface RunningFlows {
  progress(): LiveFlow[];
  /** Stops every flow; times relative to refMs (monotonic). */
  stop(refMs: number): Promise<FlowResult[]>;
}

type Started = { spec: FlowSpec; dstAddress: string; src: string; dst: string } & ({ udp: RunningProbe } | { timed: TimedFlow } | { tcp: RunningTcp });

interface RunningTcp {
  abort: AbortController;
  done: Promise<Iperf3Flow>;
}

/** An iperf3 client until stopped (a day at most), tagged with the lab. */
function startTcp(lab: string, ns: string, dst: string, spec: FlowSpec): RunningTcp {
  const abort = new AbortController();
  const done = runIperf3({ lab, ns, dst, port: spec.port!, timeS: 86_400, intervalS: 0.1, ...(spec.bitrate ? { bitrate: spec.bitrate } : {}), signal: abort.signal });
  done.catch(() => undefined); // awaited in stop()
  return { abort, done };
}

const slim = (s: FlowStats, windows = s.lossWindows) => ({
  rateHz: s.rateHz,
  sent: s.sent,
  received: s.received,
  lost: s.lost,
  outageMs: s.outageMs,
  maxGapMs: s.maxGapMs,
  firstLossMs: s.firstLossMs,
  recoveredMs: s.recoveredMs,
  reordered: s.reordered,
  duplicated: s.duplicated,
  lossWindows: windows.map((w) => ({ startMs: w.startMs, endMs: w.endMs, count: w.count })),
});

const httpUrl = (address: string, port: number) => `http://${address.includes(':') ? `[${address}]` : address}:${port}/`;

export async function startFlows(lab: string, state: LabState, specs: readonly FlowSpec[]): Promise<RunningFlows> {
  const started: Started[] = [];
  try {
    for (const spec of specs) {
      const from = findNode(state, spec.from, 'from');
      const to = spec.address ? { address: spec.address, node: findNode(state, spec.to, 'to') } : resolveDst(state, spec.to);
      const base = { spec, dstAddress: to.address, src: from.name, dst: to.node?.name ?? to.address };
      if (spec.type === 'icmp') started.push({ ...base, timed: startPing({ lab, ns: from.ns, dst: to.address, rateHz: spec.rateHz }) });
      else if (spec.type === 'http') started.push({ ...base, timed: startHttp({ lab, ns: from.ns, url: httpUrl(to.address, spec.port!), rateHz: spec.rateHz }) });
      else if (spec.type === 'tcp') started.push({ ...base, tcp: startTcp(lab, from.ns, to.address, spec) });
      else {
        const udp = await startProbe({
          lab,
          src: { node: from.name, ns: from.ns },
          dst: { node: to.node!.name, ns: to.node!.ns, address: to.address },
          rateHz: spec.rateHz,
          durationS: 0,
          both: spec.both,
          port: spec.port!,
        });
        started.push({ ...base, udp });
      }
    }
  } catch (e) {
    await Promise.allSettled(started.map((s) => ('udp' in s ? s.udp.stop() : 'timed' in s ? s.timed.stop(0) : (s.tcp.abort.abort(), s.tcp.done))));
    throw e;
  }
  const dirName = (spec: FlowSpec, i: number) => (spec.both ? `${spec.name}:${i === 0 ? 'forward' : 'reverse'}` : spec.name);
  return {
    progress: () =>
      started.flatMap((s) =>
        'udp' in s
          ? s.udp.progress().map((p, i) => ({ ...p, name: dirName(s.spec, i) }))
          : 'timed' in s
            ? [{ name: s.spec.name, ...s.timed.progress() }]
            : [], // iperf3 3.12 reports only when it ends
      ),
    async stop(refMs) {
      const until = monotonicMs() - refMs;
      const results = await Promise.all(
        started.map(async (s): Promise<FlowResult[]> => {
          if ('tcp' in s) {
            s.tcp.abort.abort();
            const f = await s.tcp.done;
            // Until the flows stopped: a test whose connection broke is down from then on.
            const d = tcpDip(f, refMs, until);
            return [{ name: s.spec.name, proto: 'tcp', src: s.src, dst: s.dst, dstAddress: s.dstAddress, ...d, reordered: 0, duplicated: 0 }];
          }
          if ('timed' in s) {
            const st = await s.timed.stop(refMs);
            return [{ name: s.spec.name, proto: s.spec.type === 'http' ? 'http' : 'icmp', src: s.src, dst: s.dst, dstAddress: s.dstAddress, ...slim(st), ...(st.answeredBy ? { answeredBy: st.answeredBy } : {}) }];
          }
          const r = await s.udp.stop(refMs);
          return r.flows.map((f, i) => ({ name: dirName(s.spec, i), proto: 'udp', src: f.src, dst: f.dst, dstAddress: f.dstAddress, ...slim(f) }));
        }),
      );
      return results.flat();
    },
  };
}

