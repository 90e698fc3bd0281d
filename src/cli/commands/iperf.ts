/**
 * `halab iperf NAME SRC DST`: one iperf3 test from node SRC to DST (an address, or a node: its
 * first IPv4 address), printed per interval with both sides' view, and the totals; or as JSON.
 */
import { EnvError, UsageError } from '../../errors.js';
import type { Iperf3Options } from '../../plugins/services/iperf3/options.js';
import { portsOf } from '../../plugins/services/iperf3/options.js';
import { DEFAULT_INTERVAL_S, DEFAULT_PORT, DEFAULT_TIME_S, Iperf3Error, checkClientOptions, runIperf3, type Iperf3Flow, type Iperf3Interval } from '../../probes/iperf3/index.js';
import { checkEnvironment, findProgram } from '../../runtime/netns/requirements.js';
import { findNode, resolveDst } from '../../runtime/netns/resolve.js';
import { readState, type StateNode } from '../../runtime/netns/state.js';
import { numberOption } from '../options.js';
import { table } from '../table.js';

export interface IperfOpts {
  port?: string;
  udp?: boolean;
  bitrate?: string;
  time?: string;
  interval?: string;
  reverse?: boolean;
  json?: boolean;
}


function iperf3Ports(node: StateNode | null): number[] | null {
  const svc = node?.services.find((s) => s.kind === 'iperf3');
  return svc ? portsOf(svc.options as Iperf3Options) : null;
}

export async function iperfCommand(name: string, src: string, dst: string, opts: IperfOpts): Promise<void> {
  checkEnvironment(null);
  if (!findProgram('iperf3')) throw new EnvError('missing program: iperf3', 'apt-get install -y iperf3');
  const state = readState(name);
  if (!state) throw new UsageError(`no lab named '${name}' is up (see 'halab status')`);
  const from = findNode(state, src, 'SRC');
  const to = resolveDst(state, dst);
  const served = iperf3Ports(to.node);
  const port = numberOption('port', opts.port) ?? served?.[0] ?? DEFAULT_PORT;
  const o = {
    port,
    udp: !!opts.udp,
    ...(opts.bitrate !== undefined ? { bitrate: opts.bitrate } : {}),
    timeS: numberOption('time', opts.time) ?? DEFAULT_TIME_S,
    intervalS: numberOption('interval', opts.interval) ?? DEFAULT_INTERVAL_S,
    reverse: !!opts.reverse,
  };
  const bad = checkClientOptions(o);
  if (bad.length) throw new UsageError(bad.join('; '));

  const where = `${to.address}:${port}${to.node && to.node.name !== dst ? ` (node ${to.node.name})` : ''}`;
  let flow: Iperf3Flow;
  try {
    flow = await runIperf3({ ns: from.ns, dst: to.address, lab: name, ...o });
  } catch (e) {
    if (!(e instanceof Iperf3Error)) throw e;
    const services = to.node ? (served ? `; node ${to.node.name} runs iperf3 servers on ${served.join(', ')}` : `; node ${to.node.name} runs no iperf3 service (add services: { iperf3: { ports: [${port}] } })`) : '';
    switch (e.kind) {
      case 'refused':
        throw new UsageError(`no iperf3 server listening on ${where} (${src} got: connection refused)${services}`);
      case 'busy':
        throw new UsageError(`the iperf3 server on ${where} is busy with another test (a server runs one test at a time)${services ? `${services}: use another port` : ''}`);
      case 'unreachable':
      case 'timeout':
        throw new UsageError(`${src} cannot reach ${where}: ${e.message}`);
      default:
        throw new UsageError(`iperf3 from ${src} to ${where} failed: ${e.message}`);
    }
  }
  if (opts.json) console.log(JSON.stringify({ lab: name, src, dstNode: to.node?.name ?? null, ...flow }, null, 2));
  else console.log(render(flow, src, to.node?.name ?? null));
  if (flow.error !== null) {
    console.error(`halab: the test ended early: ${flow.error}`);
    process.exitCode = 1;
  }
}

