/**
 * JSON Schema of a topology's `clusters:` section: Tacker VNF clusters (seeds/002) in the shape of
 * the document's policy file and VNFD monitoring policies. Values a schema cannot judge (hosts,
 * addresses, commands) are checked by pipeline/clusters.ts.
 */
const str = { type: 'string' } as const;
const posInt = { type: 'integer', minimum: 1 } as const;
const seconds = { type: 'number', exclusiveMinimum: 0, maximum: 3600 } as const;
const actions = { type: ['string', 'array'], items: str } as const;

/** ping / http_ping, as a VNFD writes them: name, parameters, actions.failure. */
const monitoringPolicy = {
  type: 'object',
  properties: {
    name: { enum: ['ping', 'http_ping'] },
    parameters: {
      type: 'object',
      properties: { monitoring_delay: { type: 'number', minimum: 0, maximum: 3600 }, count: posInt, interval: seconds, timeout: seconds, retry: posInt, port: { type: 'integer', minimum: 1, maximum: 65535 } },
      additionalProperties: false,
    },
    actions: { type: 'object', properties: { failure: actions }, required: ['failure'], additionalProperties: false },
  },
  required: ['name', 'actions'],
  additionalProperties: false,
} as const;

/** One Zabbix item with its trigger: condition [down] or [greater, N], and the command to run. */
const appItem = {
  type: 'object',
  properties: { condition: { type: 'array', items: { type: ['string', 'number'] }, minItems: 1, maxItems: 2 }, actionname: { enum: ['cmd'] }, 'cmd-action': str },
  required: ['condition', 'actionname', 'cmd-action'],
  additionalProperties: false,
} as const;

const appMonitoringPolicy = {
  type: 'object',
  properties: {
    name: { enum: ['zabbix'] },
    // How often the agent's items are read, and how many reads in a row make a trigger (#N).
    update_interval: seconds,
    trigger_count: posInt,
    parameters: {
      type: 'object',
      properties: {
        application: {
          type: 'object',
          properties: { app_name: str, app_port: { type: 'integer', minimum: 1, maximum: 65535 }, app_status: appItem, app_memory: appItem },
          required: ['app_name'],
          additionalProperties: false,
        },
        OS: { type: 'object', properties: { os_cpu_usage: appItem }, additionalProperties: false },
      },
      additionalProperties: false,
    },
  },
  required: ['name', 'parameters'],
  additionalProperties: false,
} as const;

export const clusterSchema = {
  type: 'object',
  properties: {
    description: str,
    role: {
      type: 'object',
      properties: { active: posInt, standby: { type: 'integer', minimum: 0 } },
      required: ['active'],
      additionalProperties: false,
    },
    placement: { type: 'array', items: str, minItems: 1 },
    'anti-affinity': { type: 'boolean' },
    // Where members plug in on each compute host, and the first member's address (the next ones follow it).
    network: { type: 'object', properties: { bridge: str, address: str }, required: ['bridge', 'address'], additionalProperties: false },
    load_balancer: {
      type: 'object',
      properties: {
        node: str,
        pool: {
          type: 'object',
          properties: { protocol: { enum: ['HTTP'] }, protocol_port: { type: 'integer', minimum: 1, maximum: 65535 }, subnet: str, lb_method: { enum: ['ROUND_ROBIN'] } },
          additionalProperties: false,
        },
        vip: {
          type: 'object',
          properties: { address: str, protocol: { enum: ['HTTP'] }, protocol_port: { type: 'integer', minimum: 1, maximum: 65535 }, subnet: str },
          required: ['address'],
          additionalProperties: false,
        },
      },
      required: ['node', 'vip'],
      additionalProperties: false,
    },
    vnfm: str,
    // One policy as the document writes it, or a list of them (`required` applies to a map only).
    monitoring_policy: { ...monitoringPolicy, type: ['object', 'array'], items: monitoringPolicy },
    app_monitoring_policy: appMonitoringPolicy,
  },
  required: ['role', 'placement', 'network', 'load_balancer', 'vnfm'],
  additionalProperties: false,
} as const;
