/** The `frr:` service options: BGP (eBGP/iBGP, timers, networks, next-hop-self, default origination), BFD. */
export interface FrrNeighbor {
  as: number;
  keepalive?: number;
  hold?: number;
  bfd?: boolean;
  'next-hop-self'?: boolean;
  'default-originate'?: boolean;
  description?: string;
}

export interface FrrOptions {
  bgp?: {
    as: number;
    'router-id'?: string;
    /** Defaults for every neighbor (seconds). */
    timers?: { keepalive?: number; hold?: number };
    neighbors?: Record<string, FrrNeighbor>;
    /** Prefixes announced with `network`. */
    networks?: string[];
  };
  /** The BFD profile used by neighbors with `bfd: true`. */
  bfd?: { 'interval-ms'?: number; multiplier?: number };
  /** Passed through verbatim at the end of bgpd.conf. */
  raw?: string;
}

const asn = { type: 'integer', minimum: 1, maximum: 4294967295 } as const;
const seconds = { type: 'integer', minimum: 0, maximum: 65535 } as const;

export const frrSchema = {
  type: 'object',
  properties: {
    bgp: {
      type: 'object',
      properties: {
        as: asn,
        'router-id': { type: 'string' },
        timers: { type: 'object', properties: { keepalive: seconds, hold: seconds }, additionalProperties: false },
        neighbors: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: {
              as: asn,
              keepalive: seconds,
              hold: seconds,
              bfd: { type: 'boolean' },
              'next-hop-self': { type: 'boolean' },
              'default-originate': { type: 'boolean' },
              description: { type: 'string' },
            },
            required: ['as'],
            additionalProperties: false,
          },
        },
        networks: { type: 'array', items: { type: 'string' } },
      },
      required: ['as'],
      additionalProperties: false,
    },
    bfd: {
      type: 'object',
      properties: { 'interval-ms': { type: 'integer', minimum: 10, maximum: 60000 }, multiplier: { type: 'integer', minimum: 2, maximum: 255 } },
      additionalProperties: false,
    },
    raw: { type: 'string' },
  },
  additionalProperties: false,
} as const;
