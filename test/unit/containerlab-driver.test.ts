/**
 * The containerlab runtime's driver against stand-in executables (test/fixtures/containerlab/bin:
 * containerlab, docker, ovs-vsctl and ip that record their argv), found first on PATH; and exit 3
 * with the install hint when containerlab is absent. State goes to a temporary HALAB_STATE_DIR.
 */
import { Ajv } from 'ajv';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { halab, repoRoot } from '../helpers/cli.js';

const BIN = resolve(repoRoot, 'test/fixtures/containerlab/bin');
const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(resolve(repoRoot, 'test/fixtures/containerlab/schema/clab.schema.json'), 'utf8')) as object);

let dir: string;
let log: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'halab-clab-driver-'));
  log = `${dir}/argv.log`;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({ ...process.env, PATH: `${BIN}:${process.env.PATH}`, HALAB_STATE_DIR: `${dir}/state`, HALAB_STANDIN_LOG: log, ...extra });
const calls = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => { const c = JSON.parse(l) as { prog: string; argv: string[] }; return [c.prog, ...c.argv].join(' '); }) : []);

describe('containerlab absent', () => {
  test('up --runtime containerlab exits 3 and says what to install, creating nothing', async () => {
    const r = await halab(['up', 'topologies/dvr-fip.yaml', '--runtime', 'containerlab'], { env: { ...process.env, PATH: dirname(process.execPath), HALAB_STATE_DIR: `${dir}/state` } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the containerlab runtime needs containerlab, docker, .*not installed/);
    expect(r.stderr).toMatch(/fix: install Docker .* and containerlab .*get\.containerlab\.dev/);
    expect(existsSync(`${dir}/state/dvr-fip`)).toBe(false);
  });
  test('an unknown runtime is a usage error', async () => {
    expect((await halab(['up', 'topologies/dvr-fip.yaml', '--runtime', 'k8s'])).code).toBe(2);
  });
});

describe('with containerlab (stand-ins)', () => {
  test('up: host commands, deploy, VLAN tags, in that order; the deployed file is valid', async () => {
    const r = await halab(['up', 'topologies/dvr-fip.yaml', '--runtime', 'containerlab'], { env: env() });
    expect(r.stderr + r.stdout).toMatch(/lab dvr-fip is up on containerlab: 7 containers/);
    expect(r.code).toBe(0);
    const c = calls();
    const clabFile = `${dir}/state/dvr-fip/dvr-fip.clab.yml`;
    const deploy = c.indexOf(`containerlab deploy -t ${clabFile} --reconfigure`);
    expect(deploy).toBeGreaterThan(0);
    expect(c.indexOf('ovs-vsctl --may-exist add-br host1-br-int')).toBeLessThan(deploy);
    expect(c.indexOf('ip link add name underlay-br0 type bridge')).toBeLessThan(deploy);
    expect(c.indexOf('ovs-vsctl set port host1-vport-fip tag=3')).toBeGreaterThan(deploy);
    expect(validate(parse(readFileSync(clabFile, 'utf8')))).toBe(true);
  });

  test('exec, status, fault and down drive docker and containerlab', async () => {
    expect((await halab(['up', 'topologies/dvr-fip.yaml', '--runtime', 'containerlab'], { env: env() })).code).toBe(0);
    const clabFile = `${dir}/state/dvr-fip/dvr-fip.clab.yml`;
    const n0 = calls().length;
    expect((await halab(['exec', 'dvr-fip', 'vm1', '--', 'ip', 'addr'], { env: env() })).code).toBe(0);
    expect((await halab(['status', 'dvr-fip', '--json'], { env: env() })).stdout.trim()).toBe('[]');
    expect((await halab(['fault', 'dvr-fip', 'nic-down', 'vm1:eth0'], { env: env() })).code).toBe(0);
    expect((await halab(['fault', 'dvr-fip', 'node-freeze', 'ext'], { env: env() })).code).toBe(0);
    const noNode = await halab(['exec', 'dvr-fip', 'underlay', '--', 'true'], { env: env() });
    expect(noNode.code).toBe(2);
    expect(noNode.stderr).toMatch(/no container for 'underlay'/);
    const down = await halab(['down', 'dvr-fip'], { env: env() });
    expect(down.code).toBe(0);
    expect(calls().slice(n0)).toEqual([
      'docker exec -i clab-dvr-fip-vm1 ip addr',
      `containerlab inspect -t ${clabFile} --format json`,
      'docker exec clab-dvr-fip-vm1 ip link set dev eth0 down',
      'docker pause clab-dvr-fip-ext',
      `containerlab destroy -t ${clabFile} --cleanup`,
      'ip link del dev extnet-br0',
      'ip link del dev underlay-br0',
      'ovs-vsctl --if-exists del-br host2-br-int',
      'ovs-vsctl --if-exists del-br host2-br-ex',
      'ovs-vsctl --if-exists del-br host2-br-tun',
      'ovs-vsctl --if-exists del-br host2-br-host-2',
      'ovs-vsctl --if-exists del-br host1-br-int',
      'ovs-vsctl --if-exists del-br host1-br-ex',
      'ovs-vsctl --if-exists del-br host1-br-tun',
      'ovs-vsctl --if-exists del-br host1-br-host-1',
    ]);
    expect(existsSync(`${dir}/state/dvr-fip`)).toBe(false);
  });

  test('a failed deploy is rolled back: destroy, bridges removed, exit 1', async () => {
    const r = await halab(['up', 'topologies/examples/two-hosts.yaml', '--runtime', 'containerlab'], { env: env({ HALAB_STANDIN_FAIL: 'containerlab deploy' }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failing on purpose/);
    expect(r.stderr).toMatch(/everything created so far has been removed/);
    const c = calls();
    expect(c.slice(-2)).toEqual([`containerlab destroy -t ${dir}/state/two-hosts/two-hosts.clab.yml --cleanup`, 'ip link del dev sw-br0']);
    expect(existsSync(`${dir}/state/two-hosts`)).toBe(false);
  });

  test('multi-host: --host picks this machine\'s file; without it, a usage error', async () => {
    const none = await halab(['up', 'topologies/examples/two-machines.yaml', '--runtime', 'containerlab'], { env: env() });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/spans hosts lab-a, lab-b: run 'halab up FILE --runtime containerlab --host HOST' on each/);
    const b = await halab(['up', 'topologies/examples/two-machines.yaml', '--runtime', 'containerlab', '--host', 'lab-b'], { env: env() });
    expect(b.code).toBe(0);
    expect(calls()).toContain(`containerlab deploy -t ${dir}/state/two-machines/two-machines.lab-b.clab.yml --reconfigure`);
    expect(calls()).toContain('ip link add name sw-p1 type vxlan id 10001 remote 192.0.2.10 dstport 4789');
    expect((await halab(['down', 'two-machines'], { env: env() })).code).toBe(0);
  });
});
