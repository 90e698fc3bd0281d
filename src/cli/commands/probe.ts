/**
 * `halab probe NAME SRC DST`: a UDP probe flow from node SRC to DST (a node, or an address of one)
 * at a fixed rate (1 kHz default), optionally both ways; prints the failover-gap report per
 * direction and the lab events seen meanwhile, relative to the first fault event (else to the
 * probe start); or the same as JSON with result.json's flow keys (DESIGN.md).
 */
import { UsageError } from '../../errors.js';
import { checkProbeOptions, DEFAULT_DURATION_S, DEFAULT_PORT, DEFAULT_RATE_HZ, ProbeError, runProbe, type ProbeResult } from '../../probes/udp/index.js';
import { checkEnvironment } from '../../runtime/netns/requirements.js';
import { findNode, resolveDst } from '../../runtime/netns/resolve.js';
import { readState } from '../../runtime/netns/state.js';
import { numberOption } from '../options.js';
import { flowTable } from '../table.js';

export interface ProbeOpts {
  rate?: string;
  duration?: string;
  both?: boolean;
  port?: string;
  json?: boolean;
}


export async function probeCommand(name: string, src: string, dst: string, opts: ProbeOpts): Promise<void> {
  checkEnvironment(null);
  const o = { rateHz: numberOption('rate', opts.rate) ?? DEFAULT_RATE_HZ, durationS: numberOption('duration', opts.duration) ?? DEFAULT_DURATION_S, port: numberOption('port', opts.port) ?? DEFAULT_PORT };
  const bad = checkProbeOptions(o);
  if (bad.length) throw new UsageError(bad.join('; '));
  const state = readState(name);
  if (!state) throw new UsageError(`no lab named '${name}' is up (see 'halab status')`);
  const from = findNode(state, src, 'SRC');
  const to = resolveDst(state, dst);
  if (!to.node) throw new UsageError(`${to.address} is not an address of any node of lab ${name}: the probe needs its receiver in a node; give DST as a node or one of its addresses`);
  if (to.node.name === from.name) throw new UsageError(`SRC and DST are the same node (${from.name})`);
  let r: ProbeResult;
  try {
    r = await runProbe({ lab: name, src: { node: from.name, ns: from.ns }, dst: { node: to.node.name, ns: to.node.ns, address: to.address }, both: !!opts.both, ...o });
  } catch (e) {
    if (e instanceof ProbeError) throw new UsageError(`probe ${src} -> ${dst}: ${e.message}`);
    throw e;
  }
  if (opts.json) console.log(JSON.stringify(r, null, 2));
  else console.log(render(r));
  for (const f of r.flows) if (f.received === 0) console.error(`halab: nothing arrived on ${f.name} (${f.dstAddress}:${f.port}): is it reachable?`);
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

export function render(r: ProbeResult): string {
  const f0 = r.flows[0]!;
  const both = r.flows.length > 1 ? ', both directions' : '';
  const lines = [`probe ${f0.src} -> ${f0.dst} (${f0.dstAddress}:${r.port})${both}: UDP at ${r.rateHz} Hz for ${r.durationS} s`];
  lines.push(
    r.fault
      ? `times in ms from the fault (${r.fault.target}: ${r.fault.detail}), ${r.fault.atMs.toFixed(1)} ms after the probe start`
      : 'no fault event during the probe; times in ms from the probe start',
  );
  lines.push(flowTable(r.flows));
  const lag = Math.max(...r.flows.map((f) => f.sendLagMs));
  lines.push(`outage = lost packets / rate; resolution: one probe interval (${(1000 / r.rateHz).toFixed(r.rateHz > 1000 ? 2 : 1)} ms) plus the senders' worst lag (${lag.toFixed(1)} ms)`);
  const windows = r.flows.flatMap((f) => f.lossWindows.map((w) => `  ${f.name}  ${signed(w.startMs)} .. ${signed(w.endMs)} ms  (${w.count} packets, ${w.outageMs.toFixed(1)} ms)`));
  if (windows.length) lines.push('loss windows (send times):', ...(windows.length > 20 ? [...windows.slice(0, 20), `  ... ${windows.length - 20} more`] : windows));
  if (r.events.length) {
    lines.push(`lab events (ms from the ${r.relativeTo === 'fault' ? 'fault' : 'probe start'}):`);
    lines.push(...r.events.map((e) => `  ${signed(e.tMs).padStart(9)}  ${e.node}  ${e.kind}  ${e.detail}`));
  } else lines.push('no lab events during the probe');
  return lines.join('\n');
}
