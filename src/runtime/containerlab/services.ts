/**
 * halab services inside containerlab nodes. The configuration comes from the same generators the
 * netns runtime uses (FRR's per-daemon configs, keepalived.conf, the gobgp CLI calls, iperf3's
 * argv); what differs is how it reaches the container: files bound in, and `exec` commands.
 * halab's own agents (event recorders, the GoBGP FIB agent) do not run in containers.
 */
import type { Path } from '../../model/path.js';
import type { Node, ServiceSpec } from '../../model/topology.js';
import { bfddConf, bgpdConf, zebraConf } from '../../plugins/services/frr/config.js';
import { daemons } from '../../plugins/services/frr/index.js';
import type { FrrOptions } from '../../plugins/services/frr/options.js';
import { gobgpCommands } from '../../plugins/services/gobgp/commands.js';
import type { GobgpOptions } from '../../plugins/services/gobgp/options.js';
import { serverArgv } from '../../plugins/services/iperf3/index.js';
import { portsOf, type Iperf3Options } from '../../plugins/services/iperf3/options.js';
import { keepalivedConf } from '../../plugins/services/keepalived/config.js';
import { resolveInstances, type KeepalivedOptions } from '../../plugins/services/keepalived/options.js';
import { kernelName } from '../../util/names.js';
import { shellJoin } from '../../util/shell.js';

export interface ServiceRender {
  /** Files relative to the node's own folder of generated files. */
  files: { path: string; content: string; mode?: number }[];
  /** `[folder or file under the node's folder, path in the container]`. */
  binds: [string, string][];
  /** argv arrays run in the container after its links are up. */
  exec: string[][];
  warnings: { path: Path; message: string }[];
}

type Renderer = (node: Node, spec: ServiceSpec) => ServiceRender;

/** FRR: the image's own start script runs the daemons named in /etc/frr/daemons, from one frr.conf. */
const frr: Renderer = (node, spec) => {
  const o = spec.options as FrrOptions;
  const ds = daemons(o);
  const confs: Record<string, string> = { zebra: zebraConf(node.name), bgpd: bgpdConf(node.name, o), bfdd: bfddConf(node.name, o) };
  const daemonsFile = [
    `# FRR daemons for node ${node.name}, written by halab`,
    ...['bgpd', 'bfdd'].map((d) => `${d}=${ds.includes(d) ? 'yes' : 'no'}`),
    'vtysh_enable=yes',
    'zebra_options="  -A 127.0.0.1 -s 90000000"',
    'bgpd_options="   -A 127.0.0.1"',
    'bfdd_options="   -A 127.0.0.1"',
    '',
  ].join('\n');
  return {
    files: [
      { path: 'frr/daemons', content: daemonsFile },
      // The per-daemon configurations of the netns runtime, one after the other (an integrated config).
      { path: 'frr/frr.conf', content: ds.map((d) => confs[d]!).join('!\n') },
      { path: 'frr/vtysh.conf', content: 'service integrated-vtysh-config\n' },
    ],
    binds: [['frr', '/etc/frr']],
    exec: [],
    warnings: [],
  };
};

const keepalived: Renderer = (node, spec) => {
  const conf = keepalivedConf({ node: node.name, fifo: '', instances: resolveInstances(spec.options as unknown as KeepalivedOptions), kname: kernelName })
    .split('\n')
    // The notify FIFO feeds halab's vrrp-events agent, which does not run in containers.
    .filter((l) => !/^\s*vrrp_notify_(fifo|priority_changes)\b/.test(l) && !l.startsWith("! State transitions go to the FIFO"))
    .join('\n');
  return {
    files: [{ path: 'keepalived/keepalived.conf', content: conf }],
    binds: [['keepalived/keepalived.conf', '/etc/keepalived/keepalived.conf']],
    exec: [['keepalived', '--vrrp', '-f', '/etc/keepalived/keepalived.conf']],
    warnings: [],
  };
};

const gobgp: Renderer = (node, spec) => {
  const o = spec.options as unknown as GobgpOptions;
  const [first, ...rest] = gobgpCommands(o);
  const script = [
    '#!/bin/sh',
    `# GoBGP for node ${node.name}, written by halab: gobgpd without a config file, configured through its CLI.`,
    'nohup gobgpd --api-hosts 127.0.0.1:50051 --pprof-disable > /var/log/gobgpd.log 2>&1 &',
    '# gobgpd takes a moment to open its API: the first call retries for up to 10 s.',
    `i=0; until ${shellJoin(['gobgp', ...first!])}; do i=$((i+1)); [ "$i" -ge 100 ] && exit 1; sleep 0.1; done`,
    ...rest.map((c) => shellJoin(['gobgp', ...c])),
    '',
  ].join('\n');
  const warnings =
    o.fib === false
      ? []
      : [{ path: spec.path, message: `GoBGP's FIB agent is part of halab's netns runtime and does not run in containers: ${node.name}'s best paths stay out of its kernel routing table (set 'fib: false' to accept that)` }];
  return {
    files: [{ path: 'gobgp/gobgp.sh', content: script, mode: 0o755 }],
    binds: [['gobgp/gobgp.sh', '/etc/halab/gobgp.sh']],
    exec: [['sh', '/etc/halab/gobgp.sh']],
    warnings,
  };
};

const iperf3: Renderer = (_node, spec) => {
  const o = spec.options as Iperf3Options;
  // -D: exec waits for the command, so the servers daemonize.
  return { files: [], binds: [], exec: portsOf(o).map((p) => [...serverArgv(o, p), '-D', '--logfile', `/var/log/iperf3-${p}.log`]), warnings: [] };
};

export const serviceRenderers: Readonly<Record<string, Renderer>> = { frr, keepalived, gobgp, iperf3 };
