/**
 * JSON Schema (2020-12) of result.json (model/result.ts): the contract keys required, the extras
 * optional (a result written before they existed still renders). `halab report` checks a file
 * with it; tests check every run's result.json with it.
 */
const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const numOrNull = { type: ['number', 'null'] } as const;
const obj = (properties: Record<string, object>, required: string[]) => ({ type: 'object', properties, required });
const list = (items: object) => ({ type: 'array', items });
const span = obj({ startMs: num, endMs: num }, ['startMs', 'endMs']);

const stats = obj({ min: num, median: num, p95: num, max: num }, ['min', 'median', 'p95', 'max']);

const flow = obj(
  {
    name: str,
    proto: { enum: ['udp', 'tcp', 'icmp', 'http'] },
    rateHz: num,
    sent: num,
    received: num,
    lost: num,
    outageMs: num,
    maxGapMs: num,
    firstLossMs: numOrNull,
    recoveredMs: numOrNull,
    src: str,
    dst: str,
    dstAddress: str,
    reordered: num,
    duplicated: num,
    lossWindows: list({ ...span, properties: { ...span.properties, count: num }, required: ['startMs', 'endMs', 'count'] }),
    intervals: list({ ...span, properties: { ...span.properties, bps: num }, required: ['startMs', 'endMs', 'bps'] }),
    answeredBy: list(obj({ by: str, count: num }, ['by', 'count'])),
  },
  ['name', 'proto', 'rateHz', 'sent', 'received', 'lost', 'outageMs', 'maxGapMs', 'firstLossMs', 'recoveredMs'],
);

const trial = obj(
  {
    index: num,
    ok: { type: 'boolean' },
    fault: { anyOf: [{ type: 'null' }, obj({ kind: str, target: str, atMs: num }, ['kind', 'target', 'atMs'])] },
    faults: list(obj({ kind: str, target: str, atMs: num, endMs: num, detail: str }, ['kind', 'target', 'atMs'])),
    flowsFromMs: numOrNull,
    flowsToMs: numOrNull,
    flows: list(flow),
    events: list(obj({ tMs: num, node: str, kind: str, detail: str }, ['tMs', 'node', 'kind', 'detail'])),
    assertions: list(obj({ name: str, ok: { type: 'boolean' }, detail: str, measured: { type: ['number', 'string', 'null'] }, limit: { type: ['number', 'string'] } }, ['name', 'ok', 'detail'])),
    phases: list(obj({ name: str, fromMs: num, toMs: num, ok: { type: 'boolean' }, detail: str }, ['name', 'fromMs', 'toMs'])),
    aborted: str,
  },
  ['index', 'fault', 'flows', 'events', 'assertions'],
);

export const resultSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  ...obj(
    {
      lab: str,
      runId: str,
      ok: { type: 'boolean' },
      startedAt: str,
      durationMs: num,
      labFile: str,
      topologyFile: str,
      description: str,
      host: obj({ hostname: str, kernel: str, cpus: num }, ['hostname', 'kernel', 'cpus']),
      trials: list(trial),
      summary: { type: 'object', additionalProperties: obj({ outageMs: stats }, ['outageMs']) },
    },
    ['lab', 'runId', 'ok', 'startedAt', 'durationMs', 'trials', 'summary'],
  ),
};
