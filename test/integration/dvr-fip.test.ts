/**
 * seeds/004 built for real: two compute hosts with userspace OVS (br-int/br-ex/br-tun/br-host-N),
 * a VXLAN tunnel, fip-ns/router-ns with proxy ARP and DNAT/SNAT. Checked the way the walkthrough
 * means it: the outside reaches both floating IPs (ICMP and TCP), VM2 through the tunnel.
 */
import { describe, expect, test } from 'vitest';
import { halab } from '../helpers/cli.js';
import { ping, tcpExchange, useLab } from '../helpers/lab.js';

const LAB = 'dvr-fip';

describe('dvr-fip (seeds/004)', () => {
  useLab('topologies/dvr-fip.yaml', LAB);

  test('the outside reaches both floating IPs by TCP (checksum offload handled)', async () => {
    expect(await tcpExchange(LAB, 'vm1', 'ext', '192.168.100.150', 8080)).toBe('192.168.100.1');
    expect(await tcpExchange(LAB, 'vm2', 'ext', '192.168.100.160', 8080)).toBe('192.168.100.1');
  });

  test('VM1 and VM2 reach each other over the tunnel', async () => {
    expect(await ping(LAB, 'vm1', '172.16.18.200')).toBe(true);
    expect(await tcpExchange(LAB, 'vm2', 'vm1', '172.16.18.200', 8081)).toBe('172.16.18.100');
  });

  test("the VMs' outbound traffic arrives outside from their floating IPs", async () => {
    expect(await tcpExchange(LAB, 'ext', 'vm1', '192.168.100.1', 9090)).toBe('192.168.100.150');
    expect(await tcpExchange(LAB, 'ext', 'vm2', '192.168.100.1', 9091)).toBe('192.168.100.160');
  });

  test('status shows every node present, every interface and its kernel name', async () => {
    const r = await halab(['status', LAB, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { nodes: { name: string; present: boolean; processes: { comm: string }[]; ifaces: { name: string; kname: string; state: string }[] }[] };
    expect(s.nodes.map((n) => n.name).sort()).toEqual(['ext', 'extnet', 'fip-ns', 'host1', 'host2', 'router-ns', 'underlay', 'vm1', 'vm2']);
    expect(s.nodes.every((n) => n.present)).toBe(true);
    for (const n of s.nodes) for (const i of n.ifaces) expect(i.state, `${n.name}:${i.name}`).not.toBe('missing');
    const host1 = s.nodes.find((n) => n.name === 'host1')!;
    expect(host1.processes.map((p) => p.comm).sort()).toEqual(['ovs-vswitchd', 'ovsdb-server']);
    const fip = s.nodes.find((n) => n.name === 'fip-ns')!;
    expect(fip.ifaces.map((i) => i.name).sort()).toEqual(['fpr', 'vport-fip']);
  });

  test('exec runs ovs-vsctl against the node\'s own OVS instance', async () => {
    const r = await halab(['exec', LAB, 'host1', '--', 'ovs-vsctl', 'list-br']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['br-ex', 'br-host-1', 'br-int', 'br-tun']);
    const tag = await halab(['exec', LAB, 'host1', '--', 'ovs-vsctl', 'get', 'port', 'int-ex', 'tag']);
    expect(tag.stdout.trim()).toBe('3');
  });

  // Last: it restarts host1. useLab's teardown then checks that nothing of it leaked.
  test('node-restart of host1 (OVS): its switches, hand-offs and ports come back; both FIPs and the tunnel work', async () => {
    const macBefore = (await halab(['exec', LAB, 'fip-ns', '--', 'ip', '-o', 'link', 'show', 'dev', 'vport-fip'])).stdout.match(/link\/ether (\S+)/)?.[1];
    const r = await halab(['fault', LAB, 'node-restart', 'host1', '--duration-ms', '500']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/its switches rebuilt/);
    const br = await halab(['exec', LAB, 'host1', '--', 'ovs-vsctl', 'list-br']);
    expect(br.stdout.split('\n').filter(Boolean).sort()).toEqual(['br-ex', 'br-host-1', 'br-int', 'br-tun']);
    // The handed-off internal port is back in fip-ns, with its address and its MAC.
    const fip = (await halab(['exec', LAB, 'fip-ns', '--', 'ip', '-o', 'addr', 'show', 'dev', 'vport-fip'])).stdout;
    expect(fip).toContain('192.168.100.254/24');
    expect((await halab(['exec', LAB, 'fip-ns', '--', 'ip', '-o', 'link', 'show', 'dev', 'vport-fip'])).stdout).toContain(`link/ether ${macBefore}`);
    expect(await ping(LAB, 'ext', '192.168.100.150')).toBe(true);
    expect(await ping(LAB, 'ext', '192.168.100.160')).toBe(true);
    expect(await ping(LAB, 'vm1', '172.16.18.200')).toBe(true);
  });
});
