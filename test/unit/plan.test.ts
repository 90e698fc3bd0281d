/** The plan for topologies/dvr-fip.yaml (seeds/004) and for small inline topologies: pure, no root. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PHASES, type Action, type Plan } from '../../src/model/plan.js';
import { expand } from '../../src/pipeline/expand.js';
import { loadLab } from '../../src/pipeline/load.js';
import { plan } from '../../src/pipeline/plan.js';
import { renderPlan, stepCommand } from '../../src/pipeline/plan-render.js';
import { validateText } from '../../src/pipeline/validate.js';
import { halab } from '../helpers/cli.js';

const TOPO = 'topologies/dvr-fip.yaml';
/**
 * `HALAB_STATE_DIR= halab plan topologies/dvr-fip.yaml`, reviewed against the seed walkthrough and
 * committed. Regenerate it the same way, deliberately, when the plan is meant to change.
 */
const GOLDEN = 'test/fixtures/dvr-fip.plan.txt';

// Plans name run dirs under the state root; the golden file has the default one.
let savedStateDir: string | undefined;
beforeAll(() => {
  savedStateDir = process.env.HALAB_STATE_DIR;
  delete process.env.HALAB_STATE_DIR;
});
afterAll(() => {
  if (savedStateDir === undefined) delete process.env.HALAB_STATE_DIR;
  else process.env.HALAB_STATE_DIR = savedStateDir;
});

const commands = (a: Action) => a.do.map(stepCommand);
const indexOf = (p: Plan, id: string) => p.actions.findIndex((a) => a.id === id);

