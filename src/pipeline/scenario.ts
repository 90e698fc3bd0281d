/**
 * Lab files (labs/*.yaml, docs/labs.md): parse with positions -> schema -> normalise -> check
 * against the topology they name (which is loaded, validated, expanded and planned too). Every
 * problem of the lab file is reported at once, at FILE:LINE:COL; a topology with errors reports
 * its own. Pure: nothing is created.
 */
import { isIP } from 'node:net';
import { basename, dirname, extname, resolve } from 'node:path';
import { InputError, tidyDiagnostics, UsageError, type Diagnostic } from '../errors.js';
import type { Lab } from '../model/lab.js';
import type { Path } from '../model/path.js';
import type { Plan } from '../model/plan.js';
import type { AssertionSpec, Condition, EventMatch, FaultSpec, FlowSpec, Phase, Scenario } from '../model/scenario.js';
import { PHASE_KINDS } from '../model/scenario.js';
import { scenarioSchema } from '../model/scenario-schema.js';
import { conditionKinds } from '../plugins/conditions/index.js';
import { faultKinds } from '../plugins/faults/index.js';
import { portsOf, type Iperf3Options } from '../plugins/services/iperf3/options.js';
import { parseBitrate } from '../probes/iperf3/client.js';
import { schemaDiagnostics } from '../util/schema-check.js';
import { closest, nameProblem } from '../util/names.js';
import { expand } from './expand.js';
import { parseFile, type SourceDoc } from './parse.js';
import { plan } from './plan.js';
import { validateSource } from './validate.js';

export interface LoadedScenario {
  scenario: Scenario;
  lab: Lab;
  plan: Plan;
}

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

export const DEFAULT_RATE_HZ = { udp: 1000, icmp: 100, http: 20 } as const;
const DEFAULT_WAIT_MS = 60_000;
const DEFAULT_VERIFY_MS = 10_000;
const FIRST_PORT = 7500;

/** A lab file, as opposed to a topology: it names a topology. */
export function isLabFile(src: SourceDoc): boolean {
  return isObj(src.data) && 'topology' in src.data;
}

