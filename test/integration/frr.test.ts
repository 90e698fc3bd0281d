/** FRR as a lab service: eBGP routes into both kernels, BFD detection, readiness errors, cleanup. */
import { performance } from 'node:perf_hooks';
import { describe, expect, test } from 'vitest';
import { halab } from '../helpers/cli.js';
import { eventually, expectNoLeaks, inNode, ping, takeCensus, tcpExchange, useLab } from '../helpers/lab.js';

const LAB = 'bgp-pair';

async function sessionState(node: string, peer: string): Promise<string> {
  const r = await inNode(LAB, node, ['vtysh', '--vty_socket', `/run/halab/${LAB}/nodes/${node}/frr`, '-c', 'show bgp summary json']);
  const j = JSON.parse(r.stdout || '{}') as { ipv4Unicast?: { peers?: Record<string, { state: string }> } };
  return j.ipv4Unicast?.peers?.[peer]?.state ?? 'missing';
}

describe('FRR service (two eBGP peers with BFD)', () => {
  useLab('test/fixtures/valid/bgp-pair.yaml', LAB, { readyTimeoutS: 30 });

  test('up returned with the session Established and each LAN in the other kernel', async () => {
    expect(await sessionState('r1', '192.0.2.2')).toBe('Established');
    // Established comes first; the UPDATEs and zebra's kernel install follow within moments.
    const route = (node: string, prefix: string) => eventually(async () => (await inNode(LAB, node, ['ip', 'route', 'show', prefix])).stdout.trim());
    expect(await route('r1', '10.2.0.0/24')).toMatch(/via 192\.0\.2\.2 .*proto bgp/);
    expect(await route('r2', '10.1.0.0/24')).toMatch(/via 192\.0\.2\.1 .*proto bgp/);
    expect(await ping(LAB, 'h1', '10.2.0.10')).toBe(true);
    expect(await tcpExchange(LAB, 'h2', 'h1', '10.2.0.10', 5001)).toBe('10.1.0.10');
  });

  test('status shows the BGP neighbor table; exec vtysh and logs reach the node\'s daemons', async () => {
    const st = await halab(['status', LAB]);
    expect(st.stdout).toMatch(/r1\s*│\s*192\.0\.2\.2\s*│\s*65002\s*│\s*UP/);
    const js = JSON.parse((await halab(['status', LAB, '--json'])).stdout) as { nodes: { name: string; services: { kind: string; summary: string }[] }[] };
    expect(js.nodes.find((n) => n.name === 'r2')!.services[0]!.summary).toBe('FRR: 1/1 BGP sessions Established');
    const v = await halab(['exec', LAB, 'r1', '--', 'vtysh', '-c', 'show bfd peers brief']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/192\.0\.2\.2\s+up/);
    const logs = await halab(['logs', LAB, 'r1', 'frr', '-n', '20']);
    expect(logs.stdout).toContain('bgpd.log');
    // The session came up, and bgpd told zebra its best path (debug bgp zebra: bgp-bestpath events).
    expect(logs.stdout).toMatch(/%ADJCHANGE: neighbor 192\.0\.2\.2\S* in vrf default Up/);
    expect(logs.stdout).toMatch(/Tx route add VRF 0 10\.2\.0\.0\/24/);
  });

  test('a link cut with carrier up takes the session down within the BFD detection time', async () => {
    // Drop everything on r2's link: carrier stays up, so only BFD (or the hold timer) notices.
    for (const chain of [['INPUT', '-i'], ['OUTPUT', '-o']]) {
      expect((await inNode(LAB, 'r2', ['iptables', '-I', chain[0]!, chain[1]!, 'eth0', '-j', 'DROP'])).code).toBe(0);
    }
    const t0 = performance.now();
    let state = 'Established';
    while (state === 'Established' && performance.now() - t0 < 5000) state = await sessionState('r1', '192.0.2.2');
    const detectedMs = performance.now() - t0;
    const bfdDetectMs = 100 * 3; // interval-ms x multiplier in the topology
    expect(state).not.toBe('Established');
    // Detection within BFD's time (plus polling and process start-up), well before the 3 s hold time.
    expect(detectedMs).toBeLessThan(bfdDetectMs + 700);
    for (const chain of [['INPUT', '-i'], ['OUTPUT', '-o']]) await inNode(LAB, 'r2', ['iptables', '-D', chain[0]!, chain[1]!, 'eth0', '-j', 'DROP']);
  });
});

describe('readiness', () => {
  test('a session that cannot come up (AS mismatch) fails up with the session and its state, and rolls back', async () => {
    const b = await takeCensus('bgp-mismatch');
    const r = await halab(['up', 'test/fixtures/valid/bgp-mismatch.yaml', '--ready-timeout', '4']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not ready after 4 s');
    expect(r.stderr).toMatch(/r2 frr: BGP session not Established: 192\.0\.2\.1 \(AS 65009\) is (Active|Connect|OpenSent|OpenConfirm|Idle)/);
    expect(r.stderr).toContain('bgpd.log');
    expect(r.stderr).toContain('has been removed');
    await expectNoLeaks(b);
  });

  test('a neighbor address that does not exist fails up naming the session and its state', async () => {
    const b = await takeCensus('bgp-no-peer');
    const r = await halab(['up', 'test/fixtures/valid/bgp-no-peer.yaml', '--ready-timeout', '3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/r1 frr: BGP session not Established: 192\.0\.2\.9 \(AS 65002\) is (Active|Connect|Idle)/);
    await expectNoLeaks(b);
  });
});
