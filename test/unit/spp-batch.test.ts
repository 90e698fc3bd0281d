/**
 * SPP command batches (seeds/003), pure: the memo's start and stop batches, every rejection case
 * (each names the command's index and leaves state and flows as they were), the flow table that
 * emulates a state, per-command step tables, framing of JSON documents on a stream.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  applyCommands,
  coresOfMask,
  emptyState,
  flowsFor,
  frame,
  handleMessage,
  MAX_COMMANDS,
  MAX_MESSAGE_BYTES,
  stepTables,
  type SppState,
  type VfConfig,
} from '../../src/plugins/services/spp/batch.js';

const cfg: VfConfig = { name: 'vf1', processId: 1, numVhost: 2, numRing: 4, nic: 'nic0', cores: coresOfMask('0x3ffd')! };
const M1 = '00:11:22:33:44:55';
const M2 = '00:11:22:33:44:66';

const none = (core: number) => ({ command: 'component', core_id: String(core), type: 'none' });
const comp = (core: number, type: string, rx: string[], tx: string[]) => ({ command: 'component', core_id: String(core), type, rx_ports: rx, tx_ports: tx });
const table = (mac: string, port: string) => ({ command: 'classifier_table', type: 'mac', value: mac, port });
const flush = { command: 'flush' };
const msg = (commands: unknown[]) => JSON.stringify({ commands });

/** The memo's start batch for vhost0 / 00:11:22:33:44:55, verbatim. */
const memoStart = [
  none(2),
  comp(2, 'classifier', ['nic0'], ['ring0']),
  comp(4, 'forward', ['ring0'], ['vhost0']),
  table(M1, 'unuse'),
  table(M1, 'ring0'),
  comp(5, 'forward', ['vhost0'], ['ring1']),
  none(3),
  comp(3, 'merge', ['ring1'], ['nic0']),
  flush,
];
/** The memo's stop batch (the last VM), verbatim. */
const memoStop = [none(2), table(M1, 'unuse'), none(4), none(3), none(5), flush];

function accept(state: SppState, commands: unknown[]): SppState {
  const r = handleMessage(cfg, state, msg(commands));
  if (!r.ok) throw new Error(`rejected at ${r.index}: ${r.error}`);
  return r.final;
}

/** VM1 running, as after the memo's start batch. */
const vm1 = () => accept(emptyState(), memoStart);

describe('memo batches', () => {
  test('the start batch wires classifier, forwards, MAC table and merge', () => {
    const s = vm1();
    expect(flowsFor(s)).toEqual([
      `cookie=0x2,priority=100,in_port=nic0,dl_dst=${M1},actions=output:ring0`,
      'cookie=0x3,priority=100,in_port=ring1-deq,actions=output:nic0',
      'cookie=0x4,priority=100,in_port=ring0-deq,actions=output:vhost0',
      'cookie=0x5,priority=100,in_port=vhost0,actions=output:ring1',
    ]);
  });

  test('the stop batch of the last VM clears everything', () => {
    const s = accept(vm1(), memoStop);
    expect(s).toEqual(emptyState());
    expect(flowsFor(s)).toEqual([]);
  });

  test('process needs no flush and changes nothing', () => {
    const before = vm1();
    const r = handleMessage(cfg, before, msg([{ command: 'process' }]));
    expect(r.ok && r.flush).toBe(false);
    expect(r.ok && r.final).toBe(before);
  });

  test('a second VM, classifier and merge re-registered with both rings', () => {
    const s = accept(vm1(), [
      none(2),
      comp(2, 'classifier', ['nic0'], ['ring0', 'ring2']),
      comp(6, 'forward', ['ring2'], ['vhost1']),
      table(M2, 'unuse'),
      table(M2, 'ring2'),
      comp(7, 'forward', ['vhost1'], ['ring3']),
      none(3),
      comp(3, 'merge', ['ring1', 'ring3'], ['nic0']),
      flush,
    ]);
    expect(flowsFor(s)).toHaveLength(8);
    expect(flowsFor(s)).toContain(`cookie=0x2,priority=100,in_port=nic0,dl_dst=${M2},actions=output:ring2`);
  });

  test('ports map to kernel names', () => {
    expect(flowsFor(vm1(), { ports: { nic0: 'k-nic0', vhost0: 'k-vh0' } })[0]).toContain('in_port=k-nic0');
  });
});

