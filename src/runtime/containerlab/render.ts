/**
 * Lab -> containerlab topologies (one per host), host commands and generated files. Pure.
 *
 * How halab's model maps onto containerlab's:
 * - A node becomes a `linux` container (network-mode none: its interfaces are the lab's only),
 *   unless it only holds bridges (a switch node): then it has no container.
 * - Every bridge becomes a bridge on the host, as a `bridge` or `ovs-bridge` node named
 *   NODE-BRIDGE; containerlab attaches the link ends, the host commands create the bridges first,
 *   add patch/internal/VXLAN ports and set VLAN tags after deploy.
 * - A bridge's own interface that has addresses, and an internal port handed to a node with a
 *   container, become a veth from the container to the host bridge (tagged like the port).
 * - Addresses, routes, sysctls, NAT and filter rules are the netns plan's own commands, run by
 *   containerlab's `exec`; services get their generated configuration bound in (services.ts).
 * - Nodes on different hosts (`host:`) are joined by containerlab `vxlan` links.
 * Whatever does not carry over exactly is a warning at its position in the topology file.
 */
import type { Diagnostic } from '../../errors.js';
import type { Lab, LabNode } from '../../model/lab.js';
import type { Path } from '../../model/path.js';
import type { Step } from '../../model/plan.js';
import type { Endpoint, InterfaceConfig, Node } from '../../model/topology.js';
import { plan as planLab } from '../../pipeline/plan.js';
import { resolveOvsPorts, type OvsPort } from '../../plugins/switches/ovs/ports.js';
import { canonicalIp } from '../../util/ip.js';
import { kernelName } from '../../util/names.js';
import { shellJoin } from '../../util/shell.js';
import { imageFor, missingServices } from './images.js';
import { hostBridgeName, hostOwnPortName, hostPortName } from './names.js';
import { serviceRenderers } from './services.js';
import type { ClabLink, ClabNode, GeneratedFile, HostCommands, HostRender, RenderResult } from './types.js';

export interface RenderOptions {
  /** Image overrides by node name, service kind or node kind (`--image KEY=IMAGE`). */
  images?: Readonly<Record<string, string>>;
  /** Folder of generated files, relative to the .clab.yml (default `<lab>.files`). */
  filesDir?: string;
}

export const VXLAN_PORT = 4789;
/** VNI of the cross-host link with index i in the topology's links. */
export const vniOf = (linkIndex: number) => 10000 + linkIndex;

interface Place {
  node: string;
  iface: string;
  host: string | null;
  /** The node is a host bridge of this kind, not a container. */
  bridge?: string;
}

const hasContent = (c: InterfaceConfig | undefined) => !!c && (c.addresses.length > 0 || c.mtu !== undefined || c.mac !== undefined || !c.up || Object.keys(c.sysctl).length > 0);

