/**
 * port-down / port-up on a switch node: an OVS port is set down through OpenFlow
 * (`ovs-ofctl mod-port`), a Linux bridge port with `ip link`; the far side loses carrier.
 */
import { run } from '../../runtime/netns/proc.js';
import { monotonicMs } from '../../runtime/events.js';
import { kernelIface } from './nic.js';
import type { FaultContext, FaultKind } from './types.js';

async function setPort(ctx: FaultContext, dir: 'up' | 'down'): Promise<number> {
  const dev = kernelIface(ctx);
  const ovs = `${ctx.node.dir}/ovs`;
  const br = await run(['ovs-vsctl', `--db=unix:${ovs}/db.sock`, 'port-to-br', dev]);
  if (br.code === 0 && br.stdout.trim()) {
    const r = await run(['ovs-ofctl', 'mod-port', `unix:${ovs}/${br.stdout.trim()}.mgmt`, dev, dir]);
    if (r.code !== 0) throw new Error(`ovs-ofctl mod-port ${br.stdout.trim()} ${dev} ${dir}: ${r.stderr.trim()}`);
    return monotonicMs();
  }
  return ctx.ip([`link set dev ${dev} ${dir}`]);
}

export const portDown: FaultKind = {
  kind: 'port-down',
  undo: 'port-up',
  summary: 'set a port of a switch node down (OVS or Linux bridge)',
  target: 'port',
  async inject(ctx) {
    return { atMs: await setPort(ctx, 'down'), detail: `${ctx.node.name}:${ctx.part} port down` };
  },
};

export const portUp: FaultKind = {
  kind: 'port-up',
  summary: 'set a port of a switch node up again',
  target: 'port',
  async inject(ctx) {
    return { atMs: await setPort(ctx, 'up'), detail: `${ctx.node.name}:${ctx.part} port up` };
  },
};
