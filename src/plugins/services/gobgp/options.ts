/**
 * The `gobgp:` service options, in the shape of seeds/001's orchestrator: global settings,
 * neighbors, named policies of statements (next-hop self, accept) exported towards neighbors.
 */
export interface GobgpStatement {
  /** `self` or an address. */
  'next-hop'?: string;
  /** What happens to a matching route (default accept). */
  route?: 'accept' | 'reject';
}

export interface GobgpNeighbor {
  as: number;
  /** Policies applied to routes sent to this neighbor. */
  export?: string[];
  /** Policies applied to routes received from this neighbor. */
  import?: string[];
}

export interface GobgpOptions {
  as: number;
  'router-id': string;
  neighbors?: Record<string, GobgpNeighbor>;
  /** policy name -> statement name -> statement (GoBGP statement names are global). */
  policies?: Record<string, Record<string, GobgpStatement>>;
  /** Prefixes announced from this node (`gobgp global rib add`). */
  networks?: string[];
  /** Program the node's kernel routes from GoBGP's best paths (default true). */
  fib?: boolean;
}

const asn = { type: 'integer', minimum: 1, maximum: 4294967295 } as const;
const names = { type: 'array', items: { type: 'string' } } as const;

export const gobgpSchema = {
  type: 'object',
  properties: {
    as: asn,
    'router-id': { type: 'string' },
    neighbors: {
      type: 'object',
      additionalProperties: { type: 'object', properties: { as: asn, export: names, import: names }, required: ['as'], additionalProperties: false },
    },
    policies: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          properties: { 'next-hop': { type: 'string' }, route: { enum: ['accept', 'reject'] } },
          additionalProperties: false,
        },
      },
    },
    networks: { type: 'array', items: { type: 'string' } },
    fib: { type: 'boolean' },
  },
  required: ['as', 'router-id'],
  additionalProperties: false,
} as const;
