import fc from 'fast-check';
import {
  combineVerdicts,
  decide,
  evaluateGate,
  type GateVerdict,
  type DecisionInput,
  type TargetHealth,
  type TrafficWindow,
  type Verdict,
} from '../../../shared/domain/gate';
import { GateSchema, type Gate } from '../../../shared/domain/gate';
import { gateArb } from '../../fixtures/specArbitraries';

/** maxErrorRate 1 %, maxP99Ms 1000, minHealthyTargets 1, minRequests 20, consecutiveFailures 2, sequential. */
const GATE: Gate = GateSchema.parse({});
/** The threshold rules of the classic gate, also the CodeDeploy-style preset's (sequential: test/unit/statistics). */
const FIXED: Gate = { ...GATE, mode: 'fixed-window' };
const fixedGateArb = gateArb.map((g): Gate => ({ ...g, mode: 'fixed-window' }));
const HEALTHY: TargetHealth = { healthy: 2, unhealthy: 0, transitioning: 0 };
const traffic = (requests: number, errors = 0, p99Ms: number | null = 100): TrafficWindow => ({
  requests,
  errors,
  p50Ms: p99Ms === null ? null : p99Ms / 2,
  p99Ms,
});

const RANK: Record<Verdict, number> = { fail: 0, inconclusive: 1, pass: 2 };

const healthArb = (gate: Gate, healthy: 'enough' | 'any') =>
  fc.record({
    healthy:
      healthy === 'enough'
        ? fc.integer({ min: gate.minHealthyTargets, max: 50 })
        : fc.integer({ min: 0, max: 50 }),
    unhealthy: fc.integer({ min: 0, max: 50 }),
    transitioning: fc.integer({ min: 0, max: 50 }),
  });
const p99Arb = fc.option(fc.double({ min: 0, max: 1_000_000, noNaN: true }), { nil: null });