/** "500ms", "2s", "1.5m" or a number of seconds -> ms; null when it is none of these. */
export function parseDuration(v: unknown): number | null {
  if (typeof v === 'number') return v >= 0 ? v * 1000 : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*$/.exec(v);
  if (!m) return null;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

export function loadScenario(file: string, labName?: string): LoadedScenario {
  return checkScenario(parseFile(file), labName);
}

export function checkScenario(src: SourceDoc, labName?: string): LoadedScenario {
  const diags: Diagnostic[] = schemaDiagnostics(scenarioSchema, src.data, src);
  const err = (path: Path, message: string, key = false) => diags.push(src.diag(path, message, { key }));
  const raw = isObj(src.data) ? src.data : {};

  // The lab file's name names its results; the lab instance it builds may be named otherwise (--name).
  const name = typeof raw.name === 'string' ? raw.name : basename(src.file, extname(src.file));
  const bad = nameProblem(name, 'lab');
  if (bad) err(typeof raw.name === 'string' ? ['name'] : [], bad);
  if (labName !== undefined && nameProblem(labName, 'lab')) throw new UsageError(`--name: ${nameProblem(labName, 'lab')}`);

  // The topology: its own errors stand as they are (its file, its positions).
  let lab: Lab | undefined;
  let planned: Plan | undefined;
  const topologyFile = typeof raw.topology === 'string' ? resolve(dirname(src.file), raw.topology) : '';
  if (topologyFile) {
    try {
      const topo = parseFile(topologyFile);
      // A variant of the topology (other timers, no policy...) without a copy of the file.
      const patched = isObj(raw['topology-patch']) ? { ...topo, data: mergePatch(topo.data, raw['topology-patch']) } : topo;
      lab = expand(validateSource(patched), labName ?? (bad ? undefined : name));
      planned = plan(lab);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const missing = e.diagnostics.length === 1 && e.diagnostics[0]!.message.startsWith('cannot read file');
      if (missing) err(['topology'], `topology ${raw.topology} (${topologyFile}): ${e.diagnostics[0]!.message}`);
      else diags.push(...e.diagnostics);
    }
  }

  const duration = (path: Path, v: unknown, what: string): number => {
    const d = parseDuration(v);
    if (d === null) err(path, `${what} '${String(v)}' is not a duration: write 500ms, 2s, 1m or a number of seconds`);
    return d ?? 0;
  };

  const nodeRef = (path: Path, node: unknown, what = 'node'): boolean => {
    if (!lab || typeof node !== 'string') return false;
    if (lab.nodes.some((n) => n.name === node)) return true;
    const hint = closest(node, lab.nodes.map((n) => n.name));
    err(path, `the topology has no ${what} '${node}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    return false;
  };
  const addressOwner = (a: string) => lab?.nodes.find((n) => n.spec.interfaces.some((i) => i.addresses.some((c) => c.ip === a)));

  // Flows
  const flows: FlowSpec[] = [];
  const rawFlows = isObj(raw.flows) ? raw.flows : {};
  Object.entries(rawFlows).forEach(([fname, rf], i) => {
    const path: Path = ['flows', fname];
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/.test(fname)) err(path, `flow name '${fname}' must be 1-40 letters, digits, '_', '.' or '-', starting with a letter or digit`, true);
    if (!isObj(rf) || typeof rf.from !== 'string' || typeof rf.to !== 'string') return;
    const type = rf.type === 'icmp' || rf.type === 'tcp' || rf.type === 'http' ? rf.type : 'udp';
    const rateHz = type === 'tcp' ? 10 : typeof rf['rate-hz'] === 'number' ? rf['rate-hz'] : DEFAULT_RATE_HZ[type];
    if (type === 'tcp') {
      for (const k of ['rate-hz', 'both'] as const) if (rf[k] !== undefined) err([...path, k], `${k} is not for tcp flows (an iperf3 client reporting every 0.1 s)`, true);
    } else if (rf.bitrate !== undefined) err([...path, 'bitrate'], 'bitrate is for tcp (iperf3) flows', true);
    if (typeof rf.bitrate === 'string' && parseBitrate(rf.bitrate) === null) err([...path, 'bitrate'], `'${rf.bitrate}' is not a rate (e.g. 100M, 500K, 1G; 0 for unlimited)`);
    if (type === 'udp' && rateHz > 50_000) err([...path, 'rate-hz'], `rate ${rateHz} Hz: udp flows go up to 50000 Hz`);
    if (type === 'icmp' && rateHz > 500) err([...path, 'rate-hz'], `rate ${rateHz} Hz: icmp flows (ping) go up to 500 Hz`);
    if (type === 'icmp' && rf.both) err([...path, 'both'], 'an icmp flow is a round trip already: both is for udp flows', true);
    if (type === 'icmp' && rf.port !== undefined) err([...path, 'port'], 'icmp flows have no port', true);
    if (type === 'http' && rateHz > 200) err([...path, 'rate-hz'], `rate ${rateHz} Hz: http flows (a new connection per request) go up to 200 Hz`);
    if (type === 'http' && rf.both) err([...path, 'both'], 'an http flow is a request and its answer: both is for udp flows', true);
    nodeRef([...path, 'from'], rf.from);
    if (lab) {
      if (isIP(rf.to)) {
        if (type === 'udp' && !addressOwner(rf.to)) err([...path, 'to'], `${rf.to} is no address of a node of the topology: a udp flow's receiver runs in a node; give a node or one of its addresses`);
      } else nodeRef([...path, 'to'], rf.to);
      if (rf.from === rf.to || addressOwner(rf.to)?.name === rf.from) err([...path, 'to'], `a flow from ${rf.from} to itself`);
      if (rf.address !== undefined && (typeof rf.address !== 'string' || !isIP(rf.address))) err([...path, 'address'], `'${String(rf.address)}' is not an IP address`);
      if (rf.address !== undefined && isIP(rf.to)) err([...path, 'address'], 'address is for a flow whose `to` is a node (the receiver) reached at another address', true);
    }
    let port = typeof rf.port === 'number' ? rf.port : type === 'http' ? 80 : FIRST_PORT + i;
    if (type === 'tcp' && lab) {
      const server = isIP(rf.to) ? addressOwner(rf.to) : lab.nodes.find((n) => n.name === rf.to);
      const spec = server?.spec.services.find((s) => s.kind === 'iperf3');
      const ports = spec ? portsOf(spec.options as Iperf3Options) : [];
      if (server && !spec) err([...path, 'to'], `a tcp flow needs an iperf3 server: node ${server.name} runs no iperf3 service`);
      else if (spec && typeof rf.port === 'number' && !ports.includes(rf.port)) err([...path, 'port'], `node ${server!.name}'s iperf3 servers listen on ${ports.join(', ')}, not ${rf.port}`);
      port = typeof rf.port === 'number' ? rf.port : (ports[0] ?? 5201);
      const taken = flows.find((f) => f.type === 'tcp' && f.to === rf.to && f.port === port);
      if (taken) err([...path, 'to'], `flow ${taken.name} uses ${rf.to}'s iperf3 server on port ${port} already; a server runs one test at a time (give the node more ports)`);
    }
    flows.push({ name: fname, type, from: rf.from, to: rf.to, ...(typeof rf.address === 'string' ? { address: rf.address } : {}), rateHz, both: rf.both === true, path, ...(type !== 'icmp' ? { port } : {}), ...(typeof rf.bitrate === 'string' ? { bitrate: rf.bitrate } : {}) });
  });

  const conditionsOf = (path: Path, v: unknown): Condition[] => {
    if (!isObj(v)) return [];
    return Object.entries(v).flatMap(([kind, o]) => {
      const ck = conditionKinds.get(kind);
      if (!ck || !isObj(o)) return [];
      const c: Condition = { kind, options: o, path: [...path, kind] };
      if (lab && nodeRef([...c.path, 'node'], o.node)) ck.check(o, lab.node(o.node as string), lab, (p, m) => err([...c.path, ...p], m));
      return [c];
    });
  };

  // Phases
  const phases: Phase[] = [];
  const rawPhases = Array.isArray(raw.phases) ? raw.phases : [];
  rawPhases.forEach((rp, i) => {
    const path: Path = ['phases', i];
    if (!isObj(rp)) return;
    const keys = PHASE_KINDS.filter((k) => k in rp);
    if (keys.length !== 1) {
      // A phase with only an unknown key (a typo) has had its message from the schema.
      const typo = Object.keys(rp).some((k) => !(k in scenarioSchema.properties.phases.items.properties));
      if (keys.length || !typo) err(path, keys.length ? `a phase does one thing: ${keys.join(' and ')} are two phases` : `a phase needs one of: ${PHASE_KINDS.join(', ')}`);
      return;
    }
    const kind = keys[0]!;
    if ('when' in rp && kind !== 'fault') err([...path, 'when'], `'when' is for fault phases, not ${kind}`, true);
    if ('deadline' in rp && !(kind === 'wait' || kind === 'verify' || (kind === 'fault' && 'when' in rp))) err([...path, 'deadline'], `'deadline' is for wait, verify and fault-when phases, not ${kind}`, true);
    const deadlineMs = 'deadline' in rp ? duration([...path, 'deadline'], rp.deadline, 'deadline') : kind === 'verify' ? DEFAULT_VERIFY_MS : DEFAULT_WAIT_MS;
    switch (kind) {
      case 'wait':
      case 'verify':
        phases.push({ kind, conditions: conditionsOf([...path, kind], rp[kind]), deadlineMs, path });
        break;
      case 'baseline':
      case 'observe':
      case 'sleep':
        phases.push({ kind, ms: duration([...path, kind], rp[kind], kind), path });
        break;
      case 'restore':
        phases.push({ kind, path });
        break;
      case 'exec': {
        const e = isObj(rp.exec) ? rp.exec : {};
        const commands = Array.isArray(e.commands) ? e.commands.filter((c): c is string[] => Array.isArray(c) && c.length > 0 && c.every((x) => typeof x === 'string')) : [];
        if (typeof e.node === 'string' && nodeRef([...path, 'exec', 'node'], e.node)) phases.push({ kind, node: e.node, commands, path });
        break;
      }
      case 'fault': {
        const f = faultSpec([...path, 'fault'], rp.fault);
        if (f) phases.push({ kind, fault: f, when: conditionsOf([...path, 'when'], rp.when), deadlineMs, path });
      }
    }
  });

  function faultSpec(path: Path, rf: unknown): FaultSpec | null {
    if (!isObj(rf) || typeof rf.kind !== 'string' || typeof rf.target !== 'string') return null;
    const fk = faultKinds.get(rf.kind);
    if (!fk) {
      const hint = closest(rf.kind, [...faultKinds.keys()]);
      err([...path, 'kind'], `unknown fault '${rf.kind}'${hint ? ` (did you mean '${hint}'?)` : ''}; faults: ${[...faultKinds.keys()].join(', ')}`);
      return null;
    }
    const target = rf.target;
    const [node, part] = fk.target === 'node' ? [target, undefined] : [target.slice(0, target.indexOf(':')), target.slice(target.indexOf(':') + 1)];
    if (fk.target !== 'node' && (target.indexOf(':') <= 0 || !part)) err([...path, 'target'], `a ${rf.kind} fault's target is NODE:${fk.target.toUpperCase()}, not '${target}'`);
    else if (nodeRef([...path, 'target'], node) && (fk.target === 'interface' || fk.target === 'port') && lab && !lab.node(node).ifaces.has(part!)) {
      err([...path, 'target'], `node ${node} has no interface '${part}'; it has: ${[...lab.node(node).ifaces.keys()].join(', ')}`);
    }
    if (rf['duration-ms'] !== undefined && rf.kind !== 'blackhole' && rf.kind !== 'node-restart') err([...path, 'duration-ms'], `duration-ms is for blackhole and node-restart faults, not ${rf.kind}`, true);
    if (rf.kind === 'blackhole' && rf['duration-ms'] === undefined) err(path, 'a blackhole fault needs duration-ms');
    if (rf.signal !== undefined && rf.kind !== 'process-kill') err([...path, 'signal'], `signal is for process-kill faults, not ${rf.kind}`, true);
    const signal = typeof rf.signal === 'string' ? (rf.signal.replace(/^SIG/, '') as 'KILL' | 'TERM') : undefined;
    return { kind: rf.kind, target, path, ...(typeof rf['duration-ms'] === 'number' ? { durationMs: rf['duration-ms'] } : {}), ...(signal ? { signal } : {}) };
  }

  const baselines = phases.filter((p) => p.kind === 'baseline');
  if (baselines.length > 1) err(baselines[1]!.path, 'one baseline per lab: the flows start there and run until the last observe');
  if (flows.length && !baselines.length) err(['flows'], 'flows start at a baseline phase: add `- baseline: 2s` before the fault', true);
  const firstBaseline = phases.findIndex((p) => p.kind === 'baseline');
  const lastObserve = phases.map((p) => p.kind).lastIndexOf('observe');
  if (flows.length && firstBaseline >= 0 && lastObserve < firstBaseline) err(baselines[0]!.path, 'flows run from the baseline to the end of the last observe phase: add `- observe: 5s` after the fault');

  // Assertions
  const flowNames = new Set(flows.flatMap((f) => (f.both ? [f.name, `${f.name}:forward`, `${f.name}:reverse`] : [f.name])));
  const flowRef = (path: Path, v: unknown): string | undefined => {
    if (typeof v !== 'string') return undefined;
    if (!flowNames.has(v)) {
      const hint = closest(v, [...flowNames]);
      err(path, `no flow '${v}'${hint ? ` (did you mean '${hint}'?)` : ''}; flows: ${[...flowNames].join(', ') || 'none'}`);
    }
    return v;
  };
  const match = (path: Path, v: unknown): EventMatch => {
    const m: EventMatch = {};
    if (!isObj(v)) return m;
    if (typeof v.kind === 'string') m.kind = v.kind;
    if (typeof v.node === 'string') {
      nodeRef([...path, 'node'], v.node);
      m.node = v.node;
    }
    if (typeof v.detail === 'string') {
      m.detail = v.detail;
      const re = /^\/(.*)\/([a-z]*)$/.exec(v.detail);
      if (re) {
        try {
          new RegExp(re[1]!, re[2]);
        } catch (e) {
          err([...path, 'detail'], `not a regular expression: ${(e as Error).message}`);
        }
      }
    }
    return m;
  };
  const assertions: AssertionSpec[] = [];
  const rawAssertions = Array.isArray(raw.assertions) ? raw.assertions : [];
  rawAssertions.forEach((ra, i) => {
    const path: Path = ['assertions', i];
    if (!isObj(ra) || Object.keys(ra).length !== 1) return;
    const [kind, v] = Object.entries(ra)[0]!;
    const o = isObj(v) ? v : {};
    const flow = flowRef([...path, kind, 'flow'], o.flow);
    switch (kind) {
      case 'outage': {
        const maxMs = typeof o['max-ms'] === 'number' ? o['max-ms'] : undefined;
        const minMs = typeof o['min-ms'] === 'number' ? o['min-ms'] : undefined;
        if (maxMs === undefined && minMs === undefined) err([...path, kind], 'an outage assertion needs max-ms, min-ms or both');
        if (maxMs !== undefined && minMs !== undefined && minMs > maxMs) err([...path, kind, 'min-ms'], `min-ms ${minMs} is above max-ms ${maxMs}`);
        if (!flows.length) err([...path, kind], 'an outage assertion needs flows');
        assertions.push({ kind, path, ...(flow ? { flow } : {}), ...(maxMs !== undefined ? { maxMs } : {}), ...(minMs !== undefined ? { minMs } : {}) });
        break;
      }
      case 'recovered':
        if (!flows.length) err([...path, kind], 'a recovered assertion needs flows');
        assertions.push({ kind, path, ...(flow ? { flow } : {}) });
        break;
      case 'event':
        assertions.push({ kind, path, match: match([...path, kind], o), ...(typeof o['within-ms'] === 'number' ? { withinMs: o['within-ms'] } : {}) });
        break;
      case 'order':
        assertions.push({ kind, path, matches: Array.isArray(v) ? v.map((m, j) => match([...path, kind, j], m)) : [] });
        break;
      default: {
        const [c] = conditionsOf(path, { [kind]: v });
        if (c) assertions.push({ kind: 'state', condition: c, path });
      }
    }
  });

  const readyTimeoutMs = raw['ready-timeout'] !== undefined ? duration(['ready-timeout'], raw['ready-timeout'], 'ready-timeout') : 60_000;
  if (diags.length || !lab || !planned) {
    if (!diags.length) err(['topology'], 'a lab file names its topology file: topology: PATH');
    throw new InputError(tidyDiagnostics(diags));
  }
  const scenario: Scenario = {
    file: src.file,
    name,
    topologyFile,
    trials: typeof raw.trials === 'number' ? raw.trials : 1,
    betweenTrials: raw['between-trials'] === 'rebuild' ? 'rebuild' : 'restore',
    readyTimeoutMs,
    flows,
    phases,
    assertions,
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
  };
  return { scenario, lab, plan: planned };
}

/**
 * RFC 7386 JSON merge patch: maps merge key by key, `null` removes a key, anything else
 * (scalars, lists) replaces.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Raw = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
