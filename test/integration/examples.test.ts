/**
 * The example topologies of docs/topology.md, built for real, each checked for what the doc says
 * it shows; then every topology in topologies/ is built and taken down without leaks.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { halab } from '../helpers/cli.js';
import { expectNoLeaks, inNode, ping, takeCensus, tcpExchange } from '../helpers/lab.js';

/** Build `file`, run `check`, take it down, and require an empty leak census. */
async function withLab(file: string, lab: string, check: () => Promise<void>): Promise<void> {
  const before = await takeCensus(lab);
  const up = await halab(['up', file]);
  expect(up.stderr).toBe('');
  expect(up.code).toBe(0);
  try {
    await check();
  } finally {
    expect((await halab(['down', lab])).code).toBe(0);
  }
  await expectNoLeaks(before);
}

describe('docs/topology.md examples', () => {
  test('two-hosts: h1 reaches h2 across the Linux bridge', () =>
    withLab('topologies/examples/two-hosts.yaml', 'two-hosts', async () => {
      expect(await ping('two-hosts', 'h1', '10.0.0.2')).toBe(true);
      // The two ends of a veth have different ifindexes (else the kernel delays their carrier events).
      const link = (await inNode('two-hosts', 'h1', ['ip', '-o', 'link', 'show', 'dev', 'eth0'])).stdout;
      const [, own, peer] = /^(\d+): eth0@if(\d+)/.exec(link)!;
      expect(own).not.toBe(peer);
      // IPv4-only interfaces carry no IPv6 link-local address (no IPv6 chatter in the lab).
      expect((await inNode('two-hosts', 'h1', ['ip', '-6', 'addr', 'show', 'dev', 'eth0'])).stdout).not.toContain('fe80');
    }));

  test('vlan-ovs: a VLAN crosses the trunk; different VLANs stay apart on one subnet', () =>
    withLab('topologies/examples/vlan-ovs.yaml', 'vlan-ovs', async () => {
      expect(await ping('vlan-ovs', 'a1', '10.0.0.12')).toBe(true); // VLAN 10, over the trunk
      expect(await ping('vlan-ovs', 'b1', '10.0.0.22')).toBe(true); // VLAN 20, over the trunk
      expect(await tcpExchange('vlan-ovs', 'a2', 'a1', '10.0.0.12', 7000)).toBe('10.0.0.11');
      expect(await ping('vlan-ovs', 'a1', '10.0.0.21', 2)).toBe(false); // VLAN 10 -> 20, same switch
      expect(await ping('vlan-ovs', 'a1', '10.0.0.22', 2)).toBe(false); // VLAN 10 -> 20, across
    }));

  test('router: the LAN is masqueraded behind the WAN address; telnet out is rejected', () =>
    withLab('topologies/examples/router.yaml', 'router', async () => {
      expect(await ping('router', 'pc', '203.0.113.10')).toBe(true);
      expect(await tcpExchange('router', 'server', 'pc', '203.0.113.10', 8080)).toBe('203.0.113.1');
      const telnet = await inNode('router', 'pc', ['node', '-e', "require('net').connect(23,'203.0.113.10').on('error',e=>{console.log(e.code);process.exit(0)}).on('connect',()=>process.exit(1))"]);
      expect(telnet.stdout.trim()).toBe('ECONNREFUSED');
    }));

  test('ipv6: both families are routed through r1', () =>
    withLab('topologies/examples/ipv6.yaml', 'ipv6', async () => {
      expect(await ping('ipv6', 'h1', '10.0.2.10')).toBe(true);
      expect(await ping('ipv6', 'h1', '2001:db8:2::10')).toBe(true);
      expect((await inNode('ipv6', 'h1', ['ip', '-6', 'addr', 'show', 'dev', 'eth0'])).stdout).toContain('fe80');
      expect(await tcpExchange('ipv6', 'h2', 'h1', '2001:db8:2::10', 8080)).toBe('2001:db8:1::10');
    }));
});

test('interface and bridge names that are iproute2 keywords (a, up, mtu, dev, master) work', () =>
  withLab('test/fixtures/valid/keyword-names.yaml', 'keyword-names', async () => {
    expect(await ping('keyword-names', 'h1', '10.0.0.2')).toBe(true);
  }));

describe('every topology in topologies/ builds and leaves nothing behind', () => {
  const files = readdirSync('topologies').filter((f) => f.endsWith('.yaml'));
  test.each(files)('%s', async (f) => {
    const before = await takeCensus('every');
    const up = await halab(['up', `topologies/${f}`, '--name', 'every']);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    try {
      const st = JSON.parse((await halab(['status', 'every', '--json'])).stdout) as { nodes: { name: string; present: boolean; ifaces: { name: string; state: string }[] }[] };
      for (const n of st.nodes) {
        expect(n.present).toBe(true);
        for (const i of n.ifaces) expect(i.state, `${n.name}:${i.name}`).not.toBe('missing');
      }
    } finally {
      expect((await halab(['down', 'every'])).code).toBe(0);
    }
    await expectNoLeaks(before);
  });
});
