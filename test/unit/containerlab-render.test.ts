/**
 * `halab render --to containerlab`: every topology renders to files that containerlab's own schema
 * (vendored, draft-07, ajv strict: false) accepts and whose `node:interface` endpoints name nodes
 * of the file; goldens for dvr-fip and sdwan-gobgp (UPDATE_GOLDEN=1 rewrites them); warnings carry
 * FILE:LINE:COL; multi-host topologies give one file per host joined by VXLAN links.
 */
import { Ajv } from 'ajv';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { formatDiagnostic } from '../../src/errors.js';
import { expand } from '../../src/pipeline/expand.js';
import { loadTopology, validateText } from '../../src/pipeline/validate.js';
import { endpointProblems } from '../../src/runtime/containerlab/check.js';
import { hostScript } from '../../src/runtime/containerlab/host-commands.js';
import { clabYaml, hostFiles } from '../../src/runtime/containerlab/output.js';
import { renderContainerlab } from '../../src/runtime/containerlab/render.js';
import type { ClabTopology, RenderResult } from '../../src/runtime/containerlab/types.js';
import { halab } from '../helpers/cli.js';

const GOLDEN = 'test/fixtures/containerlab';
const schema = JSON.parse(readFileSync(`${GOLDEN}/schema/clab.schema.json`, 'utf8')) as object;
const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);

function topologies(dir = 'topologies'): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = `${dir}/${f}`;
    return statSync(p).isDirectory() ? topologies(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

const render = (file: string): RenderResult => renderContainerlab(expand(loadTopology(file)));

/** The documents as written (YAML text parsed back), not the in-memory objects. */
function documents(r: RenderResult, file: string): ClabTopology[] {
  const names = hostFiles(r, file);
  return r.hosts.map((h, i) => parse(clabYaml(h, r, names[i]!)) as ClabTopology);
}

function schemaErrors(doc: unknown): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

function golden(name: string, actual: string): void {
  const path = `${GOLDEN}/${name}`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) writeFileSync(path, actual);
  expect(actual, `${path} (UPDATE_GOLDEN=1 rewrites it)`).toBe(readFileSync(path, 'utf8'));
}

describe('every topology renders to valid containerlab files', () => {
  const files = topologies();
  test('there are topologies', () => expect(files.length).toBeGreaterThan(5));
  test.each(files)('%s', (file) => {
    const r = render(file);
    for (const doc of documents(r, `${r.lab}.clab.yml`)) {
      expect(schemaErrors(doc), `${file}: schema`).toEqual([]);
      expect(endpointProblems(doc), `${file}: endpoints`).toEqual([]);
      expect(Object.keys(doc.topology.nodes).length).toBeGreaterThan(0);
    }
  });
});

describe('the checks catch what they are for', () => {
  const doc = (): ClabTopology => ({ name: 'x', topology: { nodes: { a: { kind: 'linux', image: 'alpine' }, br: { kind: 'bridge' } }, links: [{ endpoints: ['a:eth0', 'br:p1'] }] } });
  test('a good document passes', () => {
    expect(schemaErrors(doc())).toEqual([]);
    expect(endpointProblems(doc())).toEqual([]);
  });
  test('the schema rejects an unknown node key', () => {
    const d = doc() as unknown as { topology: { nodes: { a: Record<string, unknown> } } };
    d.topology.nodes.a.imgae = 'alpine';
    expect(schemaErrors(d).length).toBeGreaterThan(0);
  });
  test('endpoints: no colon, unknown node, long name, reuse', () => {
    const d = doc();
    d.topology.links.push({ endpoints: ['a-eth1', 'br:p2'] }, { endpoints: ['b:eth0', 'br:this-is-way-too-long'] }, { endpoints: ['a:eth0', 'br:p3'] });
    const p = endpointProblems(d);
    expect(p.join('\n')).toMatch(/'a-eth1' is not NODE:INTERFACE/);
    expect(p.join('\n')).toMatch(/node 'b' is not in topology.nodes/);
    expect(p.join('\n')).toMatch(/'this-is-way-too-long' is not an interface name/);
    expect(p.join('\n')).toMatch(/endpoint a:eth0 is also used by link 0/);
  });
});

