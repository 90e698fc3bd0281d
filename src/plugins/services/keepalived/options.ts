/**
 * The `keepalived:` service options: VRRP instances (no health checkers, no LVS).
 *
 *   services:
 *     keepalived:
 *       instances:
 *         - { name: VI_1, interface: eth0, vrid: 51, vips: 10.0.0.1/24, priority: 150, advert-ms: 100 }
 */

/** An interface whose state the instance follows. */
export interface VrrpTrack {
  interface: string;
  /** Omitted or 0: losing the interface puts the instance in FAULT. Negative: loss lowers the priority by |weight|; positive: raises it while the interface is up. */
  weight?: number;
}

export interface VrrpInstance {
  /** keepalived's vrrp_instance name, used in events and status; default `VI_<vrid>`. */
  name?: string;
  /** The interface of this node the instance speaks VRRP on (and holds the VIPs on). */
  interface: string;
  /** Virtual router id, 1-255; the same on every router of the group. */
  vrid: number;
  /** Virtual addresses `ADDR/PREFIX`; their family makes the instance VRRP for IPv4 or for IPv6. */
  vips: string | string[];
  /** 1-254; the highest wins. Default 100. */
  priority?: number;
  /** Advertisement interval in ms; VRRPv3 allows 10 ms steps, VRRPv2 whole seconds. Default 1000. */
  'advert-ms'?: number;
  /** A higher-priority backup takes over from a lower-priority master. Default true. */
  preempt?: boolean;
  /** Seconds to wait after start (or the interface coming up) before preempting. */
  'preempt-delay'?: number;
  /** Interfaces whose loss faults the instance (plain name) or changes its priority (`{ interface, weight }`). */
  'track-interfaces'?: (string | VrrpTrack)[];
  /** VRRP version, 2 or 3. Default 3. */
  version?: 2 | 3;
}

export interface KeepalivedOptions {
  instances: VrrpInstance[];
}

export const DEFAULTS = { priority: 100, advertMs: 1000, preempt: true, version: 3 } as const;

/** An instance with every default filled in and its VIPs as a list. */
export interface ResolvedInstance {
  name: string;
  interface: string;
  vrid: number;
  vips: string[];
  priority: number;
  advertMs: number;
  preempt: boolean;
  preemptDelay?: number;
  track: { interface: string; weight?: number }[];
  version: 2 | 3;
}

export function resolveInstance(i: VrrpInstance): ResolvedInstance {
  return {
    name: i.name ?? `VI_${i.vrid}`,
    interface: i.interface,
    vrid: i.vrid,
    vips: ([] as string[]).concat(i.vips),
    priority: i.priority ?? DEFAULTS.priority,
    advertMs: i['advert-ms'] ?? DEFAULTS.advertMs,
    preempt: i.preempt ?? DEFAULTS.preempt,
    ...(i['preempt-delay'] !== undefined ? { preemptDelay: i['preempt-delay'] } : {}),
    track: (i['track-interfaces'] ?? []).map((t) => (typeof t === 'string' ? { interface: t } : { ...t })),
    version: i.version ?? DEFAULTS.version,
  };
}

export function resolveInstances(o: KeepalivedOptions): ResolvedInstance[] {
  return (o.instances ?? []).map(resolveInstance);
}

export const keepalivedSchema = {
  type: 'object',
  properties: {
    instances: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          interface: { type: 'string' },
          vrid: { type: 'integer', minimum: 1, maximum: 255 },
          vips: { type: ['string', 'array'], items: { type: 'string' }, minItems: 1 },
          priority: { type: 'integer', minimum: 1, maximum: 254 },
          // Version-specific steps and limits (10 ms / 40950 ms for v3, 1 s / 255 s for v2) are checked in check().
          'advert-ms': { type: 'integer', minimum: 10, maximum: 255000 },
          preempt: { type: 'boolean' },
          'preempt-delay': { type: 'number', minimum: 0, maximum: 1000 },
          'track-interfaces': {
            type: 'array',
            items: {
              type: ['string', 'object'],
              properties: { interface: { type: 'string' }, weight: { type: 'integer', minimum: -253, maximum: 253 } },
              required: ['interface'],
              additionalProperties: false,
            },
          },
          version: { enum: [2, 3] },
        },
        required: ['interface', 'vrid', 'vips'],
        additionalProperties: false,
      },
    },
  },
  required: ['instances'],
  additionalProperties: false,
} as const;
