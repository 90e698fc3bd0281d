/**
 * The TOR switch controller of seeds/000 as a lab service: halab's agent
 * (src/agents/tor-controller.ts) runs in the switch node's namespace, serves the document's API
 * over HTTP/JSON on one of the node's addresses (the lab's mgmt network), and moves VLANs between
 * trunk ports of the node's own OVS bridge (`ovs-vsctl set port P trunks=...`). Every request and
 * every VLAN change is a lab event (`tor-request`, `tor-vlan`). The request logic is pure
 * (./core.ts); see docs/services.md for the API.
 */
import { eventsFile } from '../../../runtime/events.js';
import { pidfileAlive, readJsonFile } from '../../../runtime/netns/proc.js';
import { closest } from '../../../util/names.js';
import { ovsDb, ovsEnv } from '../../switches/ovs/daemons.js';
import type { ServiceKind } from '../../types.js';
import { agentAction, agentFiles } from '../agent.js';
import { checkListen, parseListen, torControllerSchema, type TorControllerConfig, type TorControllerOptions, type TorControllerState } from './options.js';

export const torControllerFiles = (node: { dir: string }) => agentFiles(node, 'tor-controller');

export function readTorState(node: { dir: string }): TorControllerState | null {
  return readJsonFile<TorControllerState>(torControllerFiles(node).state);
}

export const torController: ServiceKind = {
  kind: 'tor-controller',
  summary: "seeds/000's TOR switch controller: HA init and fail-over move VLANs between trunk ports (HTTP/JSON API)",
  schema: torControllerSchema,
  requires: [{ program: 'ovs-vsctl', pkg: 'openvswitch-switch' }],

  check(spec, node, ctx) {
    const o = spec.options as unknown as TorControllerOptions;
    const at = (...p: (string | number)[]) => [...spec.path, ...p];
    const err = (p: (string | number)[], msg: string) => ctx.report(ctx.src.diag(p, msg));
    checkListen(o.listen, node, (m) => err(at('listen'), m));
    const bridge = node.bridges.find((b) => b.name === o.bridge);
    if (!bridge || bridge.kind !== 'ovs') {
      const ovs = node.bridges.filter((b) => b.kind === 'ovs').map((b) => b.name);
      const hint = closest(o.bridge, ovs);
      err(at('bridge'), bridge ? `bridge ${o.bridge} is a ${bridge.kind} bridge; the controller needs an OVS bridge (trunk ports)` : `node ${node.name} has no OVS bridge '${o.bridge}'${hint ? ` (did you mean '${hint}'?)` : ovs.length ? ` (its OVS bridges: ${ovs.join(', ')})` : ''}`);
    }
    const seen = new Map<string, string>();
    for (const [num, portName] of Object.entries(o.ports)) {
      const p = at('ports', num);
      const n = Number(num);
      if (!/^[0-9]{1,5}$/.test(num) || n < 1) {
        err(p, `'${num}' is not a physical port number (a positive integer)`);
        continue;
      }
      const first = seen.get(portName);
      if (first !== undefined) err(p, `OVS port ${portName} is already physical port ${first}`);
      seen.set(portName, num);
      if (!bridge || bridge.kind !== 'ovs') continue;
      const port = bridge.ports.find((x) => x.name === portName);
      if (!port) {
        const hint = closest(portName, bridge.ports.map((x) => x.name));
        err(p, `bridge ${bridge.name} has no port '${portName}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
      } else if (!port.trunks) err(p, `port ${portName} is ${port.tag !== undefined ? `an access port (tag ${port.tag})` : 'not a trunk port (it carries every VLAN)'}; the controller (de)activates VLANs on trunk ports: give it 'trunks:'`);
    }
    (o['shared-vlans'] ?? []).forEach((v, i) => {
      if (v < 1 || v > 4094) err(at('shared-vlans', i), `VLAN ${v} is out of range (1-4094)`);
    });
  },

  plan(node, spec, ctx) {
    const o = spec.options as unknown as TorControllerOptions;
    const f = torControllerFiles(node);
    const l = parseListen(o.listen);
    if (!l.ok) throw new Error(l.reason);
    const config: TorControllerConfig = {
      node: node.name,
      address: l.address,
      port: l.port,
      bridge: node.ifaces.get(o.bridge)?.kname ?? o.bridge,
      db: `unix:${ovsDb(node)}`,
      ports: Object.fromEntries(Object.entries(o.ports).map(([k, v]) => [k, node.ifaces.get(v)?.kname ?? v])),
      sharedVlans: o['shared-vlans'] ?? [],
      events: eventsFile(ctx.lab.stateDir),
      state: f.state,
    };
    const action = agentAction({
      id: `tor-controller:${node.name}`,
      node,
      spec,
      what: `TOR controller in ${node.name} on ${o.listen}: physical ports ${Object.entries(o.ports).map(([k, v]) => `${k}=${v}`).join(', ')} of ${o.bridge}`,
      program: 'tor-controller',
      files: f,
      config,
      env: ovsEnv(node),
    });
    return [action];
  },

  async ready(node, spec) {
    const o = spec.options as unknown as TorControllerOptions;
    const f = torControllerFiles(node);
    if (!pidfileAlive(f.pid)) return { ready: false, detail: `the TOR controller is not running (see ${f.log})` };
    const s = readTorState(node);
    if (!s?.listening) return { ready: false, detail: `not listening on ${o.listen} yet` };
    return { ready: true, detail: `listening on ${s.listening}` };
  },

  async status(node, spec) {
    const o = spec.options as unknown as TorControllerOptions;
    const running = pidfileAlive(torControllerFiles(node).pid);
    const s = readTorState(node);
    const ports = s?.ports ?? Object.entries(o.ports).map(([k, v]) => ({ port: Number(k), tor_port: v, trunks: null }));
    const pending = (s?.requests ?? []).filter((r) => r.status === 'pending').length;
    return {
      summary: running
        ? `TOR controller on ${s?.listening ?? `${o.listen} (not listening)`}: ${ports.map((p) => `${p.port} ${p.tor_port} [${p.trunks?.join(',') ?? '?'}]`).join('; ')}; ${s?.requests.length ?? 0} requests${pending ? ` (${pending} pending)` : ''}`
        : 'TOR controller is not running',
      table: { head: ['node', 'physical port', 'TOR port', 'VLANs'], rows: ports.map((p) => [node.name, String(p.port), p.tor_port, p.trunks?.join(', ') ?? '?']) },
      data: { running, listening: s?.listening ?? null, ports, requests: s?.requests ?? [] },
    };
  },

  logs(node) {
    return [torControllerFiles(node).log];
  },
};
