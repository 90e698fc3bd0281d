/**
 * Control-plane events on one clock. Every event carries `tMs`, milliseconds of this machine's
 * monotonic clock (CLOCK_MONOTONIC, what process.hrtime reads), so events written by different
 * agents in different namespaces line up with each other and with probe traces.
 */
import { appendFileSync, readFileSync } from 'node:fs';

export interface LabEvent {
  tMs: number;
  node: string;
  kind: string;
  detail: string;
}

export function monotonicMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

/** The lab's event log: one JSON object per line, appended by agents. */
export function eventsFile(labDir: string): string {
  return `${labDir}/events.jsonl`;
}

export function appendEvent(file: string, e: Omit<LabEvent, 'tMs'> & { tMs?: number }): void {
  // One write per line: appends under PIPE_BUF are atomic, so agents need no lock.
  appendFileSync(file, JSON.stringify({ tMs: e.tMs ?? monotonicMs(), node: e.node, kind: e.kind, detail: e.detail }) + '\n');
}

export function readEvents(file: string, since = -Infinity): LabEvent[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LabEvent)
    .filter((e) => e.tMs >= since)
    .sort((a, b) => a.tMs - b.tMs);
}
