/**
 * SPP (Soft Patch Panel, seeds/003) command batches, pure: parse a message, validate its commands
 * one by one against the patch panel's state, and compute the OpenFlow table that emulates the
 * resulting data path. No I/O: the agent (src/agents/spp-agent.ts) applies what this returns.
 *
 * The memo's model: one spp_vf per physical NIC holds components bound to CPU cores: a classifier
 * (rx the NIC, tx rings; frames go to a ring by destination MAC through the MAC table), forwards
 * (ring -> vhost, vhost -> ring) and a merge (rx rings, tx the NIC). The emulation is one OVS
 * bridge (userspace datapath) per NIC: the NIC and vhost ports are veths, a ring is a patch-port
 * pair on the same bridge (`ringN` is where a component enqueues, `ringN-deq` where the next one
 * dequeues), and each component is a set of OpenFlow rules whose cookie is its core id.
 *
 * A batch is all or nothing: the first invalid command rejects the whole message, with its index,
 * and nothing changes. Valid commands take effect at `flush`.
 */

/** The batch size limit the memo leaves open (labs/spp-wiring.md, "Batch size"). */
export const MAX_COMMANDS = 64;
export const MAX_MESSAGE_BYTES = 64 * 1024;

export type ComponentType = 'classifier' | 'merge' | 'forward';

export interface Component {
  core: number;
  type: ComponentType;
  rx: string[];
  tx: string[];
}

export interface SppState {
  /** Core id -> component. */
  components: Record<string, Component>;
  /** MAC (lower case) -> ring. */
  table: Record<string, string>;
}

/** The static configuration of one spp_vf (the memo's per-NIC file plus its core set). */
export interface VfConfig {
  name: string;
  processId: number;
  numVhost: number;
  numRing: number;
  /** The physical NIC's port name (the memo's `nic0`). */
  nic: string;
  /** Cores components may be bound to (spp_vf's core mask without its master core). */
  cores: number[];
}

export type Command =
  | { command: 'process' }
  | { command: 'component'; core: number; type: ComponentType | 'none'; rx: string[]; tx: string[] }
  | { command: 'classifier_table'; mac: string; port: string }
  | { command: 'flush' };

export interface Rejection {
  ok: false;
  /** Index of the offending command in `commands`; -1: the message itself. */
  index: number;
  error: string;
}

export interface Accepted {
  ok: true;
  commands: Command[];
  /** The state after each command (the same object again after process/flush). */
  states: SppState[];
  final: SppState;
  flush: boolean;
}

export const emptyState = (): SppState => ({ components: {}, table: {} });

export function ringNames(cfg: VfConfig): string[] {
  return Array.from({ length: cfg.numRing }, (_, i) => `ring${i}`);
}

export function vhostNames(cfg: VfConfig): string[] {
  return Array.from({ length: cfg.numVhost }, (_, i) => `vhost${i}`);
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function clone(s: SppState): SppState {
  return {
    components: Object.fromEntries(Object.entries(s.components).map(([k, c]) => [k, { ...c, rx: [...c.rx], tx: [...c.tx] }])),
    table: { ...s.table },
  };
}

function describeComponent(c: Component): string {
  return `${c.type} (rx ${c.rx.join(',') || '-'}, tx ${c.tx.join(',') || '-'})`;
}

/** Parse one message's text: size limit, JSON, `{"commands": [...]}`. */
export function parseMessage(text: string): { ok: true; raw: unknown[] } | Rejection {
  if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return { ok: false, index: -1, error: `message of ${Buffer.byteLength(text)} bytes is over the limit of ${MAX_MESSAGE_BYTES}` };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { ok: false, index: -1, error: `malformed JSON: ${(e as Error).message}` };
  }
  if (!isRecord(doc) || !Array.isArray(doc.commands)) return { ok: false, index: -1, error: 'a message is {"commands": [...]}' };
  const extra = Object.keys(doc).filter((k) => k !== 'commands');
  if (extra.length) return { ok: false, index: -1, error: `unknown key '${extra[0]}' in the message (only "commands")` };
  if (doc.commands.length === 0) return { ok: false, index: -1, error: 'the batch has no commands' };
  if (doc.commands.length > MAX_COMMANDS)
    return { ok: false, index: MAX_COMMANDS, error: `a batch holds at most ${MAX_COMMANDS} commands (this one has ${doc.commands.length}); split it, each part ending with flush` };
  return { ok: true, raw: doc.commands };
}

