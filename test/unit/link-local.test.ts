/** IPv6 link-local addresses only where IPv6 is used (or asked for): the plan's addrgenmode steps. */
import { describe, expect, test } from 'vitest';
import { expand } from '../../src/pipeline/expand.js';
import { plan } from '../../src/pipeline/plan.js';
import { validateText } from '../../src/pipeline/validate.js';

const topo = `
name: ll
nodes:
  v4: { interfaces: { eth0: 10.0.0.1/24 } }
  v6: { interfaces: { eth0: [10.0.0.2/24, "fd00::2/64"] } }
  asked: { interfaces: { eth0: { addresses: 10.0.0.3/24, link-local: true } } }
  sw: { bridges: { br0: { ports: [p1, p2, p3] } } }
links:
  - [v4:eth0, sw:p1]
  - [v6:eth0, sw:p2]
  - [asked:eth0, sw:p3]
`;

const stepsOf = (node: string, iface: string) =>
  plan(expand(validateText(topo)))
    .actions.filter((a) => a.id === `iface:${node}:${iface}`)
    .flatMap((a) => a.do)
    .map((s) => (s.t === 'ip' ? s.args.join(' ') : s.t));

describe('IPv6 link-local addresses', () => {
  test('an IPv4-only interface gets none, before it comes up', () => {
    const s = stepsOf('v4', 'eth0');
    expect(s).toContain('link set dev eth0 addrgenmode none');
    expect(s.indexOf('link set dev eth0 addrgenmode none')).toBeLessThan(s.indexOf('link set dev eth0 up'));
  });
  test('an interface with an IPv6 address keeps it', () => {
    expect(stepsOf('v6', 'eth0')).not.toContain('link set dev eth0 addrgenmode none');
  });
  test('link-local: true keeps it on an IPv4-only interface', () => {
    expect(stepsOf('asked', 'eth0')).not.toContain('link set dev eth0 addrgenmode none');
  });
  test('bridge ports and the bridge itself get none', () => {
    expect(stepsOf('sw', 'p1')).toContain('link set dev p1 addrgenmode none');
    expect(stepsOf('sw', 'br0')).toContain('link set dev br0 addrgenmode none');
  });
});