describe('rejections: the whole batch, with the index, nothing changed', () => {
  const cases: [string, unknown[] | string, number, RegExp][] = [
    ['unknown port', [comp(6, 'forward', ['ring9'], ['vhost1']), flush], 0, /unknown port ring9/],
    ['unknown port in the MAC table', [table(M2, 'vhost7'), flush], 0, /unknown port vhost7/],
    ['core already used', [comp(6, 'forward', ['ring2'], ['vhost1']), comp(4, 'forward', ['vhost1'], ['ring3']), flush], 1, /core 4 is already used by forward/],
    ['core not in the mask', [comp(1, 'forward', ['ring2'], ['vhost1']), flush], 0, /core 1 is not one of/],
    ['classifier with no destination', [none(2), comp(2, 'classifier', ['nic0'], []), flush], 1, /no destination/],
    ['classifier with tx_ports missing', [none(2), { command: 'component', core_id: '2', type: 'classifier', rx_ports: ['nic0'] }, flush], 1, /no destination/],
    ['bad MAC', [table('00:11:22:33:44', 'ring0'), flush], 0, /bad MAC/],
    ['broadcast MAC', [table('ff:ff:ff:ff:ff:ff', 'ring0'), flush], 0, /multicast or broadcast/],
    ['MAC already mapped elsewhere', [table(M1, 'ring2'), flush], 0, /already goes to ring0/],
    ['unknown command', [{ command: 'port' }, flush], 0, /unknown command "port"/],
    ['unknown component type', [comp(6, 'mirror', ['ring2'], ['vhost1']), flush], 0, /not classifier, merge, forward or none/],
    ['bad core id', [{ command: 'component', core_id: 'two', type: 'none' }, flush], 0, /core_id "two"/],
    ['forward the wrong way', [comp(6, 'forward', ['nic0'], ['vhost1']), flush], 0, /ring -> vhost or vhost -> ring/],
    ['port sent to twice', [comp(6, 'forward', ['vhost1'], ['ring1']), flush], 0, /ring1 is already sent to by the forward on core 5/],
    ['command after flush', [flush, none(4)], 1, /after flush/],
    ['MAC to a ring the classifier does not send to', [table(M2, 'ring2'), flush], 1, /at flush: MAC 00:11:22:33:44:66 goes to ring2/],
    ['classifier cleared while a MAC still points to a ring', [none(2), none(4), none(5), flush], 3, /no classifier is registered/],
    ['malformed JSON', '{"commands": [{"command": "flush"} }', -1, /malformed JSON/],
    ['not a batch', '["flush"]', -1, /"commands"/],
    ['empty batch', '{"commands": []}', -1, /no commands/],
    ['over the command limit', [...Array.from({ length: MAX_COMMANDS }, () => ({ command: 'process' })), flush], MAX_COMMANDS, /at most 64 commands/],
    ['over the byte limit', JSON.stringify({ commands: [{ command: 'process' }], pad: 'x'.repeat(MAX_MESSAGE_BYTES) }), -1, /over the limit/],
  ];
  test.each(cases)('%s', (_name, commands, index, error) => {
    const before = vm1();
    const snapshot = JSON.stringify(before);
    const flows = flowsFor(before);
    const r = handleMessage(cfg, before, typeof commands === 'string' ? commands : msg(commands));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.index).toBe(index);
    expect(r.error).toMatch(error);
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(flowsFor(before)).toEqual(flows);
  });
});

describe('apply per command', () => {
  test("the memo's batch for a second VM passes through states without VM1's classifier and merge", () => {
    const before = vm1();
    const r = applyCommands(cfg, before, [
      none(2),
      comp(2, 'classifier', ['nic0'], ['ring0', 'ring2']),
      comp(6, 'forward', ['ring2'], ['vhost1']),
      table(M2, 'ring2'),
      comp(7, 'forward', ['vhost1'], ['ring3']),
      none(3),
      comp(3, 'merge', ['ring1', 'ring3'], ['nic0']),
      flush,
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const steps = stepTables(before, r.states);
    const inbound = (t: string[]) => t.some((l) => l.includes(`dl_dst=${M1}`));
    const outbound = (t: string[]) => t.some((l) => l.includes('in_port=ring1-deq'));
    expect(steps.some((t) => !inbound(t))).toBe(true);
    expect(steps.some((t) => !outbound(t))).toBe(true);
  });

  test('the improved sequence never loses a rule of the running VM', () => {
    // Classifier and merge registered once with every ring; VM2 only adds forwards and its MAC.
    const start = accept(emptyState(), [comp(2, 'classifier', ['nic0'], ['ring0', 'ring2']), comp(3, 'merge', ['ring1', 'ring3'], ['nic0']), comp(4, 'forward', ['ring0'], ['vhost0']), comp(5, 'forward', ['vhost0'], ['ring1']), table(M1, 'ring0'), flush]);
    const vm1Rules = flowsFor(start);
    for (const batch of [
      [comp(6, 'forward', ['ring2'], ['vhost1']), comp(7, 'forward', ['vhost1'], ['ring3']), table(M2, 'ring2'), flush],
    ]) {
      const r = applyCommands(cfg, start, batch);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      for (const t of stepTables(start, r.states)) for (const rule of vm1Rules) expect(t).toContain(rule);
    }
  });
});

describe('framing and config', () => {
  test('documents split on their closing brace, strings respected', () => {
    const a = '{"commands": [{"command": "process", "x": "}{"}]}';
    expect(frame(`${a}\n{"comm`)).toEqual({ doc: a, rest: '\n{"comm' });
    expect(frame('{"commands": [')).toBeNull();
    expect(frame('hello\n{}')).toEqual({ doc: 'hello', rest: '{}' });
  });

  test("the memo's core mask: cores 2-13", () => {
    expect(coresOfMask('0x3ffd')).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(coresOfMask('3ffd')).toBeNull();
  });

  test("the lab files send the memo's batches verbatim", () => {
    const lab = parse(readFileSync('labs/spp-wiring.yaml', 'utf8')) as { phases: { exec?: { commands: string[][] } }[] };
    const sent = lab.phases.flatMap((p) => p.exec?.commands ?? []).filter((c) => c[0] === 'halab').map((c) => JSON.parse(c[3]!) as { commands: unknown[] });
    expect(sent.map((b) => b.commands)).toContainEqual(memoStart);
    expect(sent.map((b) => b.commands)).toContainEqual(memoStop);
  });
});