/** Validate each raw command into a typed one (shape only; state checks come in `applyCommands`). */
function typed(raw: unknown): Command | string {
  if (!isRecord(raw)) return 'a command is an object with a "command" key';
  const allowed = (keys: string[]): string | null => {
    const bad = Object.keys(raw).find((k) => !keys.includes(k));
    return bad ? `unknown key '${bad}' in a ${String(raw.command)} command` : null;
  };
  switch (raw.command) {
    case 'process':
    case 'flush':
      return allowed(['command']) ?? { command: raw.command };
    case 'component': {
      const bad = allowed(['command', 'core_id', 'type', 'rx_ports', 'tx_ports']);
      if (bad) return bad;
      const coreText = typeof raw.core_id === 'number' ? String(raw.core_id) : raw.core_id;
      if (typeof coreText !== 'string' || !/^\d{1,3}$/.test(coreText)) return `core_id ${JSON.stringify(raw.core_id)} is not a core number ("2")`;
      const type = raw.type;
      if (type !== 'classifier' && type !== 'merge' && type !== 'forward' && type !== 'none')
        return `component type ${JSON.stringify(type)} is not classifier, merge, forward or none`;
      const ports = (k: 'rx_ports' | 'tx_ports'): string[] | string => {
        const v = raw[k];
        if (v === undefined) return [];
        if (!Array.isArray(v) || v.some((p) => typeof p !== 'string')) return `${k} must be a list of port names`;
        return v as string[];
      };
      const rx = ports('rx_ports');
      const tx = ports('tx_ports');
      if (typeof rx === 'string') return rx;
      if (typeof tx === 'string') return tx;
      if (type === 'none' && (rx.length || tx.length)) return 'a component of type none takes no ports (it clears the core)';
      return { command: 'component', core: Number(coreText), type, rx, tx };
    }
    case 'classifier_table': {
      const bad = allowed(['command', 'type', 'value', 'port']);
      if (bad) return bad;
      if (raw.type !== 'mac') return `classifier_table type ${JSON.stringify(raw.type)} is not supported (only "mac")`;
      if (typeof raw.value !== 'string' || !MAC.test(raw.value)) return `bad MAC ${JSON.stringify(raw.value)} (write xx:xx:xx:xx:xx:xx)`;
      if (parseInt(raw.value.slice(0, 2), 16) & 1) return `bad MAC ${raw.value}: a multicast or broadcast address cannot select one VM`;
      if (typeof raw.port !== 'string') return 'classifier_table needs a port: a ring, or "unuse"';
      return { command: 'classifier_table', mac: raw.value.toLowerCase(), port: raw.port };
    }
    default:
      return raw.command === undefined ? 'a command needs a "command" key' : `unknown command ${JSON.stringify(raw.command)}`;
  }
}

