/**
 * vnf-member: what runs in a VNF cluster member. It starts the application (vnf-httpd, the
 * document's apache2) and plays its Zabbix agent on port 10050: `GET /status` reads the items
 * (net.tcp.service on the app's port, the app's memory in MB and CPU in %), `POST /service/VERB`
 * runs a trigger's command (`service APP restart|stop|start`, validated when the topology was).
 *
 *   vnf-member --name NAME --app APP --port PORT
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import { agentArgv } from './run.js';

const { values } = parseArgs({ options: { name: { type: 'string' }, app: { type: 'string' }, port: { type: 'string' } }, strict: true });
const name = values.name ?? 'member';
const appPort = Number(values.port ?? 80);
const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

let app: ChildProcess | null = null;
function start(): void {
  const argv = agentArgv('vnf-httpd', ['--name', name, '--port', String(appPort)]);
  app = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' });
  log(`${values.app} started (pid ${app.pid})`);
}
async function stop(): Promise<void> {
  const a = app;
  app = null;
  if (!a || a.exitCode !== null || a.signalCode !== null) return;
  await new Promise<void>((r) => {
    a.once('exit', () => r());
    a.kill('SIGTERM');
  });
}

/** net.tcp.service: does something accept on the app's port (within 500 ms)? */
function tcpUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: appPort, timeout: 500 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });
}

// Per pid: a restarted app starts its tick count again.
let lastCpu: { pid: number; ticks: number; at: number } | null = null;
/** The app's RSS (MB) and CPU use (%) since the last read, from /proc. */
function usage(): { memMb: number; cpuPct: number } {
  try {
    const pid = app?.pid;
    if (!pid || app?.exitCode !== null) return { memMb: 0, cpuPct: 0 };
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    const now = Date.now();
    const cpuPct = lastCpu?.pid === pid ? ((ticks - lastCpu.ticks) / 100 / ((now - lastCpu.at) / 1000)) * 100 : 0;
    lastCpu = { pid, ticks, at: now };
    return { memMb: rss ? Math.round(Number(rss[1]) / 1024) : 0, cpuPct: Math.round(cpuPct) };
  } catch {
    return { memMb: 0, cpuPct: 0 };
  }
}

createServer(async (req, res) => {
  const reply = (code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify(body) + '\n');
  };
  const m = /^\/service\/(restart|stop|start)$/.exec(req.url ?? '');
  if (req.method === 'GET' && req.url === '/status') return reply(200, { name, app: (await tcpUp()) ? 'up' : 'down', ...usage() });
  if (req.method === 'POST' && m) {
    log(`service ${values.app} ${m[1]}`);
    if (m[1] !== 'start') await stop();
    if (m[1] !== 'stop') start();
    return reply(200, { done: `service ${values.app} ${m[1]}`, pid: app?.pid ?? null });
  }
  reply(404, { error: `no ${req.method} ${req.url}` });
}).listen(10050, '0.0.0.0');

start();
const quit = () => void stop().then(() => process.exit(0));
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
