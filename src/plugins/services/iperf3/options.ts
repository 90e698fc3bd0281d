/** The `iperf3:` service options: one `iperf3 -s` per port, optionally bound to one address. */
export interface Iperf3Options {
  /** TCP ports, one server each (a server runs one test at a time). Default: [5201]. */
  ports?: number[];
  /** Listen on this address only (one of the node's); default: every address. */
  bind?: string;
  /** The servers' reporting interval in seconds (the receiving side's intervals of a flow). Default 0.1. */
  interval?: number;
}

export const DEFAULT_PORT = 5201;
export const DEFAULT_INTERVAL = 0.1;

/** Ranges and duplicates are checked by the plugin's check(), for messages that name the problem. */
export const iperf3Schema = {
  type: 'object',
  properties: {
    ports: { type: 'array', items: { type: 'integer' }, minItems: 1 },
    bind: { type: 'string' },
    interval: { type: 'number', minimum: 0.1, maximum: 60 },
  },
  additionalProperties: false,
} as const;

export function portsOf(o: Iperf3Options): number[] {
  return o.ports ?? [DEFAULT_PORT];
}