describe('goldens', () => {
  test('dvr-fip: .clab.yml and host commands', () => {
    const r = render('topologies/dvr-fip.yaml');
    golden('dvr-fip.clab.yml', clabYaml(r.hosts[0]!, r, 'dvr-fip.clab.yml'));
    golden('dvr-fip.host-commands.sh', hostScript(r.hosts[0]!, 'dvr-fip.clab.yml'));
  });
  test('sdwan-gobgp: .clab.yml and the generated service files', () => {
    const r = render('topologies/sdwan-gobgp.yaml');
    golden('sdwan-gobgp.clab.yml', clabYaml(r.hosts[0]!, r, 'sdwan-gobgp.clab.yml'));
    golden('sdwan-gobgp.files.txt', r.files.map((f) => `==> ${f.path}${f.mode ? ` (mode ${f.mode.toString(8)})` : ''}\n${f.content}`).join('\n'));
  });
});

describe('dvr-fip maps onto containerlab', () => {
  const r = render('topologies/dvr-fip.yaml');
  const doc = r.hosts[0]!.doc;
  test('switch-only nodes have no container; compute hosts keep theirs for the underlay address', () => {
    expect(doc.topology.nodes['underlay-br0']).toEqual({ kind: 'bridge' });
    expect(doc.topology.nodes['underlay']).toBeUndefined();
    expect(doc.topology.nodes['host1-br-int']).toEqual({ kind: 'ovs-bridge' });
    expect(doc.topology.nodes['host1']!.exec).toContain('ip addr add 192.168.122.6/24 dev br-host-1');
  });
  test('internal ports become tagged veths into their node', () => {
    expect(doc.topology.links).toContainEqual({ endpoints: ['fip-ns:vport-fip', 'host1-br-int:host1-vport-fip'] });
    expect(r.hosts[0]!.commands.ports).toContainEqual(['ovs-vsctl', 'set', 'port', 'host1-vport-fip', 'tag=3']);
  });
  test('patch ports are created on the host with their tags', () => {
    expect(r.hosts[0]!.commands.create).toContainEqual(['ovs-vsctl', '--may-exist', 'add-port', 'host1-br-int', 'host1-int-ex', 'tag=3', '--', 'set', 'interface', 'host1-int-ex', 'type=patch', 'options:peer=host1-ex-int']);
  });
  test('the VXLAN pair is a warning at each port, never dropped', () => {
    expect(r.warnings.map((w) => `${w.line}:${w.col}`)).toEqual(['14:28', '33:28']);
    expect(doc.topology.links).toContainEqual({ endpoints: ['host1-br-tun:host1-vxlan1', 'host2-br-tun:host2-vxlan1'] });
  });
});

describe('warnings', () => {
  test('an unsupported feature is a warning at FILE:LINE:COL (library)', () => {
    const r = renderContainerlab(expand(validateText(readFileSync(`${GOLDEN}/unsupported.yaml`, 'utf8'), 'u.yaml')));
    expect(r.warnings.map(formatDiagnostic)).toEqual([
      "u.yaml:11:25: nodes.sw.bridges.br0.ports.tun.vxlan: VXLAN port tun: 198.51.100.7 is not the address of a lab node with a VXLAN port back; under containerlab the tunnel runs from the host's own network stack to 198.51.100.7",
    ]);
    // ... and what can be done is still done: the port, on the host.
    expect(r.hosts[0]!.commands.create).toContainEqual(['ovs-vsctl', '--may-exist', 'add-port', 'sw-br0', 'sw-tun', '--', 'set', 'interface', 'sw-tun', 'type=vxlan', 'options:remote_ip=198.51.100.7', 'options:key=42']);
  });
  test('halab render prints it on stderr as FILE:LINE:COL: path: warning: ..., exit 0', async () => {
    const res = await halab(['render', `${GOLDEN}/unsupported.yaml`, '--to', 'containerlab']);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/^test\/fixtures\/containerlab\/unsupported\.yaml:11:25: nodes\.sw\.bridges\.br0\.ports\.tun\.vxlan: warning: VXLAN port tun: /m);
    expect(schemaErrors(parse(res.stdout))).toEqual([]);
  });
  test('services that a default image cannot run, and the GoBGP FIB agent, are warnings at the service', () => {
    const r = render('topologies/sdwan-gobgp.yaml');
    const msgs = r.warnings.map((w) => `${w.path}: ${w.message}`);
    expect(msgs.filter((m) => m.startsWith('nodes.GoBGP-1.services.gobgp'))).toHaveLength(2);
    const withImages = renderContainerlab(expand(loadTopology('topologies/sdwan-gobgp.yaml')), { images: { gobgp: 'example/gobgp:3.10', keepalived: 'example/frr-keepalived:1' } });
    expect(withImages.warnings.map((w) => w.message).filter((m) => m.startsWith('no default image'))).toEqual([]);
    expect(withImages.hosts[0]!.doc.topology.nodes['GoBGP-1']!.image).toBe('example/gobgp:3.10');
    expect(withImages.hosts[0]!.doc.topology.nodes['SRX-1']!.image).toBe('example/frr-keepalived:1');
  });
  test('bad input is exit 2 and bad options are exit 2', async () => {
    expect((await halab(['render', 'test/fixtures/invalid/dangling-link-node.yaml', '--to', 'containerlab'])).code).toBe(2);
    expect((await halab(['render', 'topologies/dvr-fip.yaml', '--to', 'gns3'])).code).toBe(2);
    expect((await halab(['render', 'topologies/dvr-fip.yaml', '--to', 'containerlab', '--image', 'nokey'])).code).toBe(2);
  });
});