export function renderContainerlab(lab: Lab, opts: RenderOptions = {}): RenderResult {
  const topo = lab.topology;
  const warnings: Diagnostic[] = [];
  const warn = (path: Path, message: string) => warnings.push(topo.src.diag(path, message));
  const filesDir = opts.filesDir ?? `${lab.name}.files`;
  const files: GeneratedFile[] = [];
  const hostNames = topo.hosts.map((h) => h.name);
  const hostOf = (node: string): string | null => topo.nodes.find((n) => n.name === node)?.host?.name ?? hostNames[0] ?? null;

  // `late`: create commands for ports of bridges that are created first.
  const perHost = new Map<string | null, { nodes: Record<string, ClabNode>; links: ClabLink[]; commands: HostCommands; late: string[][]; needs: Set<string> }>();
  const slot = (host: string | null) => {
    let s = perHost.get(host);
    if (!s) perHost.set(host, (s = { nodes: {}, links: [], commands: { create: [], ports: [], remove: [] }, late: [], needs: new Set() }));
    return s;
  };
  for (const h of hostNames.length ? hostNames : [null]) slot(h);

  // Which bridge of a node a plain port (a link end) belongs to.
  const bridgeOfPort = (n: Node, iface: string) => n.bridges.find((b) => b.ports.some((p) => p.name === iface && !p.patch && !p.internal && !p.vxlan));
  const linkEnds = (n: Node) => topo.links.flatMap((l) => l.endpoints.filter((e) => e.node === n.name));
  const internalTo = (owner: Node, p: { internal?: { node: string } }) => (p.internal ? p.internal.node || owner.name : undefined);

  // A node needs a container unless it only holds bridges whose ports are all it has.
  const needsContainer = (n: Node): boolean =>
    n.bridges.length === 0 ||
    n.kind !== 'host' ||
    n.routes.length + n.nat.length + n.filter.length + n.services.length + Object.keys(n.sysctl).length > 0 ||
    linkEnds(n).some((e) => !bridgeOfPort(n, e.iface)) ||
    n.bridges.some((b) => hasContent(n.interfaces.find((c) => c.name === b.name))) ||
    topo.nodes.some((o) => o.name !== n.name && o.bridges.some((b) => b.ports.some((p) => internalTo(o, p) === n.name)));
  const containers = new Set(topo.nodes.filter(needsContainer).map((n) => n.name));

  const place = (e: Pick<Endpoint, 'node' | 'iface'>): Place => {
    const n = lab.node(e.node).spec;
    const br = bridgeOfPort(n, e.iface);
    return br
      ? { node: hostBridgeName(n.name, br.name), iface: hostPortName(n.name, e.iface), host: hostOf(n.name), bridge: br.kind }
      : { node: n.name, iface: kernelName(e.iface), host: hostOf(n.name) };
  };
  const addLink = (a: Place, b: Place, linkIndex: number, mtu?: number) => {
    if (a.host === b.host) {
      slot(a.host).links.push({ endpoints: [`${a.node}:${a.iface}`, `${b.node}:${b.iface}`], ...(mtu ? { mtu } : {}) });
      return;
    }
    for (const [here, there] of [[a, b], [b, a]] as const) {
      const remote = topo.hosts.find((h) => h.name === there.host)!.address;
      const vni = vniOf(linkIndex);
      const s = slot(here.host);
      if (!here.bridge) {
        s.links.push({ type: 'vxlan', endpoint: { node: here.node, interface: here.iface }, remote, vni, 'dst-port': VXLAN_PORT, ...(mtu ? { mtu } : {}) });
        continue;
      }
      // A bridge's end of a cross-host link is a VXLAN port of the host bridge itself.
      if (here.bridge === 'ovs') {
        s.late.push(['ovs-vsctl', '--may-exist', 'add-port', here.node, here.iface, '--', 'set', 'interface', here.iface, 'type=vxlan', `options:remote_ip=${remote}`, `options:key=${vni}`, `options:dst_port=${VXLAN_PORT}`]);
      } else {
        s.late.push(
          ['ip', 'link', 'add', 'name', here.iface, 'type', 'vxlan', 'id', String(vni), 'remote', remote, 'dstport', String(VXLAN_PORT), ...(mtu ? ['mtu', String(mtu)] : [])],
          ['ip', 'link', 'set', 'dev', here.iface, 'master', here.node, 'up'],
        );
        s.commands.remove.push(['ip', 'link', 'del', 'dev', here.iface]);
      }
    }
  };

  // Interfaces each container holds: link ends off bridges, and interfaces lifted off host bridges.
  const containerIfaces = new Map<string, Set<string>>(topo.nodes.map((n) => [n.name, new Set(linkEnds(n).filter((e) => !bridgeOfPort(n, e.iface)).map((e) => e.iface))]));

  topo.links.forEach((l, i) => addLink(place(l.endpoints[0]), place(l.endpoints[1]), i, l.mtu));

  // VXLAN ports of OVS bridges, to pair up across nodes.
  const vxlanPorts: { owner: Node; port: OvsPort; path: Path }[] = [];
  const extraLinkIndex = () => topo.links.length + vxlanPorts.length + 1000;

  for (const n of topo.nodes) {
    const host = hostOf(n.name);
    const s = slot(host);
    // Each node's container first, then its bridges; the container is filled in below.
    if (containers.has(n.name)) s.nodes[n.name] = { kind: 'linux' };
    for (const b of n.bridges) {
      const hb = hostBridgeName(n.name, b.name);
      s.nodes[hb] = { kind: b.kind === 'ovs' ? 'ovs-bridge' : 'bridge' };
      if (b.kind === 'ovs') {
        s.needs.add('ovs-vsctl');
        s.commands.create.push(['ovs-vsctl', '--may-exist', 'add-br', hb]);
        s.commands.remove.push(['ovs-vsctl', '--if-exists', 'del-br', hb]);
      } else {
        s.needs.add('ip');
        s.commands.create.push(['ip', 'link', 'add', 'name', hb, 'type', 'bridge'], ['ip', 'link', 'set', 'dev', hb, 'up']);
        s.commands.remove.push(['ip', 'link', 'del', 'dev', hb]);
      }
      // The bridge's own interface, when it is configured, moves into the node's container.
      const own = n.interfaces.find((c) => c.name === b.name);
      if (hasContent(own)) {
        containerIfaces.get(n.name)!.add(b.name);
        addLink({ node: n.name, iface: kernelName(b.name), host }, { node: hb, iface: hostOwnPortName(n.name, b.name), host }, extraLinkIndex());
      }
    }
    // Configuration on a bridge port: the port is the host's under containerlab.
    for (const c of n.interfaces) {
      const br = bridgeOfPort(n, c.name);
      if (br && hasContent(c)) warn(c.path, `the configuration of ${c.name} is not rendered: under containerlab it is a port of the host bridge ${hostBridgeName(n.name, br.name)}, outside the node`);
    }

    const ovs = resolveOvsPorts(n).ports;
    const vlanArgs = (p: OvsPort) => [...(p.tag !== undefined ? [`tag=${p.tag}`] : []), ...(p.trunks?.length ? [`trunks=${p.trunks.join(',')}`] : [])];
    for (const p of ovs) {
      const hb = hostBridgeName(n.name, p.bridge);
      const hp = hostPortName(n.name, p.name);
      const tagLater = (portName: string) => vlanArgs(p).length && s.commands.ports.push(['ovs-vsctl', 'set', 'port', portName, ...vlanArgs(p)]);
      switch (p.type) {
        case 'system':
          tagLater(hp);
          break;
        case 'patch':
          s.commands.create.push(['ovs-vsctl', '--may-exist', 'add-port', hb, hp, ...vlanArgs(p), '--', 'set', 'interface', hp, 'type=patch', `options:peer=${hostPortName(n.name, p.peer!)}`]);
          break;
        case 'internal': {
          const to = p.internalTo!;
          if (containers.has(to)) {
            // A veth into the receiving container instead: the same access (or trunk) port.
            containerIfaces.get(to)!.add(p.name);
            addLink({ node: to, iface: kernelName(p.name), host: hostOf(to) }, { node: hb, iface: hp, host }, extraLinkIndex());
            tagLater(hp);
          } else s.commands.create.push(['ovs-vsctl', '--may-exist', 'add-port', hb, hp, ...vlanArgs(p), '--', 'set', 'interface', hp, 'type=internal']);
          break;
        }
        case 'vxlan':
          vxlanPorts.push({ owner: n, port: p, path: [...p.path, 'vxlan'] });
          break;
      }
    }
  }

  // VXLAN ports: two that point at each other's node become one link between the two bridges.
  const addrOwner = (ip: string) => topo.nodes.find((n) => n.interfaces.some((c) => c.addresses.some((a) => canonicalIp(a.ip) === canonicalIp(ip))));
  const paired = new Set<OvsPort>();
  for (const v of vxlanPorts) {
    if (paired.has(v.port)) continue;
    const x = v.port.vxlan!;
    const far = addrOwner(x.remote);
    const peer = far && vxlanPorts.find((w) => w.owner === far && w.port !== v.port && !paired.has(w.port) && addrOwner(w.port.vxlan!.remote) === v.owner && w.port.vxlan!.key === x.key && w.port.vxlan!.dstPort === x.dstPort);
    const hb = hostBridgeName(v.owner.name, v.port.bridge);
    const hp = hostPortName(v.owner.name, v.port.name);
    const host = hostOf(v.owner.name);
    const vlan = (p: OvsPort) => [...(p.tag !== undefined ? [`tag=${p.tag}`] : []), ...(p.trunks?.length ? [`trunks=${p.trunks.join(',')}`] : [])];
    if (!peer) {
      slot(host).commands.create.push(['ovs-vsctl', '--may-exist', 'add-port', hb, hp, ...vlan(v.port), '--', 'set', 'interface', hp, 'type=vxlan', `options:remote_ip=${x.remote}`, ...(x.key !== undefined ? [`options:key=${x.key}`] : []), ...(x.dstPort !== undefined ? [`options:dst_port=${x.dstPort}`] : [])]);
      warn(v.path, `VXLAN port ${v.port.name}: ${x.remote} is not the address of a lab node with a VXLAN port back; under containerlab the tunnel runs from the host's own network stack to ${x.remote}`);
      continue;
    }
    paired.add(v.port).add(peer.port);
    const phb = hostBridgeName(far.name, peer.port.bridge);
    const php = hostPortName(far.name, peer.port.name);
    const phost = hostOf(far.name);
    if (host === phost) {
      addLink({ node: hb, iface: hp, host }, { node: phb, iface: php, host }, extraLinkIndex());
      for (const [p, name, h] of [[v.port, hp, host], [peer.port, php, phost]] as const) if (vlan(p).length) slot(h).commands.ports.push(['ovs-vsctl', 'set', 'port', name, ...vlan(p)]);
      for (const w of [v, peer])
        warn(w.path, `VXLAN port ${w.port.name}: under containerlab OVS runs on the host, where the lab's underlay address ${w.port.vxlan!.remote} does not exist; rendered as a direct link ${hb}:${hp} <-> ${phb}:${php}, so the lab's underlay links do not carry this tunnel`);
    } else {
      for (const [w, whb, whp, wh, other] of [[v, hb, hp, host, phost], [peer, phb, php, phost, host]] as const) {
        const remote = topo.hosts.find((h) => h.name === other)!.address;
        const wx = w.port.vxlan!;
        slot(wh).commands.create.push(['ovs-vsctl', '--may-exist', 'add-port', whb, whp, ...vlan(w.port), '--', 'set', 'interface', whp, 'type=vxlan', `options:remote_ip=${remote}`, ...(wx.key !== undefined ? [`options:key=${wx.key}`] : []), ...(wx.dstPort !== undefined ? [`options:dst_port=${wx.dstPort}`] : [])]);
        warn(w.path, `VXLAN port ${w.port.name}: under containerlab OVS runs on host ${wh}, so the tunnel goes to host ${other}'s address ${remote} instead of the lab's underlay address ${wx.remote}; the lab's underlay links do not carry it`);
      }
    }
  }

  // Containers: image, the plan's interface/route/firewall commands, services.
  const actions = planLab(lab).actions;
  for (const n of topo.nodes) {
    if (!containers.has(n.name)) continue;
    const ln = lab.node(n.name);
    const ifaces = containerIfaces.get(n.name)!;
    const exec: string[][] = [];
    for (const a of actions) {
      if (a.node !== n.name) continue;
      const [kind, , rest] = a.id.split(':');
      const wanted = kind === 'iface' ? ifaces.has(rest!) : kind === 'sysctl' || kind === 'route' || kind === 'nat' || kind === 'filter';
      if (!wanted) continue;
      const cmds = a.do.flatMap(stepArgv);
      const cfg = kind === 'iface' ? ln.ifaces.get(rest!)?.config : undefined;
      const k = kind === 'iface' ? ln.ifaces.get(rest!)!.kname : '';
      // containerlab brings every link end up: a MAC is set while down, `up: false` takes it down.
      if (cfg?.mac) exec.push(['ip', 'link', 'set', 'dev', k, 'down']);
      exec.push(...cmds);
      if (cfg && !cfg.up) exec.push(['ip', 'link', 'set', 'dev', k, 'down']);
    }
    const choice = imageFor(n, opts.images ?? {});
    // Services without a renderer get their own warning below.
    for (const kind of missingServices(n, choice).filter((k) => serviceRenderers[k])) {
      const sv = n.services.find((x) => x.kind === kind)!;
      warn(sv.path, `no default image runs ${kind} (${n.name} gets ${choice.image}): pass --image ${n.name}=IMAGE or --image ${kind}=IMAGE with an image that has it`);
    }
    const binds: string[] = [];
    for (const sv of n.services) {
      const render = serviceRenderers[sv.kind];
      if (!render) {
        warn(sv.path, `the ${sv.kind} service is not rendered for containerlab (it runs a halab agent, which the containers do not have); ${n.name} gets no ${sv.kind}`);
        continue;
      }
      const r = render(n, sv);
      for (const f of r.files) files.push({ path: `${filesDir}/${n.name}/${f.path}`, content: f.content, ...(f.mode ? { mode: f.mode } : {}) });
      for (const [from, to] of r.binds) binds.push(`./${filesDir}/${n.name}/${from}:${to}`);
      exec.push(...r.exec);
      for (const w of r.warnings) warn(w.path, w.message);
    }
    const node = slot(hostOf(n.name)).nodes[n.name]!;
    Object.assign(node, { image: choice.image, 'network-mode': 'none' });
    if (binds.length) node.binds = binds;
    // containerlab splits exec strings like a POSIX shell (no shell runs them).
    if (exec.length) node.exec = exec.map(shellJoin);
  }

  const hosts: HostRender[] = [...perHost].map(([host, s]) => ({
    host,
    ...(host ? { address: topo.hosts.find((h) => h.name === host)!.address } : {}),
    doc: { name: lab.name, topology: { nodes: s.nodes, links: s.links } },
    commands: { create: [...s.commands.create, ...s.late], ports: s.commands.ports, remove: [...s.commands.remove].reverse() },
    needs: [...s.needs].sort(),
  }));
  warnings.sort((a, b) => a.line - b.line || a.col - b.col);
  return { lab: lab.name, hosts, files, warnings };
}

/** A plan step as argv run inside the container (its network namespace is the container's). */
function stepArgv(s: Step): string[][] {
  switch (s.t) {
    case 'ip':
      // The kernel's default link-local setting is harmless in a container; the plan disables it
      // only to keep large netns labs quiet, and containerlab has brought the link up already.
      if (s.args.includes('addrgenmode')) return [];
      return [['ip', ...s.args]];
    case 'sysctl':
      return [['sysctl', '-w', `${s.key}=${s.value}`]];
    case 'exec':
      // tx offload matters only for OVS's userspace datapath, which containerlab does not use.
      return s.argv[0] === 'ethtool' ? [] : [s.argv];
    default:
      return [];
  }
}
