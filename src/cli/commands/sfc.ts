/**
 * `halab sfc OP ...`: a request to the vnffg-ha engine (sfc-agent) of the node this runs in
 * (`halab exec LAB NODE -- halab sfc ...`, or a lab file's `exec` phase): scale-out GROUP [PAIR],
 * scale-in GROUP [PAIR], respawn PAIR [--to SPARE], show, placement. Prints the JSON reply; exit 0
 * done, 1 refused (the reply says why), 2 not sent.
 */
import { agentRequest, printReply } from '../agent-request.js';
import { UsageError } from '../../errors.js';

export async function sfcCommand(op: string, args: string[], opts: { to?: string; timeout?: string; spare?: string }): Promise<void> {
  const want: Record<string, [number, number]> = { 'scale-out': [1, 2], 'scale-in': [1, 2], respawn: [1, 1], show: [0, 0], placement: [0, 0] };
  const n = want[op];
  if (!n) throw new UsageError(`unknown sfc operation '${op}' (${Object.keys(want).join(', ')})`);
  if (args.length < n[0] || args.length > n[1]) throw new UsageError(`sfc ${op} takes ${n[0] === n[1] ? n[0] : `${n[0]} or ${n[1]}`} argument(s), got ${args.length}`);
  const req: Record<string, string> = { op };
  if (op === 'respawn') {
    req.pair = args[0]!;
    if (opts.spare) req.to = opts.spare;
  } else if (n[1] > 0) {
    req.group = args[0]!;
    if (args[1]) req.pair = args[1];
  }
  printReply(
    await agentRequest({ agent: 'sfc-agent', to: opts.to ?? '127.0.0.1:5556', timeoutS: opts.timeout, line: JSON.stringify(req), hint: "run this inside the chain's node: halab exec LAB NODE -- halab sfc ..." }),
  );
}
