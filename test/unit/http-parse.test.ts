import { describe, expect, test } from 'vitest';
import { parseHttpProbe } from '../../src/probes/http/parse.js';
import { timeOutageMs } from '../../src/probes/timed-flow.js';
import { analyzeFlow } from '../../src/probes/udp/analyze.js';

const line = (o: object) => JSON.stringify(o);

describe('http-probe output', () => {
  // 20 Hz: requests 3-6 fail (a timeout, two refused, a 503), then web-2 answers.
  const text = [
    line({ seq: 1, sentMs: 1000, recvMs: 1002, status: 200, by: 'web-1' }),
    line({ seq: 2, sentMs: 1050, recvMs: 1051, status: 200, by: 'web-1' }),
    line({ seq: 4, sentMs: 1150, error: 'connect ECONNREFUSED' }),
    line({ seq: 3, sentMs: 1100, error: 'timeout 1000 ms' }),
    line({ seq: 5, sentMs: 1200, error: 'connect ECONNREFUSED' }),
    line({ seq: 6, sentMs: 1250, recvMs: 1252, status: 503, by: 'no member', error: 'HTTP 503' }),
    line({ seq: 7, sentMs: 1300, recvMs: 1303, status: 200, by: 'web-2' }),
    '{"seq":8,"sentMs":13', // cut by the agent's exit
  ].join('\n');

  test('every request is sent, answered ones arrive, in sequence order', () => {
    const r = parseHttpProbe(text);
    expect(r.sent.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.arrivals.map((a) => a.seq)).toEqual([1, 2, 7]);
    expect(r.answeredBy).toEqual([
      { by: 'web-1', count: 2 },
      { by: 'web-2', count: 1 },
    ]);
    expect(r.errors).toEqual([
      { error: 'timeout 1000 ms', count: 1 },
      { error: 'connect ECONNREFUSED', count: 2 },
      { error: 'HTTP 503', count: 1 },
    ]);
  });

  test('outage by time: from the first failed request to the next answered one', () => {
    const r = parseHttpProbe(text);
    const stats = analyzeFlow({ rateHz: 20, sent: r.sent, arrivals: r.arrivals, refMs: 1000 });
    expect(stats.lost).toBe(4);
    expect(timeOutageMs(stats.lossWindows, r.sent, 20)).toBe(200);
  });
});
