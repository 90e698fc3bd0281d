/**
 * `halab spp send BATCH`: send one SPP command batch (seeds/003's JSON, `{"commands": [...]}`) to a
 * patch panel's spp-agent and print its JSON reply. It connects from the namespace it runs in:
 * inside the patch-panel node (`halab exec LAB NODE -- halab spp send ...`, or a lab file's
 * `exec` phase), where the agent listens on 127.0.0.1:5555 by default. Exit 0 when the batch was
 * accepted, 1 when the agent rejected it (the reply names the command's index), 2 when it could
 * not be sent.
 */
import { readFileSync } from 'node:fs';
import { agentRequest, printReply } from '../agent-request.js';

export async function sppSendCommand(batch: string, opts: { to?: string; timeout?: string }): Promise<void> {
  const text = batch === '-' ? readFileSync(0, 'utf8') : batch.startsWith('@') ? readFileSync(batch.slice(1), 'utf8') : batch;
  printReply(
    await agentRequest({ agent: 'spp-agent', to: opts.to ?? '127.0.0.1:5555', timeoutS: opts.timeout, line: text, hint: 'run this inside the patch-panel node: halab exec LAB NODE -- halab spp send ...' }),
  );
}
