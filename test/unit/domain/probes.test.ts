import fc from 'fast-check';
import {
  combineVerdicts,
  type GateVerdict,
  judgeProbes,
  judgeTargetHealth,
  probeFailure,
  type ProbeResult,
  summarizeProbes,
  type Verdict,
} from '../../../shared/domain/gate';
import { ProbesSchema, type ProbesConfig } from '../../../shared/domain/gate';

/** 10 requests, expect 200, ≤ 2000 ms, no failure tolerated. */
const PROBES: ProbesConfig = ProbesSchema.parse({ url: 'http://test.local/health' });
const ok = (latencyMs = 10): ProbeResult => ({ status: 200, latencyMs });
const status = (code: number, latencyMs = 10): ProbeResult => ({ status: code, latencyMs });
const RANK: Record<Verdict, number> = { fail: 0, inconclusive: 1, pass: 2 };

const resultArb: fc.Arbitrary<ProbeResult> = fc.oneof(
  fc.record({
    status: fc.constantFrom(200, 200, 200, 204, 404, 500, 503),
    latencyMs: fc.oneof(fc.nat(100), fc.nat(5000)),
  }),
  fc.record({
    status: fc.constant(null),
    latencyMs: fc.nat(5000),
    error: fc.constantFrom('ECONNREFUSED', 'timeout after 3000 ms'),
  }),
);
const configArb: fc.Arbitrary<ProbesConfig> = fc
  .record({
    requests: fc.integer({ min: 1, max: 30 }),
    maxFailures: fc.nat(5),
    maxLatencyMs: fc.integer({ min: 100, max: 4000 }),
    expectStatus: fc.subarray([200, 204, 404], { minLength: 1 }),
  })
  .filter((c) => c.maxFailures < c.requests)
  .map((c) => ({ ...PROBES, ...c }));

describe('probeFailure', () => {
  it('reports the first expectation a probe misses: response, status, body, then latency', () => {
    const withBody = { ...PROBES, bodyContains: 'ok' };

    expect(probeFailure(withBody, { status: null, latencyMs: 3000, error: 'timeout after 3000 ms' })).toEqual(
      {
        kind: 'no-response',
        error: 'timeout after 3000 ms',
      },
    );
    expect(probeFailure(withBody, { status: 503, latencyMs: 9000, body: '' })).toEqual({
      kind: 'status',
      status: 503,
    });
    expect(probeFailure(withBody, { status: 200, latencyMs: 9000, body: 'nope' })).toEqual({ kind: 'body' });
    expect(probeFailure(withBody, { status: 200, latencyMs: 2150, body: '{"ok":true}' })).toEqual({
      kind: 'latency',
      latencyMs: 2150,
    });
    expect(probeFailure(withBody, { status: 200, latencyMs: 2000, body: '{"ok":true}' })).toBeNull();
  });
});

