import { describe, expect, test } from 'vitest';
import { bigIntToV6, canonicalIp, intToV4, networkOf, parseCidr, v4HostProblem, v4ToInt, v6ToBigInt, type Cidr } from '../../src/util/ip.js';

function cidr(text: string, opts: { allowBare?: boolean } = {}): Cidr {
  const r = parseCidr(text, opts);
  if (!r.ok) throw new Error(r.reason);
  return r.cidr;
}

function reason(text: string, opts: { allowBare?: boolean } = {}): string {
  const r = parseCidr(text, opts);
  if (r.ok) throw new Error(`${text} parsed`);
  return r.reason;
}

describe('parseCidr', () => {
  test('IPv4 and IPv6 prefixes', () => {
    expect(cidr('10.0.0.1/24')).toEqual({ ip: '10.0.0.1', prefix: 24, family: 4, text: '10.0.0.1/24' });
    expect(cidr('fd00::1/64')).toEqual({ ip: 'fd00::1', prefix: 64, family: 6, text: 'fd00::1/64' });
    expect(cidr('0.0.0.0/0').prefix).toBe(0);
    expect(cidr('::/0').family).toBe(6);
    expect(cidr('2001:db8::1/128').prefix).toBe(128);
  });

  test('a bare address needs allowBare, and then gets a host prefix', () => {
    expect(reason('10.0.0.1')).toBe("'10.0.0.1' has no prefix length (write 10.0.0.1/24, for example)");
    expect(reason('fd00::1')).toMatch(/write fd00::1\/64/);
    expect(cidr('10.0.0.1', { allowBare: true })).toMatchObject({ prefix: 32, text: '10.0.0.1/32' });
    expect(cidr('fd00::1', { allowBare: true })).toMatchObject({ prefix: 128, text: 'fd00::1/128' });
  });

  test('bad addresses', () => {
    expect(reason('10.0.0.256/24')).toBe("'10.0.0.256' is not an IPv4 or IPv6 address");
    expect(reason('10.0.0/24')).toMatch(/not an IPv4 or IPv6 address/);
    expect(reason('gateway', { allowBare: true })).toBe("'gateway' is not an IPv4 or IPv6 address");
    expect(reason('fd00:::1/64')).toMatch(/not an IPv4 or IPv6 address/);
    expect(reason('/24')).toMatch(/not an IPv4 or IPv6 address/);
  });

  test('bad prefix lengths', () => {
    expect(reason('10.0.0.1/33')).toBe("'10.0.0.1/33' has a bad prefix length '33' (0-32)");
    expect(reason('fd00::1/129')).toBe("'fd00::1/129' has a bad prefix length '129' (0-128)");
    expect(reason('10.0.0.1/')).toMatch(/bad prefix length ''/);
    expect(reason('10.0.0.1/2x')).toMatch(/bad prefix length '2x'/);
    expect(reason('10.0.0.1/-1')).toMatch(/bad prefix length/);
    expect(reason('10.0.0.1/0024')).toMatch(/bad prefix length/);
  });
});

describe('IPv4 arithmetic', () => {
  test('v4ToInt and intToV4 round-trip', () => {
    expect(v4ToInt('0.0.0.0')).toBe(0);
    expect(v4ToInt('10.0.0.1')).toBe(0x0a000001);
    expect(v4ToInt('255.255.255.255')).toBe(4294967295);
    for (const ip of ['0.0.0.0', '10.0.0.1', '192.168.100.150', '255.255.255.255', '128.0.0.0']) expect(intToV4(v4ToInt(ip))).toBe(ip);
  });

  test('v4HostProblem flags network and broadcast addresses', () => {
    expect(v4HostProblem(cidr('10.0.0.0/24'))).toBe('10.0.0.0/24 is the network address of its subnet, not a host address');
    expect(v4HostProblem(cidr('10.0.0.255/24'))).toBe('10.0.0.255/24 is the broadcast address of its subnet, not a host address');
    expect(v4HostProblem(cidr('10.0.0.63/26'))).toMatch(/broadcast/);
    expect(v4HostProblem(cidr('10.0.0.64/26'))).toMatch(/network/);
    expect(v4HostProblem(cidr('10.0.0.1/24'))).toBeNull();
    expect(v4HostProblem(cidr('10.0.0.254/24'))).toBeNull();
  });

  test('/31 and /32 have no network or broadcast address, and IPv6 has no broadcast', () => {
    expect(v4HostProblem(cidr('169.254.31.238/31'))).toBeNull();
    expect(v4HostProblem(cidr('169.254.31.239/31'))).toBeNull();
    expect(v4HostProblem(cidr('10.0.0.0/32'))).toBeNull();
    expect(v4HostProblem(cidr('fd00::/64'))).toBeNull();
  });
});

describe('networkOf', () => {
  test.each([
    ['10.9.0.1/16', '10.9.0.0/16'],
    ['10.9.0.0/16', '10.9.0.0/16'],
    ['192.168.100.150/32', '192.168.100.150/32'],
    ['255.255.255.255/31', '255.255.255.254/31'],
    ['1.2.3.4/0', '0.0.0.0/0'],
    ['172.16.18.100/25', '172.16.18.0/25'],
    ['172.16.18.200/25', '172.16.18.128/25'],
    ['fd00::1/64', 'fd00::/64'],
    ['2001:db8:1:2:3:4:5:6/48', '2001:db8:1::/48'],
    ['fe80::1/128', 'fe80::1/128'],
    ['::1/127', '::/127'],
    ['::/0', '::/0'],
  ])('%s -> %s', (input, net) => {
    expect(networkOf(cidr(input)).text).toBe(net);
  });
});

describe('IPv6 helpers', () => {
  test('v6ToBigInt handles ::, full form and a dotted IPv4 tail', () => {
    expect(v6ToBigInt('::')).toBe(0n);
    expect(v6ToBigInt('::1')).toBe(1n);
    expect(v6ToBigInt('1::')).toBe(1n << 112n);
    expect(v6ToBigInt('0:0:0:0:0:0:0:1')).toBe(1n);
    expect(v6ToBigInt('::ffff:1.2.3.4')).toBe((0xffffn << 32n) | 0x01020304n);
  });

  test('bigIntToV6 gives the compressed form', () => {
    expect(bigIntToV6(1n)).toBe('::1');
    expect(bigIntToV6(v6ToBigInt('2001:0db8:0000:0000:0008:0800:200c:417a'))).toBe('2001:db8::8:800:200c:417a');
  });

  test('canonicalIp makes differently written IPv6 addresses equal and leaves IPv4 alone', () => {
    expect(canonicalIp('FD00:0:0::1')).toBe('fd00::1');
    expect(canonicalIp('fd00:0000::0001')).toBe(canonicalIp('fd00::1'));
    expect(canonicalIp('10.0.0.1')).toBe('10.0.0.1');
  });
});
