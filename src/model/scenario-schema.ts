/**
 * JSON Schema (2020-12) for the shape of a lab file (docs/labs.md). Condition options come from
 * the condition plugins; durations are "500ms", "2s", "1m" or a number of seconds (checked, with
 * a better message, by pipeline/scenario.ts).
 */
import { conditionKinds } from '../plugins/conditions/index.js';

const str = { type: 'string' } as const;
const duration = { type: ['string', 'number'] } as const;
const ms = { type: 'number', minimum: 0 } as const;

const conditions = {
  type: 'object',
  properties: Object.fromEntries([...conditionKinds].map(([k, c]) => [k, c.schema])),
  additionalProperties: false,
  minProperties: 1,
};

const eventMatch = {
  type: 'object',
  properties: { kind: str, node: str, detail: str },
  additionalProperties: false,
  minProperties: 1,
} as const;

const flow = {
  type: 'object',
  properties: {
    type: { enum: ['udp', 'icmp', 'tcp', 'http'] },
    bitrate: str,
    from: str,
    to: str,
    address: str,
    'rate-hz': { type: 'integer', minimum: 1 },
    both: { type: 'boolean' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
  },
  required: ['from', 'to'],
  additionalProperties: false,
} as const;

const fault = {
  type: 'object',
  properties: { kind: str, target: str, 'duration-ms': { type: 'number', exclusiveMinimum: 0 }, signal: { enum: ['KILL', 'TERM', 'SIGKILL', 'SIGTERM'] } },
  required: ['kind', 'target'],
  additionalProperties: false,
} as const;

/** A phase is a map with one phase key (and that phase's options beside it). */
const phase = {
  type: 'object',
  properties: {
    wait: conditions,
    verify: conditions,
    baseline: duration,
    observe: duration,
    sleep: duration,
    fault,
    restore: { type: ['boolean', 'null'] },
    exec: {
      type: 'object',
      properties: { node: str, commands: { type: 'array', minItems: 1, items: { type: 'array', minItems: 1, items: str } } },
      required: ['node', 'commands'],
      additionalProperties: false,
    },
    when: conditions,
    deadline: duration,
  },
  additionalProperties: false,
  minProperties: 1,
};

const assertion = {
  type: 'object',
  properties: {
    outage: { type: 'object', properties: { flow: str, 'max-ms': ms, 'min-ms': ms }, additionalProperties: false, minProperties: 1 },
    recovered: { type: ['object', 'null'], properties: { flow: str }, additionalProperties: false },
    event: { type: 'object', properties: { ...eventMatch.properties, 'within-ms': ms }, additionalProperties: false, minProperties: 1 },
    order: { type: 'array', items: eventMatch, minItems: 2 },
    ...conditions.properties,
  },
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
};

export const scenarioSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    name: str,
    description: str,
    topology: str,
    // Merged into the topology (RFC 7386) before it is validated.
    'topology-patch': { type: 'object' },
    trials: { type: 'integer', minimum: 1, maximum: 1000 },
    'between-trials': { enum: ['restore', 'rebuild'] },
    'ready-timeout': duration,
    flows: { type: 'object', additionalProperties: flow },
    phases: { type: 'array', items: phase, minItems: 1 },
    assertions: { type: 'array', items: assertion },
  },
  required: ['topology', 'phases'],
  additionalProperties: false,
};
