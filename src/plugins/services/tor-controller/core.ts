/**
 * The TOR switch controller of seeds/000, without I/O: request validation, the per-request state
 * machine (pending -> success | failed, with a reason), the HA pairs it has initialised, the VLAN
 * arithmetic on trunk ports and the shared-VLAN rule. The agent (src/agents/tor-controller.ts)
 * wraps it in an HTTP server and gives it a SwitchDriver that talks to the TOR's own OVS.
 *
 * The API is the document's four calls, each a POST of a JSON object to a path of its name:
 *   request_nfv_ha_init          { req_id, vm_name, master_switch_physical_port,
 *   request_nfv_ha_failover        slave_switch_physical_port, current_vlans: { orange: 'vlan113', ... } }
 *   request_nfv_ha_init_result   { req_id }
 *   request_nfv_ha_failover_result { req_id }
 * plus GET /ports (the physical ports and the VLANs each carries).
 */

export type RequestKind = 'init' | 'failover';
export type RequestStatus = 'pending' | 'success' | 'failed';

export interface TorConfig {
  /** Physical port number -> OVS port name on the TOR bridge. */
  ports: ReadonlyMap<number, string>;
  /** VLANs shared by every VM of a host (red 2000, mgmt 2002): never deactivated on a live host. */
  sharedVlans: ReadonlySet<number>;
}

/** A validated HA request (init or fail-over). */
export interface HaRequest {
  reqId: string;
  vmName: string;
  master: number;
  slave: number;
  /** The document's current_vlans, as written (`{ orange: 'vlan113' }`), and as numbers. */
  currentVlans: Record<string, string>;
  vlans: number[];
}

/** What one request did (or would have done) to one port. */
export interface PortChange {
  port: number;
  tor_port: string;
  deactivated: number[];
  activated: number[];
  /** The port's VLANs after the change. */
  trunks: number[];
}

export interface RequestRecord {
  kind: RequestKind;
  req: HaRequest;
  status: RequestStatus;
  reason?: string;
  acceptedMs: number;
  doneMs?: number;
  changes: PortChange[];
}

