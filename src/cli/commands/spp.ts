/**
 * `halab spp send BATCH`: send one SPP command batch (seeds/003's JSON, `{"commands": [...]}`) to a
 * patch panel's spp-agent and print its JSON reply. It connects from the namespace it runs in:
 * inside the patch-panel node (`halab exec LAB NODE -- halab spp send ...`, or a lab file's
 * `exec` phase), where the agent listens on 127.0.0.1:5555 by default. Exit 0 when the batch was
 * accepted, 1 when the agent rejected it (the reply names the command's index), 2 when it could
 * not be sent.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { UsageError } from '../../errors.js';

export async function sppSendCommand(batch: string, opts: { to?: string; timeout?: string }): Promise<void> {
  const text = batch === '-' ? readFileSync(0, 'utf8') : batch.startsWith('@') ? readFileSync(batch.slice(1), 'utf8') : batch;
  const m = /^(.+):(\d+)$/.exec(opts.to ?? '127.0.0.1:5555');
  if (!m) throw new UsageError(`--to '${opts.to}' is not HOST:PORT`);
  const timeoutMs = Number(opts.timeout ?? 10) * 1000;
  const reply = await new Promise<string>((res, rej) => {
    const sock = connect({ host: m[1]!, port: Number(m[2]) });
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      rej(new UsageError(`no reply from the spp-agent at ${m[1]}:${m[2]} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.end(text.endsWith('\n') ? text : text + '\n'));
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        sock.destroy();
        res(buf.slice(0, nl));
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      rej(new UsageError(`cannot reach the spp-agent at ${m[1]}:${m[2]}: ${e.message} (run this inside the patch-panel node: halab exec LAB NODE -- halab spp send ...)`));
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (!buf.includes('\n')) rej(new UsageError(`the spp-agent at ${m[1]}:${m[2]} closed the connection without a reply`));
    });
  });
  console.log(reply);
  const r = JSON.parse(reply) as { result?: string };
  process.exitCode = r.result === 'success' ? 0 : 1;
}