export function fmtRate(bps: number): string {
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2)} Gbit/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)} Mbit/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(1)} kbit/s`;
  return `${bps.toFixed(0)} bit/s`;
}

export function fmtBytes(b: number): string {
  if (b >= 1e9) return `${(b / 1e9).toFixed(2)} GB`;
  if (b >= 1e6) return `${(b / 1e6).toFixed(2)} MB`;
  if (b >= 1e3) return `${(b / 1e3).toFixed(1)} kB`;
  return `${b} B`;
}

const span = (i: Iperf3Interval) => `${i.startS.toFixed(2)}-${i.endS.toFixed(2)}`;

/**
 * Both sides in one table when their intervals line up (same grid; the receiver may have one more,
 * short interval at the end: data still in flight when the sender's last interval ended), else
 * one table each.
 */
function intervalTables(f: Iperf3Flow): string[] {
  const udp = f.protocol === 'udp';
  const sendCols = (i: Iperf3Interval | undefined) => (i ? [fmtBytes(i.bytes), fmtRate(i.bitsPerSecond), String(udp ? (i.packets ?? '-') : (i.retransmits ?? '-'))] : ['-', '-', '-']);
  const recvCols = (i: Iperf3Interval | undefined) =>
    i ? [fmtBytes(i.bytes), fmtRate(i.bitsPerSecond), ...(udp ? [String(i.lostPackets ?? '-'), i.jitterMs !== undefined ? i.jitterMs.toFixed(3) : '-'] : [])] : udp ? ['-', '-', '-', '-'] : ['-', '-'];
  const sendHead = ['sent', 'sent rate', udp ? 'datagrams' : 'retr'];
  const recvHead = ['received', 'recv rate', ...(udp ? ['lost', 'jitter ms'] : [])];
  const s = f.sender ?? [];
  const r = f.receiver ?? [];
  const n = Math.min(s.length, r.length);
  const aligned = Math.abs(s.length - r.length) <= 1 && s.slice(0, n).every((x, k) => Math.abs(x.startS - r[k]!.startS) < Math.max(0.05, x.endS - x.startS));
  if (f.sender && f.receiver && aligned) {
    const rows = Array.from({ length: Math.max(s.length, r.length) }, (_, k) => [span((s[k] ?? r[k])!), ...sendCols(s[k]), ...recvCols(r[k])]);
    return [table(['interval s', ...sendHead, ...recvHead], rows)];
  }
  const out: string[] = [];
  if (f.sender) out.push(`sender (${f.reverse ? 'server' : 'client'}):\n${table(['interval s', ...sendHead], s.map((x) => [span(x), ...sendCols(x)]))}`);
  if (f.receiver) out.push(`receiver (${f.reverse ? 'client' : 'server'}):\n${table(['interval s', ...recvHead], r.map((x) => [span(x), ...recvCols(x)]))}`);
  if (!f.receiver) out.push(`(no receiver intervals: the server's output is not JSON; the iperf3 service's servers give it)`);
  return out;
}

export function render(f: Iperf3Flow, src: string, dstNode: string | null): string {
  const udp = f.protocol === 'udp';
  const arrow = f.reverse ? '<-' : '->';
  const cap = f.targetBitsPerSecond ? `capped at ${fmtRate(f.targetBitsPerSecond)}` : 'uncapped';
  const head = `${src} ${arrow} ${dstNode ? `${dstNode} ` : ''}${f.dst}:${f.port}: ${udp ? 'UDP' : 'TCP'}${f.reverse ? ' reverse (server sends)' : ''}, ${cap}, ${f.durationS} s`;
  const lines = [head, ...intervalTables(f)];
  const t = f.totals;
  if (t) {
    const rtt = t.rttUs ? `, RTT ${t.rttUs.min}/${Math.round(t.rttUs.mean)}/${t.rttUs.max} µs (min/mean/max)` : '';
    if (udp) {
      lines.push(`sent      ${fmtBytes(t.sentBytes)}, ${t.packets ?? '?'} datagrams in ${t.seconds.toFixed(2)} s at ${fmtRate(t.sentBitsPerSecond)}`);
      const missing = t.packets !== undefined && t.receivedPackets !== undefined ? t.packets - t.receivedPackets : undefined;
      const tail = missing !== undefined && t.lostPackets !== undefined && missing > t.lostPackets ? `; ${missing - t.lostPackets} more never arrived (lost at the end, which iperf3 does not count)` : '';
      lines.push(
        `received  ${fmtBytes(t.receivedBytes)}, ${t.receivedPackets ?? '?'} datagrams at ${fmtRate(t.receivedBitsPerSecond)}; lost ${t.lostPackets ?? '?'} (${(t.lostPercent ?? 0).toFixed(2)} %)${tail}; jitter ${t.jitterMs?.toFixed(3) ?? '?'} ms`,
      );
    } else {
      lines.push(`sent      ${fmtBytes(t.sentBytes)} in ${t.seconds.toFixed(2)} s at ${fmtRate(t.sentBitsPerSecond)}, ${t.retransmits ?? '?'} retransmits${rtt}`);
      lines.push(`received  ${fmtBytes(t.receivedBytes)} at ${fmtRate(t.receivedBitsPerSecond)}`);
    }
  }
  lines.push(`client process: ${f.startedMs.toFixed(1)} to ${f.exitedMs.toFixed(1)} ms on the lab clock (monotonic); intervals count from the test start, a few ms after the first`);
  return lines.join('\n');
}
