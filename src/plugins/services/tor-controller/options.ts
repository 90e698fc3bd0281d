/**
 * The `tor-controller:` service options (seeds/000's TOR switch controller):
 *
 *   services:
 *     tor-controller:
 *       listen: 10.0.0.1:8080                      # one of the node's addresses, and a TCP port
 *       bridge: br-tor                             # the node's OVS bridge that is the TOR
 *       ports: { 22: Ethernet22, 24: Ethernet24 }  # physical port number -> trunk port of that bridge
 *       shared-vlans: [2000, 2002]                 # never deactivated on a live host
 */
import type { Node } from '../../../model/topology.js';
export interface TorControllerOptions {
  listen: string;
  bridge: string;
  ports: Record<string, string>;
  'shared-vlans'?: number[];
}

export const torControllerSchema = {
  type: 'object',
  properties: {
    listen: { type: 'string' },
    bridge: { type: 'string' },
    ports: { type: 'object', minProperties: 1, additionalProperties: { type: 'string' } },
    'shared-vlans': { type: 'array', items: { type: 'integer' } },
  },
  required: ['listen', 'bridge', 'ports'],
  additionalProperties: false,
} as const;

/** `ADDR:PORT` (IPv4) -> its parts, or a reason. */
export function parseListen(text: string): { ok: true; address: string; port: number } | { ok: false; reason: string } {
  const m = /^([0-9.]+):([0-9]{1,5})$/.exec(text);
  if (!m) return { ok: false, reason: `'${text}' is not ADDRESS:PORT (e.g. 10.0.0.1:8080)` };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return { ok: false, reason: `port ${port} is out of range: TCP ports are 1-65535` };
  return { ok: true, address: m[1]!, port };
}

/**
 * A service's `listen: ADDRESS:PORT` on one of its node's own IPv4 addresses; problems reported
 * at the key. The parsed address, or null.
 */
export function checkListen(text: string, node: Node, report: (msg: string) => void): { address: string; port: number } | null {
  const l = parseListen(text);
  if (!l.ok) {
    report(`listen: ${l.reason}`);
    return null;
  }
  const own = node.interfaces.flatMap((i) => i.addresses.filter((a) => a.family === 4).map((a) => a.ip));
  if (!own.includes(l.address)) report(`listen address ${l.address} is not an IPv4 address of node ${node.name}${own.length ? ` (its addresses: ${own.join(', ')})` : ' (it has none)'}`);
  return l;
}

/** The agent's configuration file, written by the plugin's plan. */
export interface TorControllerConfig {
  node: string;
  address: string;
  port: number;
  bridge: string;
  /** The OVS database socket of the node (`unix:PATH`). */
  db: string;
  ports: Record<string, string>;
  sharedVlans: number[];
  events: string;
  state: string;
}

/** What the agent keeps in state.json for readiness and status. */
export interface TorControllerState {
  listening: string | null;
  pid: number;
  ports: { port: number; tor_port: string; trunks: number[] | null }[];
  requests: { req_id: string; request: string; vm_name: string; status: string; reason?: string }[];
}
