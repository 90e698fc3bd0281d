/** Reading FRR's logs. Pure. */

/** `%ADJCHANGE: neighbor 192.0.2.2(Unknown) in vrf default Down BGP Notification send` */
export function parseAdjChange(line: string): { peer: string; up: boolean; reason: string } | null {
  const m = /ADJCHANGE: neighbor ([0-9A-Fa-f.:]+)(?:\([^)]*\))? in vrf \S+ (Up|Down)\s*(.*)$/.exec(line);
  return m ? { peer: m[1]!, up: m[2] === 'Up', reason: m[3]!.trim() } : null;
}