describe('evaluateGate', () => {
  it('is inconclusive with too few requests, even when every request failed', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(19, 19, 5000), HEALTHY);

    // Assess
    expect(result).toEqual({ verdict: 'inconclusive', reasons: ['19 requests < 20 needed for a verdict'] });
  });

  it('is inconclusive with no traffic at all', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(0, 0, null), HEALTHY);

    // Assess
    expect(result.verdict).toBe('inconclusive');
  });

  it('is inconclusive, never pass, for any window below minRequests with enough healthy targets', () => {
    fc.assert(
      fc.property(
        gateArb.chain((gate) =>
          fc.tuple(
            fc.constant(gate),
            fc.integer({ min: 0, max: gate.minRequests - 1 }).chain((requests) =>
              fc.record({
                requests: fc.constant(requests),
                errors: fc.integer({ min: 0, max: requests }),
                p50Ms: p99Arb,
                p99Ms: p99Arb,
              }),
            ),
            healthArb(gate, 'enough'),
          ),
        ),
        ([gate, window, health]) => {
          // Act
          const result = evaluateGate(gate, window, health);

          // Assess
          expect(result.verdict).toBe('inconclusive');
          expect(result.reasons).toEqual([
            `${window.requests} requests < ${gate.minRequests} needed for a verdict`,
          ]);
        },
      ),
    );
  });

  it('fails when the 5xx rate is above the maximum, naming the rates and the counts', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(100, 5), HEALTHY);

    // Assess
    expect(result).toEqual({ verdict: 'fail', reasons: ['5xx rate 5.0% > 1.0% (5 of 100 requests)'] });
  });

  it('judges errors from exactly minRequests requests', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(20, 1), HEALTHY);

    // Assess
    expect(result).toEqual({ verdict: 'fail', reasons: ['5xx rate 5.0% > 1.0% (1 of 20 requests)'] });
  });

  it('passes at exactly the maximum 5xx rate', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(100, 1), HEALTHY);

    // Assess
    expect(result.verdict).toBe('pass');
  });

  it('fails when p99 latency is above the maximum, naming both', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(100, 0, 1500.4), HEALTHY);

    // Assess
    expect(result).toEqual({ verdict: 'fail', reasons: ['p99 latency 1500 ms > 1000 ms'] });
  });

  it('passes at exactly the maximum p99 latency', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(100, 0, 1000), HEALTHY);

    // Assess
    expect(result.verdict).toBe('pass');
  });

  it('fails with too few healthy targets even with no traffic', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(0, 0, null), { healthy: 0, unhealthy: 2, transitioning: 0 });

    // Assess
    expect(result).toEqual({ verdict: 'fail', reasons: ['healthy targets 0 < 1 required'] });
  });

  it('fails with too few healthy targets for any traffic', () => {
    fc.assert(
      fc.property(
        gateArb.filter((g) => g.minHealthyTargets > 0),
        fc.integer({ min: 0, max: 100_000 }),
        (gate, requests) => {
          // Prepare
          const health = { healthy: gate.minHealthyTargets - 1, unhealthy: 1, transitioning: 0 };

          // Act
          const result = evaluateGate(gate, traffic(requests, 0, 0), health);

          // Assess
          expect(result.verdict).toBe('fail');
          expect(result.reasons).toContain(
            `healthy targets ${gate.minHealthyTargets - 1} < ${gate.minHealthyTargets} required`,
          );
        },
      ),
    );
  });

  it('lists every failing rule at once', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(200, 50, 3000), {
      healthy: 0,
      unhealthy: 3,
      transitioning: 1,
    });

    // Assess
    expect(result).toEqual({
      verdict: 'fail',
      reasons: [
        'healthy targets 0 < 1 required',
        '5xx rate 25.0% > 1.0% (50 of 200 requests)',
        'p99 latency 3000 ms > 1000 ms',
      ],
    });
  });

  it('ignores latency and errors below minRequests: only target health can fail it', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(10, 10, 60_000), {
      healthy: 0,
      unhealthy: 1,
      transitioning: 0,
    });

    // Assess
    expect(result).toEqual({ verdict: 'fail', reasons: ['healthy targets 0 < 1 required'] });
  });

  it('passes within every threshold, stating the rate, the p99 and the request count', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(200, 1, 250.6), HEALTHY);

    // Assess
    expect(result).toEqual({
      verdict: 'pass',
      reasons: ['5xx rate 0.5% ≤ 1.0%, p99 251 ms ≤ 1000 ms over 200 requests'],
    });
  });

  it('passes without a p99 reading, saying so', () => {
    // Act
    const result = evaluateGate(FIXED, traffic(20, 0, null), HEALTHY);

    // Assess
    expect(result).toEqual({
      verdict: 'pass',
      reasons: ['5xx rate 0.0% ≤ 1.0%, p99 n/a ≤ 1000 ms over 20 requests'],
    });
  });

  it('passes with zero healthy targets when the gate requires none', () => {
    // Prepare
    const gate = { ...FIXED, minHealthyTargets: 0 };

    // Act
    const result = evaluateGate(gate, traffic(100), { healthy: 0, unhealthy: 0, transitioning: 0 });

    // Assess
    expect(result.verdict).toBe('pass');
  });

  it('never gets better as errors grow with requests fixed (fail < inconclusive < pass)', () => {
    fc.assert(
      fc.property(
        gateArb,
        fc
          .integer({ min: 0, max: 20_000 })
          .chain((requests) =>
            fc.tuple(
              fc.constant(requests),
              fc.integer({ min: 0, max: requests }),
              fc.integer({ min: 0, max: requests }),
            ),
          ),
        p99Arb,
        healthArb(GATE, 'any'),
        (gate, [requests, a, b], p99Ms, health) => {
          // Prepare
          const [fewer, more] = a <= b ? [a, b] : [b, a];

          // Act
          const before = evaluateGate(gate, traffic(requests, fewer, p99Ms), health);
          const after = evaluateGate(gate, traffic(requests, more, p99Ms), health);

          // Assess
          expect(RANK[after.verdict]).toBeLessThanOrEqual(RANK[before.verdict]);
        },
      ),
    );
  });

  it('passes only with enough requests and healthy targets, an error rate and p99 within limits', () => {
    fc.assert(
      fc.property(
        fixedGateArb,
        fc
          .integer({ min: 0, max: 20_000 })
          .chain((requests) => fc.tuple(fc.constant(requests), fc.integer({ min: 0, max: requests }))),
        p99Arb,
        healthArb(GATE, 'any'),
        (gate, [requests, errors], p99Ms, health) => {
          // Act
          const result = evaluateGate(gate, traffic(requests, errors, p99Ms), health);

          // Assess
          const shouldPass =
            requests >= gate.minRequests &&
            health.healthy >= gate.minHealthyTargets &&
            errors / requests <= gate.maxErrorRate &&
            (p99Ms === null || p99Ms <= gate.maxP99Ms);
          expect(result.verdict === 'pass').toBe(shouldPass);
          expect(result.reasons.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});

const verdict = (v: Verdict, reasons = [`gate ${v}`]): GateVerdict => ({ verdict: v, reasons });

/** Step started at 0, holds 60 s, deadline at 900 s; now is 30 s (inside the hold). */
const observation = (overrides: Partial<DecisionInput>): DecisionInput => ({
  gate: GATE,
  verdict: verdict('pass'),
  previousFailures: 0,
  stepStartedAt: 0,
  holdSeconds: 60,
  deadlineAt: 900_000,
  now: 30_000,
  ...overrides,
});

describe('decide', () => {
  it('rolls back when consecutive failures reach the limit, naming the count and the reasons', () => {
    // Act
    const result = decide(
      observation({ verdict: verdict('fail', ['5xx rate 9.0% > 1.0%']), previousFailures: 1 }),
    );

    // Assess
    expect(result).toEqual({
      decision: 'rollback',
      consecutiveFailures: 2,
      reasons: ['gate failed 2 consecutive evaluations', '5xx rate 9.0% > 1.0%'],
    });
  });

  it('rolls back at once on a failure at the interim look (a single test), however few failures came before', () => {
    // Act
    const result = decide(
      observation({
        verdict: { ...verdict('fail', ['interim look: 5xx rate 1.7%']), atOnce: true },
        previousFailures: 0,
        now: 120_000,
      }),
    );

    // Assess
    expect(result).toEqual({
      decision: 'rollback',
      consecutiveFailures: 1,
      reasons: ['gate failed at its interim look', 'interim look: 5xx rate 1.7%'],
    });
  });

  it('waits after a failure below the limit, counting it', () => {
    // Act
    const result = decide(observation({ verdict: verdict('fail'), previousFailures: 0, now: 120_000 }));

    // Assess
    expect(result).toEqual({ decision: 'wait', consecutiveFailures: 1, reasons: ['gate fail'] });
  });

  it('rolls back on the first failure when the limit is 1', () => {
    // Act
    const result = decide(
      observation({ gate: { ...GATE, consecutiveFailures: 1 }, verdict: verdict('fail') }),
    );

    // Assess
    expect(result.decision).toBe('rollback');
  });

  it('resets the failure count on a pass', () => {
    // Act
    const result = decide(observation({ verdict: verdict('pass'), previousFailures: 1 }));

    // Assess
    expect(result.consecutiveFailures).toBe(0);
  });

  it('keeps the failure count on an inconclusive evaluation', () => {
    // Act
    const result = decide(observation({ verdict: verdict('inconclusive'), previousFailures: 1 }));

    // Assess
    expect(result).toEqual({ decision: 'wait', consecutiveFailures: 1, reasons: ['gate inconclusive'] });
  });

  it('waits on a pass before the hold has elapsed', () => {
    // Act
    const result = decide(observation({ verdict: verdict('pass'), now: 59_999 }));

    // Assess
    expect(result).toEqual({
      decision: 'wait',
      consecutiveFailures: 0,
      reasons: [
        'gate passes; waiting until published data covers 59 of the 60 s hold (complete up to 0 s ago)',
        'gate pass',
      ],
    });
  });

  it('advances on a pass once the hold has elapsed, exactly at its end', () => {
    // Act
    const result = decide(observation({ verdict: verdict('pass'), now: 60_000 }));

    // Assess
    expect(result).toEqual({ decision: 'advance', consecutiveFailures: 0, reasons: ['gate pass'] });
  });

  it('advances on a pass with no hold right away', () => {
    // Act
    const result = decide(
      observation({ verdict: verdict('pass'), holdSeconds: 0, stepStartedAt: 5_000, now: 5_000 }),
    );

    // Assess
    expect(result.decision).toBe('advance');
  });

  it('rolls back when the deadline passes while inconclusive, mentioning the deadline', () => {
    // Act
    const result = decide(
      observation({ verdict: verdict('inconclusive', ['3 requests < 20']), now: 900_000 }),
    );

    // Assess
    expect(result).toEqual({
      decision: 'rollback',
      consecutiveFailures: 0,
      reasons: ['step deadline passed without a passing gate (inconclusive)', '3 requests < 20'],
    });
  });

  it('waits while inconclusive just before the deadline', () => {
    // Act
    const result = decide(observation({ verdict: verdict('inconclusive'), now: 899_999 }));

    // Assess
    expect(result.decision).toBe('wait');
  });

  it('rolls back at the deadline after a failure below the limit', () => {
    // Act
    const result = decide(observation({ verdict: verdict('fail'), now: 1_000_000 }));

    // Assess
    expect(result).toMatchObject({ decision: 'rollback', consecutiveFailures: 1 });
    expect(result.reasons[0]).toBe('step deadline passed without a passing gate (fail)');
  });

  it('advances on a pass that arrives after the deadline, once the hold has elapsed', () => {
    // Act
    const result = decide(observation({ verdict: verdict('pass'), now: 1_000_000 }));

    // Assess
    expect(result.decision).toBe('advance');
  });

  const inputArb = fc.record({
    gate: gateArb.map((g) => ({ ...g, mode: 'sequential' as const })),
    verdict: fc.constantFrom<Verdict>('pass', 'fail', 'inconclusive').map((v) => verdict(v)),
    previousFailures: fc.integer({ min: 0, max: 150 }),
    stepStartedAt: fc.integer({ min: 0, max: 1_000_000 }),
    holdSeconds: fc.integer({ min: 0, max: 86_400 }),
    deadlineAt: fc.integer({ min: 0, max: 200_000_000 }),
    now: fc.integer({ min: 0, max: 200_000_000 }),
  });

  it('rolls back whenever the consecutive failures reach the gate limit', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Act
        const result = decide(input);

        // Assess
        if (result.consecutiveFailures >= input.gate.consecutiveFailures) {
          expect(result.decision).toBe('rollback');
        }
      }),
    );
  });

  it('counts failures: +1 on fail, 0 on pass, unchanged when inconclusive', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Act
        const result = decide(input);

        // Assess
        const expected = { fail: input.previousFailures + 1, pass: 0, inconclusive: input.previousFailures };
        expect(result.consecutiveFailures).toBe(expected[input.verdict.verdict]);
      }),
    );
  });

  it('advances only on a pass after the hold, and waits only before the deadline', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Act
        const result = decide(input);

        // Assess
        const holdElapsed = input.now >= input.stepStartedAt + input.holdSeconds * 1000;
        if (result.decision === 'advance') {
          expect(input.verdict.verdict).toBe('pass');
          expect(holdElapsed).toBe(true);
        }
        if (result.decision === 'wait') expect(input.now).toBeLessThan(input.deadlineAt);
        if (input.verdict.verdict === 'pass' && holdElapsed) expect(result.decision).toBe('advance');
      }),
    );
  });
});

describe('combineVerdicts', () => {
  const pass = { verdict: 'pass' as const, reasons: ['traffic ok'] };
  const inconclusive = { verdict: 'inconclusive' as const, reasons: ['too few'] };
  const probeFail = { verdict: 'fail' as const, reasons: ['probe failed'] };
  const stopFail = { verdict: 'fail' as const, reasons: ['task stopped'] };

  it('fails when any signal fails, with the failing reasons only', () => {
    expect(combineVerdicts(pass, probeFail, stopFail)).toEqual({
      verdict: 'fail',
      reasons: ['probe failed', 'task stopped'],
    });
  });

  it('lets the primary verdict decide otherwise: side signals never pass a step', () => {
    expect(combineVerdicts(inconclusive, { verdict: 'pass', reasons: ['probes ok'] })).toEqual({
      verdict: 'inconclusive',
      reasons: ['too few', 'probes ok'],
    });
    expect(combineVerdicts(pass).verdict).toBe('pass');
  });
});
