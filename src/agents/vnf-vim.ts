/**
 * vnf-vim: a compute host's VIM (the document's OpenStack Nova, reduced to what respawn needs).
 * Runs in the compute host's namespace; `POST /servers {"name", "address", "prefixLen", "bridge"}`
 * creates a member as `up` would have: a namespace named with the lab's prefix (so `down` removes
 * it), a veth from the host's bridge to its eth0, the address, and its vnf-member agent. Each
 * creation is a lab event (kind `vim`).
 *
 *   vnf-vim --config CONFIG.json
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { appendEvent, monotonicMs } from '../runtime/events.js';
import { run } from '../runtime/netns/proc.js';
import { kernelName, namespaceName, nameProblem } from '../util/names.js';
import { agentArgv } from './run.js';

interface VimConfig {
  node: string;
  lab: string;
  stateDir: string;
  listen: { address: string; port: number };
  app: { name: string; port: number };
  events: string;
}
const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: true });
const cfg = JSON.parse(readFileSync(values.config!, 'utf8')) as VimConfig;
const event = (detail: string, tMs = monotonicMs()) => {
  appendEvent(cfg.events, { tMs, node: cfg.node, kind: 'vim', detail });
  console.log(detail);
};

async function ip(argv: string[]): Promise<void> {
  const r = await run(['ip', ...argv]);
  if (r.code !== 0) throw new Error(`ip ${argv.join(' ')}: ${r.stderr.trim()}`);
}

async function create(b: Record<string, unknown>): Promise<{ ns: string; pid: number }> {
  const name = String(b.name);
  const problem = nameProblem(name, 'node');
  if (problem) throw new Error(problem);
  if (typeof b.address !== 'string' || !/^\d+\.\d+\.\d+\.\d+$/.test(b.address) || typeof b.prefixLen !== 'number') throw new Error('address: IPv4, prefixLen: number');
  if (typeof b.bridge !== 'string' || nameProblem(b.bridge, 'interface')) throw new Error('bridge: an interface name');
  const ns = namespaceName(cfg.lab, name);
  const port = kernelName(name);
  await ip(['netns', 'add', ns]);
  await ip(['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await ip(['link', 'set', port, 'master', kernelName(b.bridge), 'up']);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', ns, 'addr', 'add', `${b.address}/${b.prefixLen}`, 'dev', 'eth0']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  const dir = `${cfg.stateDir}/nodes/${name}/vnf-member`;
  mkdirSync(dir, { recursive: true });
  const fd = openSync(`${dir}/vnf-member.log`, 'a');
  const argv = agentArgv('vnf-member', ['--name', name, '--app', cfg.app.name, '--port', String(cfg.app.port)]);
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { detached: true, stdio: ['ignore', fd, fd] });
  child.unref();
  writeFileSync(`${dir}/vnf-member.pid`, `${child.pid}\n`);
  return { ns, pid: child.pid ?? 0 };
}

createServer((req, res) => {
  const reply = (code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify(body) + '\n');
  };
  if (req.method !== 'POST' || req.url !== '/servers') return reply(404, { error: 'only POST /servers' });
  let text = '';
  req.on('data', (c: Buffer) => (text += c.toString()));
  req.on('end', () => {
    const t0 = monotonicMs();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      return reply(400, { error: (e as Error).message });
    }
    create(body).then(
      (r) => {
        event(`server ${String(body.name)} created on ${cfg.node}: namespace ${r.ns}, ${String(body.address)} on ${String(body.bridge)} (${Math.round(monotonicMs() - t0)} ms)`, t0);
        reply(201, r);
      },
      (e: Error) => {
        event(`server ${String(body.name)} on ${cfg.node} failed: ${e.message}`);
        reply(500, { error: e.message });
      },
    );
  });
}).listen(cfg.listen.port, cfg.listen.address);
console.log(`vnf-vim on ${cfg.node}: ${cfg.listen.address}:${cfg.listen.port}`);
process.on('SIGTERM', () => process.exit(0));
