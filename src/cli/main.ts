#!/usr/bin/env node
/** The halab command line (DESIGN.md "CLI contract"): exit 0 ok, 1 failed, 2 bad input, 3 environment. */
import { Command, CommanderError } from 'commander';
import { ApplyError, EnvError, InputError, UsageError, formatDiagnostic } from '../errors.js';

/**
 * A command's module is loaded when the command runs: `validate` and `plan` then start without
 * loading the runtime (execa, ora, OVS), which takes a third of their start-up time.
 */
function lazy<A extends unknown[]>(load: () => Promise<(...args: A) => unknown>): (...args: A) => Promise<void> {
  return async (...args) => {
    await (await load())(...args);
  };
}

function program(): Command {
  const p = new Command('halab')
    .description('Network HA lab harness: build topologies in network namespaces, break them, measure failover')
    .exitOverride()
    .showHelpAfterError();
  p.command('validate')
    .argument('<files...>', 'topology files')
    .description('check topology files')
    .action(lazy(async () => (await import('./commands/validate.js')).validateCommand));
  p.command('plan')
    .argument('<topology>')
    .option('--name <name>', 'lab name (default: the topology name)')
    .option('--json', 'print the plan as JSON data')
    .option('--teardown', 'also print what down would run')
    .description('print the commands up would run; changes nothing')
    .action(lazy(async () => (await import('./commands/plan.js')).planCommand));
  p.command('up')
    .argument('<topology>')
    .option('--name <name>', 'lab name (default: the topology name)')
    .option('--ready-timeout <seconds>', 'how long to wait for services to be ready', '60')
    .option('--runtime <runtime>', 'netns (default: namespaces on this machine) or containerlab (containerlab deploy; docs/containerlab.md)', 'netns')
    .option('--host <host>', 'containerlab, multi-host topologies: which of the hosts this machine is')
    .option('--image <key=image...>', 'containerlab: container image by node name, service or node kind; repeatable')
    .description('build a lab; returns when its services are ready')
    .action(lazy(async () => (await import('./commands/up.js')).upCommand));
  p.command('status')
    .argument('[name]')
    .option('--json', 'machine-readable output')
    .option('--rib <node>', "a node's BGP table (best paths) and kernel routes")
    .description('show labs, nodes, interfaces, services')
    .action(lazy(async () => (await import('./commands/status.js')).statusCommand));
  p.command('exec')
    .argument('<name>')
    .argument('<node>')
    .argument('[cmd...]')
    .description('run a command inside a node: halab exec NAME NODE -- CMD...')
    .action(async (name: string, node: string, cmd: string[]) => {
      const { execCommand } = await import('./commands/exec.js');
      process.exitCode = await execCommand(name, node, cmd);
    });
  p.command('fault')
    .argument('<name>')
    .argument('<kind>', 'node-halt, node-freeze, node-resume, node-restart, nic-down, nic-up, link-cut, link-restore, blackhole, process-kill, port-down, port-up')
    .argument('<target>', 'NODE, NODE:INTERFACE, NODE:PORT or NODE:PROGRAM')
    .option('--duration-ms <ms>', 'blackhole: how long; node-restart: how long the node stays down')
    .option('--signal <sig>', 'process-kill: KILL (default) or TERM')
    .option('--json', 'print the fault as JSON')
    .description('inject a fault into a running lab; recorded as an event')
    .action(lazy(async () => (await import('./commands/fault.js')).faultCommand));
  p.command('calibrate')
    .option('--json', 'print the points as JSON')
    .description('blackhole a path for 50, 200 and 1000 ms at 1 and 10 kHz and compare the measured outage (a lab of its own)')
    .action(lazy(async () => (await import('./commands/calibrate.js')).calibrateCommand));
  p.command('spp')
    .description('SPP patch panel (seeds/003): send a JSON command batch to the spp-agent of the node this runs in')
    .command('send')
    .argument('<batch>', 'the batch: JSON text, @FILE, or - for stdin')
    .option('--to <host:port>', "the agent's address", '127.0.0.1:5555')
    .option('--timeout <seconds>', 'how long to wait for the reply', '10')
    .description('send one batch, print the reply; exit 0 accepted, 1 rejected')
    .action(lazy(async () => (await import('./commands/spp.js')).sppSendCommand));
  p.command('sfc')
    .argument('<op>', 'scale-out GROUP [PAIR], scale-in GROUP [PAIR], respawn PAIR, show, placement')
    .argument('[args...]')
    .option('--spare <pair>', 'respawn: the spare port pair to respawn onto (default: the first spare)')
    .option('--to <host:port>', "the sfc-agent's address", '127.0.0.1:5556')
    .option('--timeout <seconds>', 'how long to wait for the reply', '10')
    .description('service chain (seeds/002): a request to the vnffg-ha engine of the node this runs in; exit 0 done, 1 refused')
    .action(lazy(async () => (await import('./commands/sfc.js')).sfcCommand));
  p.command('logs')
    .argument('<name>')
    .argument('<node>')
    .argument('[service]')
    .option('-n, --lines <n>', 'last N lines of each log', '50')
    .description("show a node's service logs")
    .action(lazy(async () => (await import('./commands/logs.js')).logsCommand));
  p.command('iperf')
    .argument('<name>')
    .argument('<src>', 'node that runs the client')
    .argument('<dst>', "server address, or a node (its first IPv4 address)")
    .option('--port <n>', "server port (default: DST's first iperf3 service port, else 5201)")
    .option('--udp', 'UDP instead of TCP')
    .option('--bitrate <rate>', 'cap, iperf3 -b syntax (default 100M for TCP, 1M for UDP; 0: unlimited)')
    .option('--time <s>', 'duration, whole seconds', '10')
    .option('--interval <s>', 'reporting interval', '0.1')
    .option('--reverse', 'the server sends (iperf3 -R)')
    .option('--json', 'the parsed intervals and totals as JSON')
    .description('run an iperf3 client in node SRC against DST; per-interval table and totals')
    .action(lazy(async () => (await import('./commands/iperf.js')).iperfCommand));
  p.command('probe')
    .argument('<name>')
    .argument('<src>', 'node that sends')
    .argument('<dst>', 'node that receives, or one of its addresses (a node: its first IPv4 address)')
    .option('--rate <hz>', 'packets per second', '1000')
    .option('--duration <s>', 'how long to send', '10')
    .option('--both', 'also a flow from DST back to SRC')
    .option('--port <n>', 'UDP port of the receivers', '7500')
    .option('--json', 'the report as JSON (result.json flow keys)')
    .description('UDP probe flow from SRC to DST: loss-derived outage, longest gap, loss and recovery times, with lab events')
    .action(lazy(async () => (await import('./commands/probe.js')).probeCommand));
  p.command('report')
    .argument('<dir>', 'a run directory holding result.json (results/<lab>/<run-id>)')
    .option('--tap', 'also print the TAP report')
    .description('re-render report.html and junit.xml from a run\'s result.json')
    .action(lazy(async () => (await import('./commands/report.js')).reportCommand));
  p.command('run')
    .argument('<lab>', 'a lab file (labs/*.yaml), or a folder of them (a suite)')
    .option('--trials <n>', "number of trials (default: the lab file's)")
    .option('--out <dir>', 'results folder', 'results')
    .option('--tap', 'TAP version 14 on stdout')
    .option('--json', 'result.json on stdout')
    .option('--filter <regex>', 'with a folder: only the lab files whose path matches')
    .option('--name <name>', "lab name (default: the lab file's)")
    .description('build a lab, run its scenario (faults, flows, waits), measure, assert, tear down')
    .action(lazy(async () => (await import('./commands/run.js')).runCommand));
  p.command('render')
    .argument('<topology>')
    .requiredOption('--to <target>', 'what to render for: containerlab')
    .option('-o, --output <file>', 'write FILE (a .clab.yml per host), its host-commands script and the generated files beside it; default: the topology on stdout')
    .option('--name <name>', 'lab name (default: the topology name)')
    .option('--image <key=image...>', 'container image by node name, service (frr, gobgp, keepalived, iperf3) or node kind (host, router); repeatable')
    .description('write a containerlab topology for a lab; what cannot be expressed is a warning at its FILE:LINE:COL')
    .action(lazy(async () => (await import('./commands/render.js')).renderCommand));
  p.command('down')
    .argument('<name>')
    .description('remove everything a lab created')
    .action(lazy(async () => (await import('./commands/down.js')).downCommand));
  p.command('clean')
    .description('remove every halab resource on this machine (crash recovery)')
    .action(lazy(async () => (await import('./commands/down.js')).cleanCommand));
  return p;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError) {
      for (const d of e.diagnostics) console.error(formatDiagnostic(d));
      return 2;
    }
    if (e instanceof UsageError) {
      console.error(`halab: ${e.message}`);
      return 2;
    }
    if (e instanceof EnvError) {
      console.error(`halab: ${e.message}\n  fix: ${e.fix}`);
      return 3;
    }
    if (e instanceof ApplyError) {
      console.error(`halab: failed: ${e.command}\n${e.stderr.trim().replace(/^/gm, '  ')}${e.rolledBack ? '\nhalab: everything created so far has been removed' : ''}`);
      return 1;
    }
    console.error(`halab: internal error: ${(e as Error).message}`);
    if (process.env.HALAB_DEBUG) console.error((e as Error).stack);
    return 1;
  }
}

process.exitCode = await main(process.argv);
