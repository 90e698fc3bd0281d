/**
 * The fencing member of a UTM pair, without I/O: a UTM starts as `standby` (its shared addresses
 * silent) and is `active` only while the orchestrator says so: POST /promote makes it active for
 * `lease_ms`, POST /renew extends the lease of an active UTM (and is refused by a standby one, so
 * that a late renewal cannot revive a UTM that fenced itself), POST /demote fences it. A lease that
 * runs out fences it too: a UTM cut off from the orchestrator (its host down, its NIC down) is
 * silent when it comes back, whoever is active by then. The agent (src/agents/utm-ha.ts) applies
 * the changes (nftables in the UTM's namespace, gratuitous ARP).
 */
export type Role = 'standby' | 'active';

/** A change of role the agent must apply (and record as an event). */
export interface Change {
  role: Role;
  reason: string;
  /** Announce the shared addresses (gratuitous ARP) once unfenced. */
  announce: boolean;
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  change?: Change;
}

export const LEASE_MIN_MS = 100;
export const LEASE_MAX_MS = 600_000;

export class UtmHa {
  role: Role = 'standby';
  leaseUntilMs: number | null = null;
  reason = 'started fenced (standby until promoted)';

  /** The lease has run out: fence (once). */
  tick(nowMs: number): Change | null {
    if (this.role !== 'active' || this.leaseUntilMs === null || nowMs < this.leaseUntilMs) return null;
    return this.set('standby', `lease ran out (not renewed for ${Math.round(nowMs - (this.leaseUntilMs - this.leaseMs))} ms)`, false);
  }

  handle(method: string, url: string, text: string, nowMs: number, from: string): Reply {
    const path = url.split('?')[0]!.replace(/\/+$/, '') || '/';
    if (method === 'GET' && path === '/state') return { status: 200, body: this.view(nowMs) };
    if (!['/promote', '/renew', '/demote'].includes(path)) return { status: 404, body: { error: `no such call: ${method} ${path} (GET /state, POST /promote, /renew, /demote)` } };
    if (method !== 'POST') return { status: 405, body: { error: `${path} takes POST` } };
    let body: unknown = {};
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        return { status: 400, body: { error: 'the body is not JSON' } };
      }
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { status: 400, body: { error: 'the body is not a JSON object' } };
    const b = body as Record<string, unknown>;
    if (path === '/demote') {
      const change = this.role === 'active' ? this.set('standby', `demoted by ${from}`, false) : undefined;
      return { status: 200, body: this.view(nowMs), ...(change ? { change } : {}) };
    }
    const lease = b['lease_ms'];
    if (typeof lease !== 'number' || !Number.isInteger(lease) || lease < LEASE_MIN_MS || lease > LEASE_MAX_MS) return { status: 400, body: { error: `lease_ms must be an integer from ${LEASE_MIN_MS} to ${LEASE_MAX_MS}` } };
    if (b['announce'] !== undefined && typeof b['announce'] !== 'boolean') return { status: 400, body: { error: 'announce must be true or false' } };
    if (path === '/renew') {
      if (this.role !== 'active') return { status: 409, body: { error: `standby (${this.reason}): renew is for an active UTM; promote it`, ...this.view(nowMs) } };
      this.lease(nowMs, lease);
      return { status: 200, body: this.view(nowMs) };
    }
    const announce = b['announce'] === true;
    const change = this.role === 'active' ? (announce ? { role: 'active' as const, reason: `promoted again by ${from}`, announce } : undefined) : this.set('active', `promoted by ${from}`, announce);
    this.lease(nowMs, lease);
    return { status: 200, body: this.view(nowMs), ...(change ? { change } : {}) };
  }

  view(nowMs: number): Record<string, unknown> {
    return { role: this.role, reason: this.reason, lease_remaining_ms: this.role === 'active' && this.leaseUntilMs !== null ? Math.max(0, Math.round(this.leaseUntilMs - nowMs)) : null };
  }

  private leaseMs = 0;
  private lease(nowMs: number, ms: number): void {
    this.leaseMs = ms;
    this.leaseUntilMs = nowMs + ms;
  }

  private set(role: Role, reason: string, announce: boolean): Change {
    this.role = role;
    this.reason = reason;
    if (role === 'standby') this.leaseUntilMs = null;
    return { role, reason, announce };
  }
}

/** Kernel interface names as nft strings; anything else is refused (they come from a topology). */
function names(knames: readonly string[]): string {
  for (const k of knames) if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(k)) throw new Error(`'${k}' is not a kernel interface name`);
  return `{ ${knames.map((k) => `"${k}"`).join(', ')} }`;
}

export const FENCE_TABLE = 'halab_utm_ha';

/**
 * The nft script that fences: no ARP in or out on these interfaces (neighbours cannot learn our
 * MAC for the shared addresses), no IP to or from them, and nothing routed in or out of `routed`
 * (the ones that are not bridges: with br_netfilter, frames a bridge carries between its ports
 * pass the forward hook as in and out of the bridge, and a standby UTM still bridges).
 * Replaces any earlier fence (a restarted agent finds its namespace's tables as they were).
 */
export function fenceScript(knames: readonly string[], routed: readonly string[] = knames): string {
  const s = names(knames);
  const t = FENCE_TABLE;
  const r = routed.length ? names(routed) : null;
  return [
    `table arp ${t}`,
    `delete table arp ${t}`,
    `table arp ${t} {`,
    `  chain fence_in { type filter hook input priority 0; policy accept; iifname ${s} drop; }`,
    `  chain fence_out { type filter hook output priority 0; policy accept; oifname ${s} drop; }`,
    `}`,
    `table inet ${t}`,
    `delete table inet ${t}`,
    `table inet ${t} {`,
    `  chain fence_in { type filter hook input priority -10; policy accept; iifname ${s} drop; }`,
    ...(r ? [`  chain fence_fwd { type filter hook forward priority -10; policy accept; iifname ${r} drop; oifname ${r} drop; }`] : []),
    `  chain fence_out { type filter hook output priority -10; policy accept; oifname ${s} drop; }`,
    `}`,
    '',
  ].join('\n');
}

/** The nft script that lifts the fence (both tables exist: fenceScript ran at start). */
export function unfenceScript(): string {
  return `table arp ${FENCE_TABLE}\ndelete table arp ${FENCE_TABLE}\ntable inet ${FENCE_TABLE}\ndelete table inet ${FENCE_TABLE}\n`;
}
