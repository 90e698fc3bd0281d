/** GoBGP: the CLI calls rendered from options (seeds/001's order), and RIB monitor parsing. */
import { describe, expect, test } from 'vitest';
import { gobgpCommands } from '../../src/plugins/services/gobgp/commands.js';
import { isLocal, parseMonitorLine } from '../../src/plugins/services/gobgp/monitor.js';

describe('gobgp CLI calls', () => {
  test("GoBGP-3 of seeds/001: global, neighbors, then policy1/statement1 exported towards both iBGP peers", () => {
    const cmds = gobgpCommands({
      as: 65001,
      'router-id': '10.0.1.3',
      neighbors: {
        '172.16.0.1': { as: 65001, export: ['policy1'] },
        '172.16.1.1': { as: 65001, export: ['policy1'] },
        '192.168.2.2': { as: 65002 },
      },
      policies: { policy1: { statement1: { 'next-hop': 'self', route: 'accept' } } },
    }).map((c) => c.join(' '));
    expect(cmds).toEqual([
      'global as 65001 router-id 10.0.1.3',
      'neighbor add 172.16.0.1 as 65001',
      'neighbor add 172.16.1.1 as 65001',
      'neighbor add 192.168.2.2 as 65002',
      'policy neighbor add policy1-export 172.16.0.1 172.16.1.1',
      'policy statement add statement1',
      'policy statement statement1 add condition neighbor policy1-export',
      'policy statement statement1 add action next-hop self',
      'policy statement statement1 add action accept',
      'policy add policy1 statement1',
      'global policy export add policy1 default accept',
    ]);
  });

  test('announced networks pick their address family', () => {
    const cmds = gobgpCommands({ as: 1, 'router-id': '1.1.1.1', networks: ['10.0.0.0/8', '2001:db8::/32'] }).map((c) => c.join(' '));
    expect(cmds.slice(1)).toEqual(['global rib add 10.0.0.0/8 -a ipv4', 'global rib add 2001:db8::/32 -a ipv6']);
  });
});

describe('gobgp monitor global rib -j lines', () => {
  const path = (extra: object) =>
    JSON.stringify([
      {
        nlri: { prefix: '0.0.0.0/0' },
        attrs: [{ type: 1, value: 2 }, { type: 2, as_paths: [{ segment_type: 2, num: 1, asns: [65000] }] }, { type: 3, nexthop: '172.16.0.1' }],
        'neighbor-ip': '172.16.0.1',
        ...extra,
      },
    ]);

  test('a best path: prefix, next hop, AS path, source', () => {
    expect(parseMonitorLine(path({}))).toEqual([{ prefix: '0.0.0.0/0', nexthop: '172.16.0.1', withdrawal: false, from: '172.16.0.1', asPath: [65000] }]);
  });
  test('a withdrawal has no next hop', () => {
    const [u] = parseMonitorLine(path({ withdrawal: true }));
    expect(u).toMatchObject({ prefix: '0.0.0.0/0', withdrawal: true });
    expect(u!.nexthop).toBeUndefined();
  });
  test('IPv6 next hops come from MP_REACH_NLRI', () => {
    const line = JSON.stringify([{ nlri: { prefix: '2001:db8::/32' }, attrs: [{ type: 14, nexthops: ['fd00::1'] }] }]);
    expect(parseMonitorLine(line)[0]!.nexthop).toBe('fd00::1');
  });
  test('locally originated paths are not for the kernel; noise lines are ignored', () => {
    const local = JSON.stringify([{ nlri: { prefix: '10.1.0.0/24' }, attrs: [{ type: 3, nexthop: '0.0.0.0' }] }]);
    expect(isLocal(parseMonitorLine(local)[0]!)).toBe(true);
    expect(parseMonitorLine('rpc error: code = Unavailable')).toEqual([]);
    expect(parseMonitorLine('[not json')).toEqual([]);
  });
});