describe('judgeProbes', () => {
  it('fails a round with more failures than allowed, naming each kind with its numbers', () => {
    const results = [...Array.from({ length: 7 }, () => ok()), status(503), status(503), ok(2150)];

    const verdict = judgeProbes(PROBES, results);

    expect(verdict).toEqual({
      verdict: 'fail',
      reasons: ['probes: 3 of 10 failed: 2× status 503 (expected 200), 1× 2150 ms > 2000 ms'],
    });
  });

  it('groups slow probes and probes with no response', () => {
    const results = [
      ...Array.from({ length: 6 }, () => ok()),
      ok(2500),
      ok(3100),
      { status: null, latencyMs: 1, error: 'ECONNREFUSED' },
      { status: null, latencyMs: 1, error: 'ECONNREFUSED' },
    ];

    expect(judgeProbes({ ...PROBES, expectStatus: [200, 204] }, results).reasons).toEqual([
      'probes: 4 of 10 failed: 2× slower than 2000 ms (up to 3100 ms), 2× no response (ECONNREFUSED)',
    ]);
  });

  it('passes a full round within the limits, with the slowest passing probe', () => {
    const verdict = judgeProbes(PROBES, [...Array.from({ length: 9 }, () => ok(12)), ok(40)]);

    expect(verdict).toEqual({
      verdict: 'pass',
      reasons: ['probes: 10 of 10 passed, slowest 40 ms ≤ 2000 ms'],
    });
  });

  it('passes with tolerated failures, and says so', () => {
    const verdict = judgeProbes({ ...PROBES, maxFailures: 1 }, [
      ...Array.from({ length: 9 }, () => ok()),
      status(500),
    ]);

    expect(verdict).toEqual({
      verdict: 'pass',
      reasons: [
        'probes: 9 of 10 passed (1 failed, ≤ 1 allowed: 1× status 500 (expected 200)), slowest 10 ms ≤ 2000 ms',
      ],
    });
  });

  it('is inconclusive with fewer results than requested, and with none', () => {
    expect(judgeProbes(PROBES, [ok(), ok(), ok()])).toEqual({
      verdict: 'inconclusive',
      reasons: ['probes: 3 results < 10 needed for a verdict'],
    });
    expect(judgeProbes(PROBES, []).verdict).toBe('inconclusive');
  });

  it('fails on a missing body text', () => {
    const config = { ...PROBES, requests: 2, bodyContains: '"version":"v2"' };

    expect(
      judgeProbes(config, [
        { status: 200, latencyMs: 5, body: '{"version":"v2"}' },
        { status: 200, latencyMs: 5, body: '{"version":"v1"}' },
      ]).reasons,
    ).toEqual(['probes: 1 of 2 failed: 1× body without "\\"version\\":\\"v2\\""']);
  });

  it('never passes with fewer results than requested', () => {
    fc.assert(
      fc.property(configArb, fc.array(resultArb, { maxLength: 40 }), (config, results) => {
        fc.pre(results.length < config.requests);
        expect(judgeProbes(config, results).verdict).not.toBe('pass');
      }),
    );
  });

  it('makes a pass no more likely when a probe fails instead of passing (monotone in failures)', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(resultArb, { maxLength: 40 }),
        fc.nat(),
        resultArb,
        (config, results, at, replacement) => {
          fc.pre(results.length > 0);
          const index = at % results.length;
          fc.pre(
            probeFailure(config, results[index]!) === null && probeFailure(config, replacement) !== null,
          );
          const worse = results.map((r, i) => (i === index ? replacement : r));

          expect(RANK[judgeProbes(config, worse).verdict]).toBeLessThanOrEqual(
            RANK[judgeProbes(config, results).verdict],
          );
        },
      ),
    );
  });

  it('judges one more failing probe no better than one more passing probe', () => {
    // (One more result of either kind may complete a round; the failing one never helps more.)
    fc.assert(
      fc.property(
        configArb,
        fc.array(resultArb, { maxLength: 40 }),
        resultArb,
        (config, results, failing) => {
          fc.pre(probeFailure(config, failing) !== null);
          const passing: ProbeResult = { status: config.expectStatus[0]!, latencyMs: 0 };

          expect(RANK[judgeProbes(config, [...results, failing]).verdict]).toBeLessThanOrEqual(
            RANK[judgeProbes(config, [...results, passing]).verdict],
          );
        },
      ),
    );
  });

  it('never turns a failing round into a pass by adding failing probes', () => {
    fc.assert(
      fc.property(configArb, fc.array(resultArb, { maxLength: 40 }), resultArb, (config, results, extra) => {
        fc.pre(probeFailure(config, extra) !== null && judgeProbes(config, results).verdict === 'fail');

        expect(judgeProbes(config, [...results, extra]).verdict).toBe('fail');
      }),
    );
  });

  it('does not depend on the order of the results, and counts every failure once', () => {
    fc.assert(
      fc.property(configArb, fc.array(resultArb, { maxLength: 40 }), (config, results) => {
        const reversed = [...results].reverse();
        const failed = results.filter((r) => probeFailure(config, r) !== null).length;

        expect(judgeProbes(config, reversed).verdict).toBe(judgeProbes(config, results).verdict);
        expect(summarizeProbes(config, results).failed).toBe(failed);
        if (failed > config.maxFailures) {
          expect(judgeProbes(config, results).reasons[0]).toContain(`${failed} of ${results.length} failed`);
        }
      }),
    );
  });

  it('never passes a step on its own: combined with the traffic verdict, only a traffic pass passes', () => {
    const verdictArb = fc.constantFrom<GateVerdict>(
      { verdict: 'pass', reasons: ['traffic ok'] },
      { verdict: 'inconclusive', reasons: ['too few requests'] },
      { verdict: 'fail', reasons: ['5xx'] },
    );
    fc.assert(
      fc.property(
        verdictArb,
        configArb,
        fc.array(resultArb, { maxLength: 40 }),
        (traffic, config, results) => {
          const probes = judgeProbes(config, results);
          const combined = combineVerdicts(traffic, probes);

          if (combined.verdict === 'pass') expect(traffic.verdict).toBe('pass');
          if (probes.verdict === 'fail') expect(combined.verdict).toBe('fail');
          expect(RANK[combined.verdict]).toBeLessThanOrEqual(RANK[traffic.verdict]);
        },
      ),
    );
  });
});

describe('summarizeProbes', () => {
  it('counts statuses, failures and the slowest response', () => {
    const summary = summarizeProbes(PROBES, [
      ok(12),
      status(503, 30),
      { status: null, latencyMs: 3000, error: 'timeout after 3000 ms' },
    ]);

    expect(summary).toEqual({
      requests: 3,
      failed: 2,
      maxLatencyMs: 30,
      statuses: { '200': 1, '503': 1, none: 1 },
    });
  });
});

describe('judgeTargetHealth', () => {
  it('fails below the required healthy targets and passes otherwise', () => {
    expect(judgeTargetHealth({ healthy: 0, unhealthy: 2, transitioning: 1 }, 1)).toEqual({
      verdict: 'fail',
      reasons: ['healthy targets 0 < 1 required (2 unhealthy, 1 transitioning)'],
    });
    expect(judgeTargetHealth({ healthy: 2, unhealthy: 0, transitioning: 0 }, 1).verdict).toBe('pass');
  });
});
