/**
 * One ovsdb-server + ovs-vswitchd per node (an emulated compute host or switch), inside the node's
 * namespace, with everything (db, sockets, pidfiles, logs) in the node's own run dir. With
 * OVS_RUNDIR pointing there, ovs-vsctl and ovs-appctl find these daemons by default, which is how
 * `halab exec LAB NODE -- ovs-vsctl show` works.
 */
import type { LabNode } from '../../../model/lab.js';
import type { Action, Step } from '../../../model/plan.js';

export const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export function ovsDir(node: LabNode): string {
  return `${node.dir}/ovs`;
}

export function ovsEnv(node: LabNode): Record<string, string> {
  const d = ovsDir(node);
  return { OVS_RUNDIR: d, OVS_DBDIR: d, OVS_LOGDIR: d };
}

export function ovsDb(node: LabNode): string {
  return `${ovsDir(node)}/db.sock`;
}

export function daemonActions(node: LabNode): Action[] {
  const d = ovsDir(node);
  const env = ovsEnv(node);
  // With OVS_RUNDIR/OVS_LOGDIR set, --pidfile and --log-file land in the node's dir.
  const common = ['--pidfile', '--log-file', '--detach', '--no-chdir'];
  const start: Step[] = [
    { t: 'mkdir', path: d },
    { t: 'exec', argv: ['ovsdb-tool', 'create', `${d}/conf.db`, OVS_SCHEMA] },
    {
      t: 'exec',
      ns: node.ns,
      daemon: true,
      env,
      argv: ['ovsdb-server', `${d}/conf.db`, `--remote=punix:${d}/db.sock`, ...common],
    },
    { t: 'exec', argv: ['ovs-vsctl', `--db=unix:${d}/db.sock`, '--no-wait', 'init'] },
    {
      t: 'exec',
      ns: node.ns,
      daemon: true,
      env,
      argv: ['ovs-vswitchd', `unix:${d}/db.sock`, ...common],
    },
  ];
  return [
    {
      id: `ovs:${node.name}`,
      phase: 'daemons',
      node: node.name,
      what: `start Open vSwitch (userspace datapath) in ${node.name}`,
      path: node.spec.path,
      do: start,
      // Bridges are deleted first (their own undo, which runs earlier), so no taps are left behind.
      undo: [
        { t: 'kill', pidfile: `${d}/ovs-vswitchd.pid` },
        { t: 'kill', pidfile: `${d}/ovsdb-server.pid` },
      ],
    },
  ];
}
