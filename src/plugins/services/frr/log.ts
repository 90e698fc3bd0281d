/** Reading FRR's logs. Pure. */

/** `%ADJCHANGE: neighbor 192.0.2.2(Unknown) in vrf default Down BGP Notification send` */
export function parseAdjChange(line: string): { peer: string; up: boolean; reason: string } | null {
  const m = /ADJCHANGE: neighbor ([0-9A-Fa-f.:]+)(?:\([^)]*\))? in vrf \S+ (Up|Down)\s*(.*)$/.exec(line);
  return m ? { peer: m[1]!, up: m[2] === 'Up', reason: m[3]!.trim() } : null;
}

/**
 * What bgpd hands zebra (`debug bgp zebra`): its installed best path for a prefix, or a withdraw.
 *   `Tx route add VRF 0 0.0.0.0/0 metric 0 tag 0 count 1 nhg 0`, then per next hop
 *   `  nhop [1]: 192.168.2.1 if 0 VRF 0 wt 0`; `Tx route delete VRF 0 192.168.101.0/24`.
 * Line by line: an `add` is complete with its first next hop.
 */
export class BestPathLog {
  private pending: string | null = null;

  /** The event detail this line completes (GoBGP's wording: `PREFIX via NH`, `PREFIX withdrawn`), or null. */
  line(text: string): string | null {
    const tx = /Tx route (add|delete) VRF \d+ (\S+)/.exec(text);
    if (tx) {
      this.pending = tx[1] === 'add' ? tx[2]! : null;
      return tx[1] === 'delete' ? `${tx[2]} withdrawn` : null;
    }
    const nh = /\bnhop \[\d+\]: (\S+)/.exec(text);
    if (nh && this.pending) {
      const prefix = this.pending;
      this.pending = null;
      return `${prefix} via ${nh[1]}`;
    }
    return null;
  }
}
