/**
 * JSON Schema (2020-12) for the *shape* of a topology file: keys, types, enums. Values that need
 * a better message than a schema can give (names, addresses, references) are checked by
 * pipeline/check-*.ts. Port options are per switch kind and come from the switch plugins.
 */
import { clusterSchema } from './cluster-schema.js';

const str = { type: 'string' } as const;
const strOrList = { type: ['string', 'array'], items: { type: 'string' } } as const;
const proto = { enum: ['tcp', 'udp', 'icmp'] } as const;
const scalar = { type: ['string', 'number', 'boolean'] } as const;

export const interfaceSchema = {
  type: ['string', 'array', 'object', 'null'],
  items: str,
  properties: {
    addresses: strOrList,
    mtu: { type: 'integer', minimum: 68, maximum: 65535 },
    mac: str,
    up: { type: 'boolean' },
    sysctl: { type: 'object', additionalProperties: scalar },
    anycast: { type: 'boolean' },
    'link-local': { type: 'boolean' },
  },
  additionalProperties: false,
} as const;

/** Options of one bridge port; which apply depends on the switch kind (its plugin checks that). */
export const portSchema = {
  type: ['object', 'null'],
  properties: {
    tag: { type: 'integer' },
    trunks: { type: 'array', items: { type: 'integer' } },
    patch: str,
    internal: { type: ['boolean', 'string'] },
    vxlan: {
      type: 'object',
      properties: { remote: str, key: { type: 'integer', minimum: 0, maximum: 16777215 }, 'dst-port': { type: 'integer', minimum: 1, maximum: 65535 } },
      required: ['remote'],
      additionalProperties: false,
    },
  },
  additionalProperties: false,
} as const;

export const bridgeSchema = {
  type: 'object',
  properties: {
    kind: str,
    ports: { type: ['array', 'object'], items: str, additionalProperties: portSchema },
  },
  additionalProperties: false,
} as const;

export const routeSchema = {
  type: ['string', 'object'],
  properties: { to: str, via: str, dev: str, metric: { type: 'integer', minimum: 0 } },
  required: ['to'],
  additionalProperties: false,
} as const;

export const natSchema = {
  type: 'object',
  properties: {
    dnat: str,
    snat: str,
    masquerade: str,
    to: str,
    proto,
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    in: str,
    out: str,
  },
  additionalProperties: false,
} as const;

export const filterSchema = {
  type: 'object',
  properties: {
    chain: { enum: ['input', 'forward', 'output'] },
    action: { enum: ['accept', 'drop', 'reject'] },
    src: str,
    dst: str,
    proto,
    dport: { type: 'integer', minimum: 1, maximum: 65535 },
    in: str,
    out: str,
  },
  required: ['action'],
  additionalProperties: false,
} as const;

export const nodeSchema = {
  type: ['object', 'null'],
  properties: {
    kind: str,
    interfaces: { type: 'object', additionalProperties: interfaceSchema },
    bridges: { type: 'object', additionalProperties: bridgeSchema },
    routes: { type: 'array', items: routeSchema },
    sysctl: { type: 'object', additionalProperties: scalar },
    nat: { type: 'array', items: natSchema },
    filter: { type: 'array', items: filterSchema },
    // One entry per service kind; each kind's plugin checks its own options.
    services: { type: 'object', additionalProperties: { type: ['object', 'null'] } },
    // The machine the node runs on, one of `hosts:` (multi-host runtimes such as containerlab).
    host: str,
  },
  additionalProperties: false,
} as const;

/** A machine of a multi-host lab: its underlay address carries the VXLAN links to the others. */
export const hostSchema = {
  type: 'object',
  properties: { address: str },
  required: ['address'],
  additionalProperties: false,
} as const;

export const linkSchema = {
  type: ['array', 'object'],
  items: str,
  minItems: 2,
  maxItems: 2,
  properties: {
    endpoints: { type: 'array', items: str, minItems: 2, maxItems: 2 },
    mtu: { type: 'integer', minimum: 68, maximum: 65535 },
  },
  required: ['endpoints'],
  additionalProperties: false,
} as const;

export const topologySchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    name: str,
    description: str,
    nodes: { type: 'object', additionalProperties: nodeSchema },
    links: { type: 'array', items: linkSchema },
    hosts: { type: 'object', additionalProperties: hostSchema },
    clusters: { type: 'object', additionalProperties: clusterSchema },
  },
  required: ['name', 'nodes'],
  additionalProperties: false,
} as const;

