/**
 * One JSON-line request to an agent's TCP API (spp-agent, sfc-agent) from the namespace this
 * runs in, and its one-line reply. Errors are UsageErrors (exit 2: not sent) naming the agent and
 * where to run the command; the caller prints the reply and sets the exit code from it.
 */
import { connect } from 'node:net';
import { UsageError } from '../errors.js';

export async function agentRequest(o: { agent: string; to: string; timeoutS?: string; line: string; hint: string }): Promise<string> {
  const m = /^(.+):(\d+)$/.exec(o.to);
  if (!m) throw new UsageError(`--to '${o.to}' is not HOST:PORT`);
  const [host, port] = [m[1]!, Number(m[2])];
  const timeoutMs = Number(o.timeoutS ?? 10) * 1000;
  return new Promise<string>((res, rej) => {
    const sock = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      rej(new UsageError(`no reply from the ${o.agent} at ${host}:${port} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.end(o.line.endsWith('\n') ? o.line : o.line + '\n'));
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
      rej(new UsageError(`cannot reach the ${o.agent} at ${host}:${port}: ${e.message} (${o.hint})`));
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (!buf.includes('\n')) rej(new UsageError(`the ${o.agent} at ${host}:${port} closed the connection without a reply`));
    });
  });
}

/** Print an agent's reply; exit 0 when it says success, else 1. */
export function printReply(reply: string): void {
  console.log(reply);
  process.exitCode = (JSON.parse(reply) as { result?: string }).result === 'success' ? 0 : 1;
}
