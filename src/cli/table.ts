import Table from 'cli-table3';
import type { FlowResult } from '../model/result.js';

/** A plain text table (no colours, so it reads the same in CI logs). */
export function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString();
}

/** A time in ms with one decimal, or '-' for none. */
export const ms = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '-' : x.toFixed(digits));

/** What the flow table shows of a flow (a run's FlowResult or a probe's flow). */
type FlowRow = Pick<FlowResult, 'name' | 'sent' | 'received' | 'lost' | 'outageMs' | 'maxGapMs' | 'firstLossMs' | 'recoveredMs' | 'reordered' | 'duplicated'>;

/** The failover-gap table of flows (`halab probe`, `halab run`); `label` names a row (default: the flow's name). */
export function flowTable<F extends FlowRow>(flows: readonly F[], label: (f: F) => string = (f) => f.name): string {
  return table(
    ['flow', 'sent', 'received', 'lost', 'outage ms', 'max gap ms', 'first loss ms', 'recovered ms', 'reordered', 'duplicated'],
    flows.map((f) => [label(f), f.sent, f.received, f.lost, ms(f.outageMs), ms(f.maxGapMs), ms(f.firstLossMs), ms(f.recoveredMs), f.reordered, f.duplicated]),
  );
}
