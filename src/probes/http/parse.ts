/**
 * Reads the http-probe agent's JSON lines (src/agents/http-probe.ts) into sent and arrival
 * records: every request is sent; an answered one (a status below 400) arrives. Also which
 * member answered how often (the first line of each body), in order of first answer. Pure.
 */
import type { Arrival, SentRecord } from '../udp/format.js';

interface Line {
  seq: number;
  sentMs: number;
  recvMs?: number;
  error?: string;
  by?: string;
}

export interface HttpRecords {
  sent: SentRecord[];
  arrivals: Arrival[];
  /** Answers per responder (first line of the body), in order of their first answer. */
  answeredBy: { by: string; count: number }[];
  /** Distinct errors with their counts (timeouts, refused connections, 5xx). */
  errors: { error: string; count: number }[];
}

export function parseHttpProbe(text: string): HttpRecords {
  const lines: Line[] = [];
  for (const l of text.split('\n')) {
    if (!l.startsWith('{')) continue;
    try {
      const o = JSON.parse(l) as Line;
      if (typeof o.seq === 'number' && typeof o.sentMs === 'number') lines.push(o);
    } catch {
      // a line cut by the agent's exit
    }
  }
  lines.sort((a, b) => a.seq - b.seq);
  const count = <K extends string>(keys: K[]) => [...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<K, number>())];
  const ok = lines.filter((l) => l.error === undefined && l.recvMs !== undefined);
  return {
    sent: lines.map((l) => ({ seq: l.seq, sentMs: l.sentMs })),
    arrivals: ok.map((l) => ({ flow: 1, seq: l.seq, sentMs: l.sentMs, recvMs: l.recvMs! })).sort((a, b) => a.recvMs - b.recvMs),
    answeredBy: count(ok.sort((a, b) => a.recvMs! - b.recvMs!).map((l) => l.by ?? '')).map(([by, n]) => ({ by, count: n })),
    errors: count(lines.flatMap((l) => (l.error !== undefined ? [l.error] : []))).map(([error, n]) => ({ error, count: n })),
  };
}
