/**
 * The failover gap on the data plane: a 1 kHz probe in both directions across a VRRP gateway
 * pair while the master fails, asserted against VRRP's own timing (RFC 5798), not a constant.
 */
import { describe, expect, test } from 'vitest';
import { runProbe, type ProbeResult } from '../../src/probes/udp/run.js';
import { injectFault } from '../../src/runtime/netns/fault.js';
import { namespaceName } from '../../src/util/names.js';
import { useLab } from '../helpers/lab.js';

const LAB = 'vrrp-gw';
const ADVERT = 100;
/** The backup's master-down interval: 3 x advert + skew, skew = (256 - priority) / 256 x advert. */
const MASTER_DOWN = 3 * ADVERT + ((256 - 100) / 256) * ADVERT;

/** Probe client <-> server for 3 s; the fault comes 1 s in. */
async function probeAcross(kind: string, target: string, signal?: 'TERM'): Promise<ProbeResult> {
  return runProbe({
    lab: LAB,
    src: { node: 'client', ns: namespaceName(LAB, 'client') },
    dst: { node: 'server', ns: namespaceName(LAB, 'server'), address: '10.1.0.10' },
    rateHz: 1000,
    durationS: 3,
    both: true,
    onStarted: () => void setTimeout(() => void injectFault(LAB, kind, target, signal ? { signal } : {}), 1000),
  });
}

describe('failover gap across a VRRP gateway pair (1 kHz probe, both directions)', () => {
  useLab('test/fixtures/valid/vrrp-gw.yaml', LAB);

  test('master NIC down: the client side waits for master-down; the server side, whose instance tracks the NIC, hands over at once', async () => {
    const r = await probeAcross('nic-down', 'r1:eth0');
    expect(r.relativeTo).toBe('fault');
    const [toServer, toClient] = r.flows;
    // LAN: r1 just goes silent; r2 becomes master after its master-down interval (r1's last
    // advert left up to one interval before the fault), then announces the VIP.
    expect(toServer!.name).toBe('client->server');
    expect(toServer!.outageMs, JSON.stringify(toServer)).toBeGreaterThan(MASTER_DOWN - ADVERT - 20);
    expect(toServer!.outageMs, JSON.stringify(toServer)).toBeLessThan(MASTER_DOWN + 150);
    expect(toServer!.firstLossMs!).toBeLessThan(5);
    expect(toServer!.recoveredMs!).toBeGreaterThan(MASTER_DOWN - ADVERT - 20);
    // SRV tracks eth0: r1 faults it at once and sends priority 0; r2 takes over after its skew time.
    expect(toClient!.outageMs, JSON.stringify(toClient)).toBeLessThan(MASTER_DOWN / 2);
    await injectFault(LAB, 'nic-up', 'r1:eth0');
    await new Promise((res) => setTimeout(res, 1500)); // r1 preempts back
  }, 60_000);

  test('SIGTERM of the master keepalived: priority 0 hand-over, a gap far shorter than master-down', async () => {
    const r = await probeAcross('process-kill', 'r1:keepalived', 'TERM');
    for (const f of r.flows) {
      // The backup takes over one skew time after the priority-0 advert, not after 3 adverts.
      expect(f.outageMs, `${f.name}: ${JSON.stringify(f)}`).toBeLessThan(MASTER_DOWN / 2);
    }
  }, 60_000);
});