describe('plan for dvr-fip', () => {
  const load = () => loadLab(TOPO).plan;

  test('phases come in order, and this topology uses all of them but services', () => {
    const p = load();
    const order = p.actions.map((a) => PHASES.indexOf(a.phase));
    expect(order.every((o) => o >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect([...new Set(p.actions.map((a) => a.phase))]).toEqual(PHASES.filter((ph) => ph !== 'services'));
  });

  test('action ids are unique', () => {
    const ids = load().actions.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('every action is undone by its own steps or covered by an earlier action that is', () => {
    const p = load();
    const byId = new Map(p.actions.map((a) => [a.id, a]));
    for (const [i, a] of p.actions.entries()) {
      expect(a.do.length, a.id).toBeGreaterThan(0);
      // One or the other: an action with undo steps and a cover would be undone twice.
      expect(a.undo.length > 0 !== (a.coveredBy !== undefined), a.id).toBe(true);
      if (a.coveredBy === undefined) continue;
      const cover = byId.get(a.coveredBy);
      expect(cover, `${a.id} is covered by missing ${a.coveredBy}`).toBeDefined();
      expect(indexOf(p, a.coveredBy), `${a.id} before its cover`).toBeLessThan(i);
      expect(cover!.undo.length, `${a.coveredBy} undoes nothing`).toBeGreaterThan(0);
    }
  });

  test('renders exactly as the golden file', () => {
    expect(renderPlan(load())).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  test('`halab plan` prints the golden file', async () => {
    const r = await halab(['plan', TOPO], { env: { HALAB_STATE_DIR: '' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // execa strips the final newline.
    expect(`${r.stdout}\n`).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  test("holds the seed walkthrough's commands", () => {
    const lines = renderPlan(load()).split('\n');
    const db1 = 'ovs-vsctl --db=unix:/run/halab/dvr-fip/nodes/host1/ovs/db.sock';
    const router = 'ip netns exec halab.dvr-fip.router-ns iptables -t nat';
    for (const cmd of [
      `${db1} add-br br-int -- set bridge br-int datapath_type=netdev`,
      `${db1} add-port br-int int-ex tag=3 -- set interface int-ex type=patch options:peer=ex-int`,
      `${db1} add-port br-ex ex-int -- set interface ex-int type=patch options:peer=int-ex`,
      `${db1} add-port br-int int-tun tag=10 -- set interface int-tun type=patch options:peer=tun-int`,
      `${db1} add-port br-int vport-fip tag=3 -- set interface vport-fip type=internal`,
      `${db1} add-port br-int vport-router tag=10 -- set interface vport-router type=internal`,
      `${db1} add-port br-tun vxlan1 -- set interface vxlan1 type=vxlan options:remote_ip=192.168.122.33`,
      'ip -n halab.dvr-fip.host1 link set dev vport-fip netns halab.dvr-fip.fip-ns',
      'ip -n halab.dvr-fip.host1 link set dev vport-router netns halab.dvr-fip.router-ns',
      'ip netns exec halab.dvr-fip.fip-ns sysctl -w net.ipv4.conf.vport-fip.proxy_arp=1',
      'ip -n halab.dvr-fip.fip-ns route add 192.168.100.150/32 via 169.254.31.238 dev fpr',
      `${router} -A PREROUTING -d 192.168.100.150 -j DNAT --to-destination 172.16.18.100`,
      `${router} -A POSTROUTING -s 172.16.18.100 -j SNAT --to-source 192.168.100.150`,
      `${router} -A PREROUTING -d 192.168.100.160 -j DNAT --to-destination 172.16.18.200`,
    ])
      // The walkthrough's command, maybe with more options after it (the bridge's fixed MAC).
      expect(lines.some((l) => l === cmd || l.startsWith(`${cmd} `)), cmd).toBe(true);
    expect(lines.some((l) => l.includes('link set dev vport-fip netns'))).toBe(true);
  });

  test('an internal port is handed over after it is created and configured after that', () => {
    const p = load();
    const port = indexOf(p, 'ovs-port:host1:br-int:vport-fip');
    const handoff = indexOf(p, 'handoff:host1:vport-fip');
    const config = indexOf(p, 'iface:fip-ns:vport-fip');
    expect(port).toBeGreaterThanOrEqual(0);
    expect(port).toBeLessThan(handoff);
    expect(handoff).toBeLessThan(config);
    expect(commands(p.actions[config]!)).toContain('ip -n halab.dvr-fip.fip-ns addr add 192.168.100.254/24 dev vport-fip');
  });

  test('veths that end on the userspace OVS datapath, and their peers, get tx offload off', () => {
    const p = load();
    const cmds = p.actions.flatMap(commands);
    expect(cmds).toContain('ip netns exec halab.dvr-fip.vm1 ethtool -K eth0 tx off');
    expect(cmds).toContain('ip netns exec halab.dvr-fip.host1 ethtool -K vnet0 tx off');
    // ext:eth0 <-> extnet:ext joins two Linux-side ends: no OVS anywhere on that link.
    expect(cmds.some((c) => c.startsWith('ip netns exec halab.dvr-fip.ext ethtool'))).toBe(false);
    expect(cmds).not.toContain('ip netns exec halab.dvr-fip.fip-ns ethtool -K fpr tx off');
  });

  test('teardown deletes bridges, then stops OVS, then deletes namespaces', () => {
    const text = renderPlan(load(), { teardown: true });
    expect(text.startsWith(readFileSync(GOLDEN, 'utf8'))).toBe(true);
    const down = text.slice(text.indexOf('## teardown')).split('\n');
    const at = (s: string) => down.findIndex((l) => l.includes(s));
    const delBr = at('nodes/host1/ovs/db.sock --if-exists del-br br-int');
    const kill = at('kill $(cat /run/halab/dvr-fip/nodes/host1/ovs/ovs-vswitchd.pid)');
    const netns = at('ip netns del halab.dvr-fip.host1');
    expect(delBr).toBeGreaterThan(0);
    expect(delBr).toBeLessThan(kill);
    expect(kill).toBeLessThan(netns);
    expect(down.filter((l) => l.startsWith('ip netns del '))).toHaveLength(9);
  });

  test('--name renames every namespace and run dir, and nothing else', () => {
    const { lab, plan: p } = loadLab(TOPO, 'fip2');
    expect(lab.nodes.map((n) => n.ns)).toContain('halab.fip2.fip-ns');
    expect(lab.stateDir).toBe('/run/halab/fip2');
    expect(renderPlan(p)).toBe(readFileSync(GOLDEN, 'utf8').replaceAll('dvr-fip', 'fip2'));
  });

  test('HALAB_STATE_DIR moves the run dirs', () => {
    process.env.HALAB_STATE_DIR = '/tmp/halab-state';
    try {
      const cmds = load().actions.flatMap(commands);
      expect(cmds).toContain('mkdir -p /tmp/halab-state/dvr-fip/nodes/host1/ovs');
      expect(cmds.some((c) => c.includes('/run/halab'))).toBe(false);
    } finally {
      delete process.env.HALAB_STATE_DIR;
    }
  });

  test('a bad --name is refused', () => {
    expect(() => loadLab(TOPO, 'a.b')).toThrow(/bad lab name: lab name 'a.b' holds '.'/);
  });
});

describe('plan for small topologies', () => {
  const planOf = (text: string) => plan(expand(validateText(text)));

  test('Linux bridge: created in the switches phase, ports enslaved in interfaces', () => {
    const p = planOf(`
name: t
nodes:
  sw: { bridges: { br0: { ports: [p1] } } }
  a: { interfaces: { eth0: 10.0.0.1/24 } }
links:
  - [a:eth0, sw:p1]
`);
    const bridge = p.actions.find((a) => a.id === 'bridge:sw:br0')!;
    expect(bridge.phase).toBe('switches');
    expect(commands(bridge)).toEqual(['ip -n halab.t.sw link add name br0 type bridge']);
    const port = p.actions.find((a) => a.id === 'bridge-port:sw:br0:p1')!;
    expect(port.phase).toBe('interfaces');
    expect(commands(port)).toEqual(['ip -n halab.t.sw link set dev p1 master br0']);
    // No OVS, so no daemons and no checksum offload changes.
    expect(p.actions.some((a) => a.phase === 'daemons')).toBe(false);
    expect(p.actions.flatMap(commands).some((c) => c.includes('ethtool'))).toBe(false);
  });

  test('long interface names are replaced by their kernel name in every command', () => {
    const p = planOf(`
name: t
nodes:
  r:
    kind: router
    interfaces:
      uplink-to-the-core: 10.0.0.1/24
    routes:
      - 10.9.0.0/16 via 10.0.0.2 dev uplink-to-the-core
    nat:
      - { masquerade: 172.16.0.0/16, out: uplink-to-the-core }
  core: { interfaces: { eth0: 10.0.0.2/24 } }
links:
  - { endpoints: [r:uplink-to-the-core, core:eth0], mtu: 1400 }
`);
    const text = renderPlan(p);
    expect(text).toContain('ip link add name uplink-to--988f index 1000 netns halab.t.r mtu 1400 type veth peer name eth0 index 1001 netns halab.t.core mtu 1400');
    expect(text).toContain('ip -n halab.t.r addr add 10.0.0.1/24 dev uplink-to--988f');
    expect(text).toContain('ip -n halab.t.r route add 10.9.0.0/16 via 10.0.0.2 dev uplink-to--988f');
    expect(text).toContain('ip netns exec halab.t.r iptables -t nat -A POSTROUTING -s 172.16.0.0/16 -o uplink-to--988f -j MASQUERADE');
    expect(text).toContain('# r uplink-to-the-core (kernel name uplink-to--988f): 10.0.0.1/24, up');
    expect(text).not.toMatch(/^ip.* uplink-to-the-core/m);
  });

  test('IPv6: ip6tables, nodad addresses and ::/0 for default', () => {
    const p = planOf(`
name: t
nodes:
  r:
    interfaces: { eth0: "fd00::1/64" }
    routes: ["default via fd00::2"]
    filter:
      - { action: drop, src: "fd00:bad::/32", proto: tcp, dport: 22 }
  b: { interfaces: { eth0: "fd00::2/64" } }
links:
  - [r:eth0, b:eth0]
`);
    const cmds = p.actions.flatMap(commands);
    expect(cmds).toContain('ip -n halab.t.r addr add fd00::1/64 dev eth0 nodad');
    expect(cmds).toContain('ip -n halab.t.r route add ::/0 via fd00::2');
    expect(cmds).toContain('ip netns exec halab.t.r ip6tables -A FORWARD -s fd00:bad::/32 -p tcp --dport 22 -j DROP');
  });
});
