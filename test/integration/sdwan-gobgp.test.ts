/**
 * seeds/001 built for real: the SRX pair (FRR, AS65000, VRRP VIP 192.168.3.100), GoBGP-1/2/3
 * (AS65001, configured through gobgp's CLI, kernel routes by the FIB agent), Quagga-2 (FRR,
 * AS65002) and pc1. Checked against the document's own outputs.
 */
import { describe, expect, test } from 'vitest';
import { halab } from '../helpers/cli.js';
import { eventually, inNode, ping, tcpExchange, useLab } from '../helpers/lab.js';

const LAB = 'sdwan-gobgp';

interface RibPath {
  best?: boolean;
  attrs: { type: number; nexthop?: string }[];
}
const gobgpRib = async (node: string) => JSON.parse((await inNode(LAB, node, ['gobgp', 'global', 'rib', '-j'])).stdout || '{}') as Record<string, RibPath[]>;
const nexthop = (p: RibPath) => p.attrs.find((a) => a.type === 3)?.nexthop;

describe('sdwan-gobgp (seeds/001)', () => {
  useLab('topologies/sdwan-gobgp.yaml', LAB, { readyTimeoutS: 90, upTimeoutMs: 150000 });

  test('all seven GoBGP sessions are Established, as in the neighbor list of the document', async () => {
    const st = JSON.parse((await halab(['status', LAB, '--json'])).stdout) as { nodes: { name: string; services: { kind: string; data: { neighbors?: Record<string, { state: string }> } }[] }[] };
    const sessions = st.nodes.flatMap((n) => n.services.filter((s) => s.kind === 'gobgp').flatMap((s) => Object.entries(s.data.neighbors ?? {}).map(([a, v]) => `${n.name} ${a} ${v.state}`)));
    expect(sessions.sort()).toEqual(
      [
        'GoBGP-1 192.168.0.1', 'GoBGP-1 172.16.0.2', 'GoBGP-2 192.168.1.1', 'GoBGP-2 172.16.1.2',
        'GoBGP-3 172.16.0.1', 'GoBGP-3 172.16.1.1', 'GoBGP-3 192.168.2.2',
      ].map((s) => `${s} ESTABLISHED`).sort(),
    );
  });

  test("GoBGP-3's RIB: 0.0.0.0/0 best via 172.16.0.1, a second path via 172.16.1.1; 192.168.101.0/24 via 192.168.2.2", async () => {
    const rib = await eventually(async () => {
      const r = await gobgpRib('GoBGP-3');
      return (r['0.0.0.0/0'] ?? []).length === 2 ? r : null;
    }, 20_000);
    const def = rib!['0.0.0.0/0']!;
    expect(def.filter((p) => p.best).map(nexthop)).toEqual(['172.16.0.1']);
    expect(def.filter((p) => !p.best).map(nexthop)).toEqual(['172.16.1.1']);
    expect(rib!['192.168.101.0/24']!.map(nexthop)).toEqual(['192.168.2.2']);
  });

  test('Quagga-2 has 0.0.0.0/0 via 192.168.2.1 with AS path 65001 65000', async () => {
    const r = await inNode(LAB, 'Quagga-2', ['vtysh', '--vty_socket', `/run/halab/${LAB}/nodes/Quagga-2/frr`, '-c', 'show ip bgp 0.0.0.0/0 json']);
    const j = JSON.parse(r.stdout) as { paths: { aspath: { string: string }; nexthops: { ip: string }[]; bestpath?: { overall: boolean } }[] };
    expect(j.paths.map((p) => `${p.aspath.string} via ${p.nexthops[0]!.ip}`)).toEqual(['65001 65000 via 192.168.2.1']);
  });

  test('the VRRP VIP 192.168.3.100 is on SRX-1, the master', async () => {
    const vip = async (node: string) => (await inNode(LAB, node, ['ip', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout.includes('192.168.3.100/');
    expect(await eventually(() => vip('SRX-1'))).toBe(true);
    expect(await vip('SRX-2')).toBe(false);
  });

  test("pc1 reaches 192.168.100.1 (ICMP and TCP) through the GoBGP routers' kernel routes", async () => {
    const kernel = async (node: string, prefix: string) => (await inNode(LAB, node, ['ip', 'route', 'show', prefix])).stdout;
    expect(await eventually(async () => (await kernel('GoBGP-3', 'default')).includes('via 172.16.0.1') || null, 20_000)).toBe(true);
    expect(await kernel('GoBGP-3', 'default')).toMatch(/proto bgp/);
    expect(await kernel('GoBGP-1', 'default')).toMatch(/via 192\.168\.0\.1 .*proto bgp/);
    expect(await kernel('GoBGP-1', '192.168.101.0/24')).toMatch(/via 172\.16\.0\.2 .*proto bgp/);
    expect(await ping(LAB, 'pc1', '192.168.100.1')).toBe(true);
    expect(await tcpExchange(LAB, 'host100', 'pc1', '192.168.100.1', 8080)).toBe('192.168.101.2');
  });
});