/** One command against a state: the new state, or why it is refused. */
function step(cfg: VfConfig, s: SppState, c: Command): SppState | string {
  const rings = ringNames(cfg);
  const vhosts = vhostNames(cfg);
  const known = new Set([cfg.nic, ...vhosts, ...rings]);
  switch (c.command) {
    case 'process':
    case 'flush':
      return s;
    case 'classifier_table': {
      const n = clone(s);
      if (c.port === 'unuse') {
        delete n.table[c.mac];
        return n;
      }
      if (!rings.includes(c.port))
        return known.has(c.port) ? `classifier_table port ${c.port} is not a ring (the classifier sends to rings: ${rings.join(', ')})` : `unknown port ${c.port} (ports: ${[...known].join(', ')})`;
      const cur = s.table[c.mac];
      if (cur && cur !== c.port) return `MAC ${c.mac} already goes to ${cur}; set it to "unuse" first`;
      n.table[c.mac] = c.port;
      return n;
    }
    case 'component': {
      if (!cfg.cores.includes(c.core)) return `core ${c.core} is not one of spp_vf ${cfg.name}'s cores (${cfg.cores.join(', ')})`;
      const key = String(c.core);
      const n = clone(s);
      if (c.type === 'none') {
        delete n.components[key];
        return n;
      }
      const cur = s.components[key];
      if (cur) return `core ${c.core} is already used by ${describeComponent(cur)}; clear it with type none first`;
      for (const p of [...c.rx, ...c.tx]) if (!known.has(p)) return `unknown port ${p} (ports: ${[...known].join(', ')})`;
      for (const [list, side] of [[c.rx, 'rx_ports'], [c.tx, 'tx_ports']] as const)
        if (new Set(list).size !== list.length) return `${side} lists a port twice`;
      const isRing = (p: string) => rings.includes(p);
      const isVhost = (p: string) => vhosts.includes(p);
      switch (c.type) {
        case 'classifier':
          if (c.rx.length !== 1 || c.rx[0] !== cfg.nic) return `a classifier receives from the NIC: rx_ports ["${cfg.nic}"]`;
          if (c.tx.length === 0) return 'a classifier with no destination: tx_ports needs at least one ring';
          if (!c.tx.every(isRing)) return `a classifier sends to rings only (tx_ports: ${c.tx.join(', ')})`;
          if (Object.values(s.components).some((o) => o.type === 'classifier')) return `spp_vf ${cfg.name} already has a classifier`;
          break;
        case 'merge':
          if (c.tx.length !== 1 || c.tx[0] !== cfg.nic) return `a merge sends to the NIC: tx_ports ["${cfg.nic}"]`;
          if (c.rx.length === 0) return 'a merge with no source: rx_ports needs at least one ring';
          if (!c.rx.every(isRing)) return `a merge receives from rings only (rx_ports: ${c.rx.join(', ')})`;
          if (Object.values(s.components).some((o) => o.type === 'merge')) return `spp_vf ${cfg.name} already has a merge`;
          break;
        case 'forward': {
          if (c.rx.length !== 1 || c.tx.length !== 1) return 'a forward has one rx port and one tx port';
          const [rx, tx] = [c.rx[0]!, c.tx[0]!];
          if (!((isRing(rx) && isVhost(tx)) || (isVhost(rx) && isRing(tx)))) return `a forward moves ring -> vhost or vhost -> ring, not ${rx} -> ${tx}`;
          break;
        }
      }
      // A port's receiving side belongs to one component, and so does its sending side.
      for (const o of Object.values(s.components)) {
        const rxDup = c.rx.find((p) => o.rx.includes(p));
        if (rxDup) return `port ${rxDup} is already received from by the ${o.type} on core ${o.core}`;
        const txDup = c.tx.find((p) => o.tx.includes(p));
        if (txDup) return `port ${txDup} is already sent to by the ${o.type} on core ${o.core}`;
      }
      n.components[key] = { core: c.core, type: c.type, rx: [...c.rx], tx: [...c.tx] };
      return n;
    }
  }
}

/** What must hold when a batch is flushed. */
function atFlush(s: SppState): string | null {
  const cls = Object.values(s.components).find((c) => c.type === 'classifier');
  for (const [mac, ring] of Object.entries(s.table))
    if (!cls?.tx.includes(ring)) return `MAC ${mac} goes to ${ring}, but ${cls ? `the classifier (core ${cls.core}) does not send to ${ring}` : 'no classifier is registered'}: re-register the classifier with it, or set the MAC to "unuse"`;
  return null;
}

/** Validate a message's commands against `state`. */
export function applyCommands(cfg: VfConfig, state: SppState, raw: unknown[]): Accepted | Rejection {
  const commands: Command[] = [];
  const states: SppState[] = [];
  let s = state;
  let flush = false;
  for (let i = 0; i < raw.length; i++) {
    const c = typed(raw[i]);
    if (typeof c === 'string') return { ok: false, index: i, error: c };
    if (flush) return { ok: false, index: i, error: 'a command after flush: flush ends a batch' };
    const next = step(cfg, s, c);
    if (typeof next === 'string') return { ok: false, index: i, error: next };
    if (c.command === 'flush') {
      const bad = atFlush(next);
      if (bad) return { ok: false, index: i, error: `at flush: ${bad}` };
      flush = true;
    }
    commands.push(c);
    states.push(next);
    s = next;
  }
  return { ok: true, commands, states, final: s, flush };
}

