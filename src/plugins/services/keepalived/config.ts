/** Renders keepalived.conf from the `keepalived:` options, and the VRRP timer arithmetic. Pure. */
import type { ResolvedInstance } from './options.js';

export interface ConfInput {
  node: string;
  /** The FIFO keepalived writes state transitions to (read by the vrrp-events agent). */
  fifo: string;
  instances: ResolvedInstance[];
  /** Topology interface name -> kernel name (they differ for names over 15 characters). */
  kname?: (iface: string) => string;
}

/** keepalived's advert_int: seconds, with up to two decimals (VRRPv3 counts in centiseconds). */
export function advertInt(ms: number): string {
  return String(ms / 1000);
}

/** Skew time (RFC 5798 / RFC 3768): a lower priority waits a little longer before taking over. */
export function skewMs(i: Pick<ResolvedInstance, 'priority' | 'advertMs' | 'version'>): number {
  return i.version === 3 ? ((256 - i.priority) * i.advertMs) / 256 : ((256 - i.priority) * 1000) / 256;
}

/**
 * Master down interval: how long a backup waits without hearing the master before it takes over
 * (3 x advert + skew). A master that stops advertising (NIC down, killed, frozen) is replaced
 * within this time after its last advertisement.
 */
export function masterDownMs(i: Pick<ResolvedInstance, 'priority' | 'advertMs' | 'version'>): number {
  return 3 * i.advertMs + skewMs(i);
}

export function keepalivedConf(c: ConfInput): string {
  const k = c.kname ?? ((s: string) => s);
  const out = [
    `! keepalived for node ${c.node}, written by halab: VRRP only (started with --vrrp).`,
    '! State transitions go to the FIFO, where halab\'s vrrp-events agent turns them into lab events.',
    'global_defs {',
    `    router_id ${c.node}`,
    `    vrrp_notify_fifo ${c.fifo}`,
    '    vrrp_notify_priority_changes true',
    '}',
  ];
  for (const i of c.instances) {
    out.push(
      '',
      `vrrp_instance ${i.name} {`,
      // Everyone starts as BACKUP and the priorities elect the master (nopreempt and
      // preempt_delay need it, and it avoids two masters at start-up).
      '    state BACKUP',
      `    interface ${k(i.interface)}`,
      `    virtual_router_id ${i.vrid}`,
      `    version ${i.version}`,
      `    priority ${i.priority}`,
      `    advert_int ${advertInt(i.advertMs)}`,
    );
    if (!i.preempt) out.push('    nopreempt');
    else if (i.preemptDelay !== undefined) out.push(`    preempt_delay ${i.preemptDelay}`);
    if (i.track.length) {
      out.push('    track_interface {');
      for (const t of i.track) out.push(`        ${k(t.interface)}${t.weight ? ` weight ${t.weight}` : ''}`);
      out.push('    }');
    }
    out.push('    virtual_ipaddress {', ...i.vips.map((v) => `        ${v}`), '    }', '}');
  }
  return out.join('\n') + '\n';
}
