/** FRR configuration rendered from `frr:` options. */
import { describe, expect, test } from 'vitest';
import { bfddConf, bgpdConf, usesBfd } from '../../src/plugins/services/frr/config.js';
import { BestPathLog } from '../../src/plugins/services/frr/log.js';

describe('bgpd.conf', () => {
  const conf = bgpdConf('r1', {
    bgp: {
      as: 65000,
      'router-id': '10.0.0.101',
      timers: { keepalive: 1, hold: 3 },
      neighbors: {
        '192.168.0.2': { as: 65001, bfd: true, 'next-hop-self': true },
        'fd00::2': { as: 65002, hold: 9, 'default-originate': true },
      },
      networks: ['0.0.0.0/0', '2001:db8::/32'],
    },
  });

  test('router, policy defaults, neighbors with timers and BFD', () => {
    expect(conf).toContain('router bgp 65000\n bgp router-id 10.0.0.101\n no bgp ebgp-requires-policy\n no bgp network import-check');
    expect(conf).toContain(' neighbor 192.168.0.2 remote-as 65001\n neighbor 192.168.0.2 timers 1 3\n neighbor 192.168.0.2 timers connect 1\n neighbor 192.168.0.2 bfd profile halab');
    // Per-neighbor hold overrides the default; keepalive comes from the defaults.
    expect(conf).toContain(' neighbor fd00::2 timers 1 9');
  });

  test('address families: networks and per-neighbor options land in their family', () => {
    expect(conf).toContain(' address-family ipv4 unicast\n  network 0.0.0.0/0\n  neighbor 192.168.0.2 next-hop-self\n exit-address-family');
    expect(conf).toContain(' address-family ipv6 unicast\n  network 2001:db8::/32\n  neighbor fd00::2 activate\n  neighbor fd00::2 default-originate\n exit-address-family');
  });

  test('BFD profile from the options', () => {
    expect(usesBfd({ bgp: { as: 1, neighbors: { '1.1.1.1': { as: 2, bfd: true } } } })).toBe(true);
    expect(bfddConf('r1', { bfd: { 'interval-ms': 100, multiplier: 3 } })).toContain('profile halab\n  transmit-interval 100\n  receive-interval 100\n  detect-multiplier 3');
  });
});

describe('bgpd log', () => {
  test('adjacency changes are parsed (session events), other lines are not', async () => {
    const { parseAdjChange } = await import('../../src/plugins/services/frr/log.js');
    expect(parseAdjChange('2026/11/21 20:57:31 BGP: [M7Q4P-46WDR] %ADJCHANGE: neighbor 192.0.2.2(Unknown) in vrf default Down BGP Notification send')).toEqual({ peer: '192.0.2.2', up: false, reason: 'BGP Notification send' });
    expect(parseAdjChange('... %ADJCHANGE: neighbor fd00::2 in vrf default Up')).toEqual({ peer: 'fd00::2', up: true, reason: '' });
    expect(parseAdjChange('BGP: bgpd 8.4.4 starting')).toBeNull();
  });
  test('bgpd.conf asks for neighbor changes in the log', () => {
    expect(bgpdConf('r', { bgp: { as: 1 } })).toContain(' bgp log-neighbor-changes');
  });
});

describe('best paths from bgpd.log (debug bgp zebra)', () => {
  test('an add completes with its first next hop; a delete is a withdraw; other lines are nothing', () => {
    const log = new BestPathLog();
    const lines = [
      '2026/11/21 22:30:37 BGP: [V15FP-4CPVK] Tx route add VRF 0 0.0.0.0/0 metric 0 tag 0 count 2 nhg 0',
      '2026/11/21 22:30:37 BGP: [JQXM8-V0CKB]   nhop [1]: 192.168.2.1 if 0 VRF 0 wt 0   ',
      '2026/11/21 22:30:37 BGP: [JQXM8-V0CKB]   nhop [2]: 192.168.2.9 if 0 VRF 0 wt 0   ',
      '2026/11/21 22:30:38 BGP: [RZMGQ-A03CG] %ADJCHANGE: neighbor 192.168.2.1(Unknown) in vrf default Up',
      '2026/11/21 22:30:41 BGP: [G7K80-KF0HM] Tx route delete VRF 0 192.168.101.0/24',
    ];
    expect(lines.map((l) => log.line(l))).toEqual(['', '0.0.0.0/0 via 192.168.2.1', '', '', '192.168.101.0/24 withdrawn'].map((x) => x || null));
  });
});