/** An HA pair the controller has initialised: whose port has the pair's VLANs now. */
export interface Pair {
  vmName: string;
  master: number;
  slave: number;
  vlans: number[];
  /** The req_id of a request of this pair still pending, if any. */
  busy?: string;
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** What the switch can do for the controller (the TOR's OVS in the agent, a fake in tests). */
export interface SwitchDriver {
  /** VLANs a trunk port carries now. */
  trunks(torPort: string): Promise<number[]>;
  setTrunks(torPort: string, trunks: number[]): Promise<void>;
  /** Carrier on the port: false when the host behind it is dead (halted, powered off, cable out). */
  linkUp(torPort: string): Promise<boolean>;
}

export const ENDPOINTS = {
  request_nfv_ha_init: { kind: 'init', result: false },
  request_nfv_ha_init_result: { kind: 'init', result: true },
  request_nfv_ha_failover: { kind: 'failover', result: false },
  request_nfv_ha_failover_result: { kind: 'failover', result: true },
} as const satisfies Record<string, { kind: RequestKind; result: boolean }>;

export const MAX_BODY_BYTES = 64 * 1024;
const REQUEST_FIELDS = ['req_id', 'vm_name', 'master_switch_physical_port', 'slave_switch_physical_port', 'current_vlans'] as const;
const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const VLAN_NAME = /^[A-Za-z0-9_-]{1,32}$/;
const VLAN_VALUE = /^vlan([0-9]{1,4})$/;

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const err = (status: number, message: string, field?: string): Reply => ({ status, body: { error: message, ...(field ? { field } : {}) } });
const list = (xs: Iterable<number>) => [...xs].join(', ');
const sorted = (xs: Iterable<number>) => [...new Set(xs)].sort((a, b) => a - b);

/** Parse a request body: JSON text of an object. */
export function parseBody(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BadRequest(400, `body is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequest(400, `body must be a JSON object, not ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`);
  return v as Record<string, unknown>;
}

function unknownFields(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new BadRequest(400, `unknown field '${k}' (fields: ${allowed.join(', ')})`, k);
}

function reqIdOf(o: Record<string, unknown>): string {
  const v = o['req_id'];
  if (v === undefined) throw new BadRequest(400, "missing field 'req_id'", 'req_id');
  if (typeof v !== 'string') throw new BadRequest(400, `req_id must be a string, not ${typeof v}`, 'req_id');
  if (!ID.test(v)) throw new BadRequest(400, 'req_id must be 1-64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit', 'req_id');
  return v;
}

/** Validate an HA request body (init or fail-over) against the controller's configuration. */
export function validateHaRequest(o: Record<string, unknown>, cfg: TorConfig): HaRequest {
  unknownFields(o, REQUEST_FIELDS);
  const reqId = reqIdOf(o);
  const vm = o['vm_name'];
  if (vm === undefined) throw new BadRequest(400, "missing field 'vm_name'", 'vm_name');
  if (typeof vm !== 'string' || !ID.test(vm)) throw new BadRequest(400, 'vm_name must be a string of 1-64 letters, digits, ".", "_", ":" or "-"', 'vm_name');
  const port = (field: 'master_switch_physical_port' | 'slave_switch_physical_port'): number => {
    const v = o[field];
    if (v === undefined) throw new BadRequest(400, `missing field '${field}'`, field);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new BadRequest(400, `${field} must be an integer (a physical port number), not ${JSON.stringify(v)}`, field);
    if (!cfg.ports.has(v)) throw new BadRequest(422, `${field} ${v} is not a physical port of this switch (ports: ${list(cfg.ports.keys())})`, field);
    return v;
  };
  const master = port('master_switch_physical_port');
  const slave = port('slave_switch_physical_port');
  if (master === slave) throw new BadRequest(422, `master and slave are both on physical port ${master}: an HA pair needs two hosts`, 'slave_switch_physical_port');
  const cv = o['current_vlans'];
  if (cv === undefined) throw new BadRequest(400, "missing field 'current_vlans'", 'current_vlans');
  if (typeof cv !== 'object' || cv === null || Array.isArray(cv)) throw new BadRequest(400, "current_vlans must be an object of network name -> 'vlanN' (e.g. { \"orange\": \"vlan113\" })", 'current_vlans');
  const entries = Object.entries(cv as Record<string, unknown>);
  if (!entries.length) throw new BadRequest(400, 'current_vlans is empty: name the VLANs to move', 'current_vlans');
  const vlans: number[] = [];
  const byVlan = new Map<number, string>();
  const currentVlans: Record<string, string> = {};
  for (const [name, value] of entries) {
    const field = `current_vlans.${name}`;
    if (!VLAN_NAME.test(name)) throw new BadRequest(400, `network name '${name}' must be 1-32 letters, digits, '_' or '-'`, field);
    const m = typeof value === 'string' ? VLAN_VALUE.exec(value) : null;
    if (!m) throw new BadRequest(400, `${field} must be 'vlanN' (e.g. 'vlan113'), not ${JSON.stringify(value)}`, field);
    const vlan = Number(m[1]);
    if (vlan < 1 || vlan > 4094) throw new BadRequest(400, `${field}: VLAN ${vlan} is out of range (1-4094)`, field);
    const other = byVlan.get(vlan);
    if (other !== undefined) throw new BadRequest(422, `${field}: VLAN ${vlan} is already current_vlans.${other}`, field);
    byVlan.set(vlan, name);
    vlans.push(vlan);
    currentVlans[name] = value as string;
  }
  return { reqId, vmName: vm, master, slave, currentVlans, vlans };
}

/** Trunk arithmetic: `trunks` without `remove`, plus `add`, sorted. */
export function nextTrunks(trunks: number[], remove: number[], add: number[]): number[] {
  return sorted([...trunks.filter((v) => !remove.includes(v)), ...add]);
}

export function recordView(r: RequestRecord): Record<string, unknown> {
  return {
    req_id: r.req.reqId,
    request: `request_nfv_ha_${r.kind}`,
    vm_name: r.req.vmName,
    status: r.status,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    master_switch_physical_port: r.req.master,
    slave_switch_physical_port: r.req.slave,
    current_vlans: r.req.currentVlans,
    changes: r.changes,
    ...(r.doneMs !== undefined ? { elapsed_ms: Math.round((r.doneMs - r.acceptedMs) * 10) / 10 } : {}),
  };
}

export type ControllerEvent = { kind: 'tor-request' | 'tor-vlan'; detail: string };

export interface Job {
  record: RequestRecord;
}

/**
 * The controller's state: every request by req_id, every initialised pair by vm_name.
 * `handle` answers a request at once (validation, 202 for an accepted request, the record for a
 * result poll); an accepted request comes with a Job that `run` carries out on the switch.
 */
export class TorController {
  readonly requests = new Map<string, RequestRecord>();
  readonly pairs = new Map<string, Pair>();

  constructor(readonly cfg: TorConfig) {}

  handle(method: string, url: string, bodyText: string, nowMs: number): Reply & { job?: Job } {
    const path = url.split('?')[0]!.replace(/\/+$/, '') || '/';
    if (path === '/ports') return method === 'GET' ? { status: 200, body: {} } : { ...err(405, `use GET for /ports`), headers: { allow: 'GET' } };
    const name = path.replace(/^\//, '');
    const ep = Object.hasOwn(ENDPOINTS, name) ? ENDPOINTS[name as keyof typeof ENDPOINTS] : undefined;
    if (!ep) return err(404, `no such call '${path}' (calls: ${[...Object.keys(ENDPOINTS), 'ports'].map((k) => `/${k}`).join(', ')})`);
    if (method !== 'POST') return { ...err(405, `use POST with a JSON body for /${name}`), headers: { allow: 'POST' } };
    try {
      const body = parseBody(bodyText);
      return ep.result ? this.result(ep.kind, body) : this.accept(ep.kind, body, nowMs);
    } catch (e) {
      if (e instanceof BadRequest) return err(e.status, e.message, e.field);
      throw e;
    }
  }

  private result(kind: RequestKind, body: Record<string, unknown>): Reply {
    unknownFields(body, ['req_id']);
    const id = reqIdOf(body);
    const r = this.requests.get(id);
    if (!r) return err(404, `no ${kind} request '${id}'`, 'req_id');
    if (r.kind !== kind) return err(404, `no ${kind} request '${id}' (it is a request_nfv_ha_${r.kind}: ask request_nfv_ha_${r.kind}_result)`, 'req_id');
    return { status: 200, body: recordView(r) };
  }

  private accept(kind: RequestKind, body: Record<string, unknown>, nowMs: number): Reply & { job?: Job } {
    const req = validateHaRequest(body, this.cfg);
    if (this.requests.has(req.reqId)) return err(409, `req_id '${req.reqId}' is already used (by request_nfv_ha_${this.requests.get(req.reqId)!.kind}): every request needs a new one`, 'req_id');
    const shared = req.vlans.filter((v) => this.cfg.sharedVlans.has(v));
    const pair = this.pairs.get(req.vmName);
    if (pair?.busy) return err(409, `HA pair '${req.vmName}' has a request pending (${pair.busy}); wait for its result`, 'vm_name');
    if (kind === 'init') {
      // The slave's host runs the slave VM: it is alive, and shared VLANs stay on its port.
      if (shared.length) return err(422, `VLAN ${list(shared)} ${shared.length > 1 ? 'are' : 'is'} shared (shared VLANs: ${list(sorted(this.cfg.sharedVlans))}) and never deactivated on a live host; HA init deactivates current_vlans on the slave's port`, 'current_vlans');
    } else {
      if (!pair) return err(409, `no HA pair '${req.vmName}': request_nfv_ha_init first`, 'vm_name');
      if (pair.master !== req.master || pair.slave !== req.slave)
        return err(409, `HA pair '${req.vmName}' has its master on port ${pair.master} and its slave on port ${pair.slave}, not ${req.master} and ${req.slave}`, 'master_switch_physical_port');
    }
    const record: RequestRecord = { kind, req, status: 'pending', acceptedMs: nowMs, changes: [] };
    this.requests.set(req.reqId, record);
    const p = this.pairs.get(req.vmName);
    if (p) p.busy = req.reqId;
    else if (kind === 'init') this.pairs.set(req.vmName, { vmName: req.vmName, master: req.master, slave: req.slave, vlans: req.vlans, busy: req.reqId });
    return { status: 202, body: { req_id: req.reqId, status: 'pending' }, job: { record } };
  }

  /**
   * Carry out an accepted request on the switch. Checks come first and change nothing; then,
   * for a fail-over, the VLANs leave the master's port before they arrive on the slave's (the
   * document's order: two UTMs bridging orange and green at once would make a loop).
   */
  async run(job: Job, sw: SwitchDriver, now: () => number, emit: (e: ControllerEvent) => void): Promise<RequestRecord> {
    const r = job.record;
    const { req } = r;
    const tor = (p: number) => this.cfg.ports.get(p)!;
    const label = (p: number) => `${tor(p)} (port ${p})`;
    emit({ kind: 'tor-request', detail: `${r.kind} ${req.reqId} ${req.vmName}: master port ${req.master}, slave port ${req.slave}, VLANs ${list(req.vlans)}: accepted` });
    const finish = (status: 'success' | 'failed', reason?: string): RequestRecord => {
      r.status = status;
      if (reason !== undefined) r.reason = reason;
      r.doneMs = now();
      const pair = this.pairs.get(req.vmName);
      if (pair?.busy === req.reqId) delete pair.busy;
      if (status === 'success' && pair) {
        if (r.kind === 'init') Object.assign(pair, { master: req.master, slave: req.slave, vlans: req.vlans });
        else Object.assign(pair, { master: req.slave, slave: req.master });
      } else if (status === 'failed' && r.kind === 'init' && pair && !this.succeededInit(req.vmName)) this.pairs.delete(req.vmName);
      emit({ kind: 'tor-request', detail: `${r.kind} ${req.reqId} ${status}${reason ? `: ${reason}` : ''} (${Math.round((r.doneMs - r.acceptedMs) * 10) / 10} ms)` });
      return r;
    };
    const change = async (port: number, remove: number[], add: number[], before: number[]): Promise<void> => {
      const after = nextTrunks(before, remove, add);
      const deactivated = remove.filter((v) => before.includes(v));
      const activated = add.filter((v) => !before.includes(v));
      if (deactivated.length || activated.length) {
        await sw.setTrunks(tor(port), after);
        const what = [...(deactivated.length ? [`-${deactivated.join(' -')}`] : []), ...(activated.length ? [`+${activated.join(' +')}`] : [])].join(' ');
        emit({ kind: 'tor-vlan', detail: `${label(port)} ${what}: trunks ${after.join(',')} (${r.kind} ${req.reqId})` });
      }
      r.changes.push({ port, tor_port: tor(port), deactivated, activated, trunks: after });
    };
    try {
      if (r.kind === 'init') {
        const before = await sw.trunks(tor(req.slave));
        const after = nextTrunks(before, req.vlans, []);
        if (!after.length) return finish('failed', `deactivating VLAN ${list(req.vlans)} would leave ${label(req.slave)} with no VLAN, which OVS reads as every VLAN`);
        await change(req.slave, req.vlans, [], before);
        return finish('success');
      }
      const mBefore = await sw.trunks(tor(req.master));
      const sBefore = await sw.trunks(tor(req.slave));
      const shared = req.vlans.filter((v) => this.cfg.sharedVlans.has(v) && mBefore.includes(v));
      if (shared.length && (await sw.linkUp(tor(req.master))))
        return finish('failed', `VLAN ${list(shared)} ${shared.length > 1 ? 'are' : 'is'} shared and the host on ${label(req.master)} is alive (link up): shared VLANs are never deactivated on a live host`);
      if (!nextTrunks(mBefore, req.vlans, []).length) return finish('failed', `deactivating VLAN ${list(req.vlans)} would leave ${label(req.master)} with no VLAN, which OVS reads as every VLAN`);
      await change(req.master, req.vlans, [], mBefore);
      await change(req.slave, [], req.vlans, sBefore);
      return finish('success');
    } catch (e) {
      return finish('failed', `switch: ${(e as Error).message}`);
    }
  }

  private succeededInit(vmName: string): boolean {
    return [...this.requests.values()].some((x) => x.kind === 'init' && x.req.vmName === vmName && x.status === 'success');
  }
}
