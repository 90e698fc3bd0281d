/** Live status of a lab: which namespaces exist, their processes, interfaces and addresses. */
import { serviceKinds } from '../../plugins/services/index.js';
import { listProcesses, netnsInode, run, inNetns } from './proc.js';
import type { LabState } from './state.js';

export interface IfaceStatus {
  name: string;
  kname: string;
  state: string;
  addresses: string[];
}

export interface ServiceState {
  kind: string;
  summary: string;
  table?: { head: string[]; rows: string[][] };
  data: unknown;
}

export interface NodeStatus {
  name: string;
  kind: string;
  ns: string;
  present: boolean;
  processes: { pid: number; comm: string }[];
  ifaces: IfaceStatus[];
  bridges: { name: string; kind: string }[];
  services: ServiceState[];
}

export interface LabStatus {
  lab: string;
  status: LabState['status'];
  topologyFile: string;
  createdAt: string;
  nodes: NodeStatus[];
}

interface IpAddr {
  ifname: string;
  operstate: string;
  addr_info?: { local: string; prefixlen: number; scope?: string }[];
}

export async function labStatus(state: LabState): Promise<LabStatus> {
  const procs = listProcesses();
  const nodes = await Promise.all(
    state.nodes.map(async (n): Promise<NodeStatus> => {
      const ino = netnsInode(n.ns);
      const live = new Map<string, IpAddr>();
      if (ino !== null) {
        const r = await run(inNetns(n.ns, ['ip', '-j', 'addr', 'show']));
        if (r.code === 0) for (const a of JSON.parse(r.stdout || '[]') as IpAddr[]) live.set(a.ifname, a);
      }
      return {
        name: n.name,
        kind: n.kind,
        ns: n.ns,
        present: ino !== null,
        processes: ino === null ? [] : procs.filter((p) => p.netIno === ino).map((p) => ({ pid: p.pid, comm: p.comm })),
        bridges: n.bridges,
        services: await Promise.all(
          (n.services ?? []).map(async (s) => ({ kind: s.kind, ...(await serviceKinds.get(s.kind)!.status(n, s).catch((e: Error) => ({ summary: `status failed: ${e.message}`, data: null }))) })),
        ),
        ifaces: n.ifaces.map((i) => {
          const l = live.get(i.kname);
          return {
            name: i.name,
            kname: i.kname,
            state: l ? l.operstate.toLowerCase() : 'missing',
            addresses: (l?.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`),
          };
        }),
      };
    }),
  );
  return { lab: state.lab, status: state.status, topologyFile: state.topologyFile, createdAt: state.createdAt, nodes };
}