/** Parse and validate in one: what the agent does with each message. */
export function handleMessage(cfg: VfConfig, state: SppState, text: string): Accepted | Rejection {
  const p = parseMessage(text);
  if (!p.ok) return p;
  return applyCommands(cfg, state, p.raw);
}

/** OVS port names: the NIC's and vhosts' kernel names, rings as patch pairs. */
export interface PortMap {
  /** Topology name (nic0, vhost0) -> OVS port (kernel) name. */
  ports: Record<string, string>;
}

export const ringDeq = (ring: string) => `${ring}-deq`;

/**
 * The OpenFlow table (ovs-ofctl flow syntax, one rule a line) that emulates a state. The cookie is
 * the component's core; table misses drop (the bridge is fail-mode secure).
 */
export function flowsFor(state: SppState, map: PortMap = { ports: {} }): string[] {
  const port = (p: string) => map.ports[p] ?? p;
  const rxPort = (p: string) => (p.startsWith('ring') ? ringDeq(p) : port(p));
  const out: string[] = [];
  const comps = Object.values(state.components).sort((a, b) => a.core - b.core);
  for (const c of comps) {
    const cookie = `cookie=0x${c.core.toString(16)}`;
    switch (c.type) {
      case 'classifier':
        for (const [mac, ring] of Object.entries(state.table).sort())
          if (c.tx.includes(ring)) out.push(`${cookie},priority=100,in_port=${port(c.rx[0]!)},dl_dst=${mac},actions=output:${ring}`);
        break;
      case 'merge':
        for (const r of c.rx) out.push(`${cookie},priority=100,in_port=${rxPort(r)},actions=output:${port(c.tx[0]!)}`);
        break;
      case 'forward':
        out.push(`${cookie},priority=100,in_port=${rxPort(c.rx[0]!)},actions=output:${port(c.tx[0]!)}`);
        break;
    }
  }
  return out;
}

/** The distinct data-path tables a batch passes through when applied command by command. */
export function stepTables(before: SppState, states: SppState[], map?: PortMap): string[][] {
  const tables: string[][] = [];
  let last = flowsFor(before, map).join('\n');
  for (const s of states) {
    const t = flowsFor(s, map);
    const key = t.join('\n');
    if (key !== last) tables.push(t);
    last = key;
  }
  return tables;
}

/** One line per component and table entry, for status and events. */
export function summarize(s: SppState): string {
  const comps = Object.values(s.components)
    .sort((a, b) => a.core - b.core)
    .map((c) => `core ${c.core} ${describeComponent(c)}`);
  const table = Object.entries(s.table).map(([m, r]) => `${m}->${r}`);
  return [...comps, table.length ? `mac ${table.join(' ')}` : 'mac table empty'].join('; ') || 'no components';
}

/** The memo's core mask (`spp_vf -c 0x3ffd`) as component cores: every set bit but the lowest (the master core). */
export function coresOfMask(mask: string): number[] | null {
  if (!/^0x[0-9a-f]+$/i.test(mask)) return null;
  const v = BigInt(mask);
  const bits: number[] = [];
  for (let i = 0; i < 128; i++) if ((v >> BigInt(i)) & 1n) bits.push(i);
  return bits.slice(1);
}

/**
 * Frames JSON documents on a byte stream: a document ends where its outermost brace or bracket
 * closes (strings and escapes respected). Anything else first is a malformed message up to the
 * next newline.
 */
export function frame(buf: string): { doc: string; rest: string } | null {
  const start = buf.search(/\S/);
  if (start < 0) return null;
  if (buf[start] !== '{' && buf[start] !== '[') {
    const nl = buf.indexOf('\n', start);
    return nl < 0 ? null : { doc: buf.slice(start, nl), rest: buf.slice(nl + 1) };
  }
  let depth = 0;
  let inStr = false;
  for (let i = start; i < buf.length; i++) {
    const ch = buf[i];
    if (inStr) {
      if (ch === '\\') i++;
      else if (ch === '"') inStr = false;
    } else if (ch === '"') inStr = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return { doc: buf.slice(start, i + 1), rest: buf.slice(i + 1) };
    }
  }
  return null;
}

