import { describe, expect, test } from 'vitest';
import { validateText } from '../../src/pipeline/validate.js';
import { closest, kernelName, MAX_IFNAME, MAX_NAME, namespaceName, nameProblem } from '../../src/util/names.js';

describe('nameProblem', () => {
  test.each([
    ['host1', 'node'],
    ['fip-ns', 'node'],
    ['router_2', 'node'],
    ['dvr-fip', 'lab'],
    ['eth0', 'interface'],
    ['eth0.113', 'interface'],
    ['br-int', 'interface'],
    ['9lives', 'node'],
  ] as const)('accepts %s as a %s name', (name, kind) => {
    expect(nameProblem(name, kind)).toBeNull();
  });

  test('names up to 64 characters are fine, 65 are not', () => {
    expect(MAX_NAME).toBe(64);
    expect(nameProblem('a'.repeat(64), 'node')).toBeNull();
    expect(nameProblem('a'.repeat(65), 'node')).toBe('name is 65 characters long; at most 64 are allowed');
    expect(nameProblem('e'.repeat(200), 'interface')).toMatch(/200 characters long/);
  });

  test('an empty name is rejected', () => {
    expect(nameProblem('', 'lab')).toBe('name is empty');
  });

  test.each([
    ['a;b', "shell metacharacter ';'"],
    ['a$b', "shell metacharacter '$'"],
    ['a`b`', "shell metacharacter '`'"],
    ['a b', 'a space'],
    ['a\tb', 'a tab'],
    ['a\nb', 'a newline'],
    ['a|b', "shell metacharacter '|'"],
    ['a&b', "shell metacharacter '&'"],
    ['a>b', "shell metacharacter '>'"],
    ['a*', "shell metacharacter '*'"],
    ["a'b", `shell metacharacter '''`],
    ['a"b', `shell metacharacter '"'`],
    ['a\\b', "shell metacharacter '\\'"],
    ['a:b', "shell metacharacter ':'"],
  ])('rejects %j and names the character', (name, what) => {
    for (const kind of ['lab', 'node', 'interface'] as const) expect(nameProblem(name, kind)).toContain(`holds ${what}`);
  });

  test('rejects path separators and ..', () => {
    expect(nameProblem('br/0', 'interface')).toBe("name 'br/0' holds a path separator '/'");
    expect(nameProblem('../etc', 'node')).toMatch(/path separator/);
    expect(nameProblem('eth..0', 'interface')).toBe("name 'eth..0' holds '..'");
    expect(nameProblem('..', 'lab')).toBe("name '..' holds '..'");
  });

  test('dots are fine in interface names only: node and lab names are joined with dots', () => {
    expect(nameProblem('web.1', 'node')).toBe("node name 'web.1' holds '.', which is not allowed in node names");
    expect(nameProblem('lab.1', 'lab')).toMatch(/lab name 'lab.1' holds '.'/);
    expect(nameProblem('web.1', 'interface')).toBeNull();
  });

  test('names start with a letter or digit', () => {
    expect(nameProblem('-x', 'node')).toBe("name '-x' must start with a letter or digit");
    expect(nameProblem('_x', 'interface')).toMatch(/must start with a letter or digit/);
    expect(nameProblem('.x', 'interface')).toMatch(/must start with a letter or digit/);
  });

  test('non-ASCII and control characters are rejected', () => {
    expect(nameProblem('rüter', 'node')).toBe("name 'rüter' holds 'ü'; use letters, digits, '_' and '-'");
    expect(nameProblem('a\u0007', 'node')).toMatch(/control character 0x7/);
  });
});

describe('kernelName', () => {
  test('names of up to 15 characters are kept', () => {
    expect(MAX_IFNAME).toBe(15);
    expect(kernelName('eth0')).toBe('eth0');
    expect(kernelName('x'.repeat(15))).toBe('x'.repeat(15));
  });

  test('longer names become 10 characters, a dash and 4 hex digits of their SHA-1', () => {
    const k = kernelName('uplink-to-spine158');
    expect(k).toBe('uplink-to--416a');
    expect(k).toHaveLength(15);
    expect(kernelName('x'.repeat(16))).toMatch(/^x{10}-[0-9a-f]{4}$/);
    expect(kernelName('y'.repeat(64))).toHaveLength(MAX_IFNAME);
  });

  test('is deterministic', () => {
    const names = ['vport-router-primary', 'interface-to-compute-host-17', 'qr-1234567890ab'];
    expect(names.map(kernelName)).toEqual(names.map(kernelName));
    expect(kernelName('vport-router-primary')).toBe(kernelName('vport-router-' + 'primary'));
  });

  test('long names that share their first 10 characters get distinct kernel names', () => {
    const names = Array.from({ length: 40 }, (_, i) => `to-compute-host-${i}`);
    const knames = names.map(kernelName);
    for (const k of knames) {
      expect(k.length).toBeLessThanOrEqual(MAX_IFNAME);
      expect(nameProblem(k, 'interface')).toBeNull();
      expect(k.startsWith('to-compute')).toBe(true);
    }
    expect(new Set(knames).size).toBe(names.length);
  });

  test('the rare hash collision exists, so validation checks for it', () => {
    expect(kernelName('uplink-to-spine158')).toBe(kernelName('uplink-to-spine414'));
    const text = [
      'name: k',
      'nodes: { leaf: {}, s1: {}, s2: {} }',
      'links:',
      '  - [leaf:uplink-to-spine158, s1:eth0]',
      '  - [leaf:uplink-to-spine414, s2:eth0]',
    ].join('\n');
    expect(() => validateText(text)).toThrow(/map to the same kernel name uplink-to--416a/);
    // In different nodes (different namespaces) the same kernel name is fine.
    const apart = text.replace('leaf:uplink-to-spine414, s2:eth0', 's2:uplink-to-spine414, leaf:eth0');
    expect(() => validateText(apart)).not.toThrow();
  });
});

describe('namespaceName and closest', () => {
  test('namespaces are halab.LAB.NODE', () => {
    expect(namespaceName('dvr-fip', 'fip-ns')).toBe('halab.dvr-fip.fip-ns');
  });

  test('closest suggests near misses only', () => {
    expect(closest('ruoter', ['host', 'router'])).toBe('router');
    expect(closest('interfacs', ['kind', 'interfaces', 'bridges'])).toBe('interfaces');
    expect(closest('HOST', ['host', 'router'])).toBe('host');
    expect(closest('ovs-dpdk', ['linux', 'ovs'])).toBeUndefined();
    expect(closest('c', ['a', 'b'])).toBeUndefined();
    expect(closest('eth1', ['eth0'])).toBe('eth0');
    expect(closest('x', [])).toBeUndefined();
  });
});
