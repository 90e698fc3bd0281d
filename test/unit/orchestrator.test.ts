/**
 * The orchestrator's decisions (src/plugins/services/orchestrator/core.ts), pure: what `ping -O`
 * lines mean, when missed replies add up to a failure, what the TOR controller's answers mean,
 * the request bodies (the document's fields) and the poll schedule.
 */
import { describe, expect, test } from 'vitest';
import { classifyAccept, classifyPoll, Detector, haRequestBody, newReqId, parsePingLine, pollAt } from '../../src/plugins/services/orchestrator/core.js';

describe('parsePingLine (iputils ping -n -O)', () => {
  test.each([
    ['64 bytes from 10.0.0.11: icmp_seq=5 ttl=64 time=0.312 ms', { seq: 5, ok: true }],
    ['no answer yet for icmp_seq=6', { seq: 6, ok: false }],
    ['From 10.0.0.2 icmp_seq=7 Destination Host Unreachable', { seq: 7, ok: false }],
    ['64 bytes from 10.0.0.11: icmp_seq=8 ttl=64 time=0.3 ms (DUP!)', null],
    ['PING 10.0.0.11 (10.0.0.11) 56(84) bytes of data.', null],
    ['', null],
  ])('%s', (line, want) => expect(parsePingLine(line)).toEqual(want));
});

describe('Detector: N consecutive misses = failure', () => {
  const ok = (seq: number) => ({ seq, ok: true });
  const miss = (seq: number) => ({ seq, ok: false });

  test('fires at the Nth consecutive miss, with the last reply and the first miss', () => {
    const d = new Detector(3);
    expect(d.observe(ok(1), 100)).toBeNull();
    expect(d.observe(miss(2), 300)).toBeNull();
    expect(d.observe(miss(3), 500)).toBeNull();
    expect(d.observe(miss(4), 700)).toEqual({ misses: 3, lastReplyMs: 100, firstMissMs: 300 });
  });

  test('a reply in between starts the count again', () => {
    const d = new Detector(3);
    d.observe(ok(1), 0);
    d.observe(miss(2), 1);
    d.observe(miss(3), 2);
    expect(d.observe(ok(4), 3)).toBeNull();
    expect(d.observe(miss(5), 4)).toBeNull();
    expect(d.observe(miss(6), 5)).toBeNull();
    expect(d.observe(miss(7), 6)).toMatchObject({ misses: 3, lastReplyMs: 3, firstMissMs: 4 });
  });

  test('not armed before the first reply: a master never seen alive does not fail over', () => {
    const d = new Detector(2);
    for (let s = 1; s <= 10; s++) expect(d.observe(miss(s), s)).toBeNull();
    expect(d.armed).toBe(false);
    d.observe(ok(11), 11);
    d.observe(miss(12), 12);
    expect(d.observe(miss(13), 13)).not.toBeNull();
  });

  test('one probe reported twice (no answer yet, then unreachable) counts once', () => {
    const d = new Detector(3);
    d.observe(ok(1), 0);
    d.observe(miss(2), 1);
    d.observe(miss(2), 2);
    expect(d.consecutive).toBe(1);
    d.observe(miss(3), 3);
    d.observe(miss(3), 4);
    expect(d.observe(miss(4), 5)).toMatchObject({ misses: 3 });
  });

  test('fires once; misses: 1 fires at the first miss', () => {
    const d = new Detector(1);
    d.observe(ok(1), 0);
    expect(d.observe(miss(2), 1)).toEqual({ misses: 1, lastReplyMs: 0, firstMissMs: 1 });
    expect(d.observe(miss(3), 2)).toBeNull();
    expect(d.observe(ok(4), 3)).toBeNull();
    expect(d.observe(miss(5), 4)).toBeNull();
  });
});

describe("the controller's answers", () => {
  test('to a request: 202 accepted, 4xx rejected (give up), 5xx or no answer: retry', () => {
    expect(classifyAccept(202, { req_id: 'x', status: 'pending' })).toEqual({ kind: 'accepted' });
    expect(classifyAccept(409, { error: "no HA pair 'forbiz_utm'" })).toEqual({ kind: 'rejected', reason: "409: no HA pair 'forbiz_utm'" });
    expect(classifyAccept(422, { error: 'VLAN 2000 is shared' })).toMatchObject({ kind: 'rejected' });
    expect(classifyAccept(500, { error: 'boom' })).toEqual({ kind: 'retry', reason: '500: boom' });
    expect(classifyAccept(null, null, 'connect ECONNREFUSED 10.0.0.1:8080')).toEqual({ kind: 'retry', reason: 'connect ECONNREFUSED 10.0.0.1:8080' });
  });

  test('to a result poll: pending (poll again), success, failed with the reason, 404 (give up), retry', () => {
    expect(classifyPoll(200, { status: 'pending' })).toEqual({ kind: 'pending' });
    expect(classifyPoll(200, { status: 'success', elapsed_ms: 41.5 })).toEqual({ kind: 'success', elapsedMs: 41.5 });
    expect(classifyPoll(200, { status: 'success' })).toEqual({ kind: 'success', elapsedMs: null });
    expect(classifyPoll(200, { status: 'failed', reason: 'switch: timeout' })).toEqual({ kind: 'failed', reason: 'switch: timeout' });
    expect(classifyPoll(404, { error: "no init request 'x'" })).toEqual({ kind: 'rejected', reason: "404: no init request 'x'" });
    expect(classifyPoll(200, { status: 'done' })).toEqual({ kind: 'retry', reason: 'unexpected status "done"' });
    expect(classifyPoll(503, 'busy')).toEqual({ kind: 'retry', reason: '503: "busy"' });
    expect(classifyPoll(null, null, 'socket hang up')).toEqual({ kind: 'retry', reason: 'socket hang up' });
  });
});

test("the request body is the document's", () => {
  const body = haRequestBody({ vmName: 'forbiz_utm', master: { mgmt: '10.0.0.11', port: 22 }, slave: { mgmt: '10.0.0.12', port: 24 }, currentVlans: { orange: 'vlan113', green: 'vlan114' } }, '1111-2222-3333-5555');
  expect(body).toEqual({
    req_id: '1111-2222-3333-5555',
    vm_name: 'forbiz_utm',
    master_switch_physical_port: 22,
    slave_switch_physical_port: 24,
    current_vlans: { orange: 'vlan113', green: 'vlan114' },
  });
});

test('results are polled one period after another, from the request', () => {
  expect([1, 2, 3].map((k) => pollAt(1000, k, 5000))).toEqual([6000, 11000, 16000]);
  expect(pollAt(1000, 1, 500)).toBe(1500);
});

test("generated req_ids have the document's shape", () => {
  expect(newReqId(Uint8Array.from([0x11, 0x11, 0x22, 0x22, 0x33, 0x33, 0x44, 0x44]))).toBe('1111-2222-3333-4444');
  expect(newReqId(Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 255]))).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
});