describe('multi-host', () => {
  const r = render('topologies/examples/two-machines.yaml');
  const [a, b] = r.hosts;
  test('one file per host, nodes where host: puts them', () => {
    expect(r.hosts.map((h) => `${h.host} ${h.address}`)).toEqual(['lab-a 192.0.2.10', 'lab-b 192.0.2.20']);
    expect(Object.keys(a!.doc.topology.nodes)).toEqual(['pc', 'r1']);
    expect(Object.keys(b!.doc.topology.nodes)).toEqual(['sw-br0', 'server']);
  });
  test('the link across hosts is a containerlab vxlan link on one side, a VXLAN port of the bridge on the other, same VNI', () => {
    expect(a!.doc.topology.links).toContainEqual({ type: 'vxlan', endpoint: { node: 'r1', interface: 'wan' }, remote: '192.0.2.20', vni: 10001, 'dst-port': 4789 });
    expect(b!.commands.create).toContainEqual(['ip', 'link', 'add', 'name', 'sw-p1', 'type', 'vxlan', 'id', '10001', 'remote', '192.0.2.10', 'dstport', '4789']);
    expect(b!.commands.create).toContainEqual(['ip', 'link', 'set', 'dev', 'sw-p1', 'master', 'sw-br0', 'up']);
  });
  test('-o writes FILE-stem.HOST.clab.yml and a host-commands script per host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'halab-clab-'));
    try {
      const res = await halab(['render', 'topologies/examples/two-machines.yaml', '--to', 'containerlab', '-o', `${dir}/tm.clab.yml`]);
      expect(res.code).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(['tm.lab-a.clab.yml', 'tm.lab-a.host-commands.sh', 'tm.lab-b.clab.yml', 'tm.lab-b.host-commands.sh']);
      for (const f of ['tm.lab-a.clab.yml', 'tm.lab-b.clab.yml']) expect(schemaErrors(parse(readFileSync(`${dir}/${f}`, 'utf8')))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('two nodes on different hosts joined by VXLAN ports of OVS tunnel between the hosts', () => {
    const text = readFileSync('topologies/dvr-fip.yaml', 'utf8')
      .replace('nodes:\n', 'hosts:\n  a: { address: 10.9.0.1 }\n  b: { address: 10.9.0.2 }\nnodes:\n')
      .replace(/^( {2}host2:.*\n)/m, '$1    host: b\n');
    const split = renderContainerlab(expand(validateText(text, 'split.yaml')));
    const [ha, hb] = split.hosts;
    expect(ha!.commands.create).toContainEqual(['ovs-vsctl', '--may-exist', 'add-port', 'host1-br-tun', 'host1-vxlan1', '--', 'set', 'interface', 'host1-vxlan1', 'type=vxlan', 'options:remote_ip=10.9.0.2']);
    expect(hb!.commands.create).toContainEqual(['ovs-vsctl', '--may-exist', 'add-port', 'host2-br-tun', 'host2-vxlan1', '--', 'set', 'interface', 'host2-vxlan1', 'type=vxlan', 'options:remote_ip=10.9.0.1']);
    for (const d of [ha!.doc, hb!.doc]) {
      expect(schemaErrors(d)).toEqual([]);
      expect(endpointProblems(d)).toEqual([]);
    }
  });
});

