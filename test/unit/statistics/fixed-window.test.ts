import fc from 'fast-check';
import {
  decide,
  evaluateGate,
  type GateVerdict,
  type DecisionInput,
  type TrafficWindow,
  type Verdict,
} from '../../../shared/domain/gate';
import { GateSchema, type Gate } from '../../../shared/domain/gate';
import { parseSpec } from '../../fixtures/spec';
import { gateArb } from '../../fixtures/specArbitraries';

const FIXED: Gate = GateSchema.parse({ mode: 'fixed-window' });
const HEALTHY = { healthy: 2, unhealthy: 0, transitioning: 0 };
const window = (requests: number, errors = 0, p99Ms: number | null = 100): TrafficWindow => ({
  requests,
  errors,
  p50Ms: null,
  p99Ms,
});
const verdict = (v: Verdict, reasons = [`gate ${v}`]): GateVerdict => ({ verdict: v, reasons });

/** A 300 s window started at 0, deadline 900 s after it. */
const observation = (overrides: Partial<DecisionInput>): DecisionInput => ({
  gate: FIXED,
  verdict: verdict('pass'),
  previousFailures: 0,
  stepStartedAt: 0,
  holdSeconds: 300,
  deadlineAt: 1_200_000,
  now: 30_000,
  ...overrides,
});

describe('fixed-window gate (CodeDeploy canary with an alarm)', () => {
  describe('evaluateGate', () => {
    it('judges the thresholds on the window and ignores the live color', () => {
      // Act
      const alone = evaluateGate(FIXED, window(6000, 59), HEALTHY);
      const withBaseline = evaluateGate(FIXED, window(6000, 59), HEALTHY, { window: window(54_000, 0) });

      // Assess
      expect(withBaseline).toEqual(alone);
      expect(alone).toEqual({
        verdict: 'pass',
        reasons: ['5xx rate 1.0% ≤ 1.0%, p99 100 ms ≤ 1000 ms over 6000 requests'],
      });
    });
  });

  describe('decide', () => {
    it('waits before the window ends, even on a failing gate, saying when it will judge', () => {
      // Act
      const result = decide(
        observation({ verdict: verdict('fail', ['5xx rate 9.0% > 1.0%']), previousFailures: 5 }),
      );

      // Assess
      expect(result).toEqual({
        decision: 'wait',
        consecutiveFailures: 6,
        reasons: ['fixed window: judged when the 300 s window ends, in 270 s', '5xx rate 9.0% > 1.0%'],
      });
    });

    it('waits before the window ends on a passing gate', () => {
      // Act
      const result = decide(observation({ verdict: verdict('pass'), now: 299_999 }));

      // Assess
      expect(result.decision).toBe('wait');
    });

    it('advances on a pass when the window ends', () => {
      // Act
      const result = decide(observation({ verdict: verdict('pass'), now: 300_000 }));

      // Assess
      expect(result).toEqual({ decision: 'advance', consecutiveFailures: 0, reasons: ['gate pass'] });
    });

    it('rolls back on the first failure at the end of the window, whatever consecutiveFailures says', () => {
      // Act
      const result = decide(
        observation({
          gate: { ...FIXED, consecutiveFailures: 5 },
          verdict: verdict('fail', ['5xx rate 2.0% > 1.0%']),
          now: 300_000,
        }),
      );

      // Assess
      expect(result).toEqual({
        decision: 'rollback',
        consecutiveFailures: 1,
        reasons: ['gate failed at the end of the 300 s window', '5xx rate 2.0% > 1.0%'],
      });
    });

    it('waits after the window while inconclusive, then rolls back at the deadline', () => {
      // Act
      const waiting = decide(observation({ verdict: verdict('inconclusive'), now: 600_000 }));
      const late = decide(
        observation({ verdict: verdict('inconclusive', ['3 requests < 20']), now: 1_200_000 }),
      );

      // Assess
      expect(waiting).toEqual({ decision: 'wait', consecutiveFailures: 0, reasons: ['gate inconclusive'] });
      expect(late).toEqual({
        decision: 'rollback',
        consecutiveFailures: 0,
        reasons: ['step deadline passed without a passing gate (inconclusive)', '3 requests < 20'],
      });
    });

    it('never decides before the window ends, and counts failures like the sequential gate', () => {
      fc.assert(
        fc.property(
          gateArb.map((g): Gate => ({ ...g, mode: 'fixed-window' })),
          fc.constantFrom<Verdict>('pass', 'fail', 'inconclusive'),
          fc.integer({ min: 0, max: 100 }),
          fc.integer({ min: 0, max: 86_400 }),
          fc.integer({ min: 0, max: 200_000_000 }),
          (gate, v, previousFailures, holdSeconds, now) => {
            // Act
            const result = decide({
              gate,
              verdict: verdict(v),
              previousFailures,
              stepStartedAt: 0,
              holdSeconds,
              deadlineAt: (holdSeconds + gate.stepTimeoutSeconds) * 1000,
              now,
            });

            // Assess
            if (now < holdSeconds * 1000) expect(result.decision).toBe('wait');
            else if (v !== 'inconclusive')
              expect(result.decision).toBe(v === 'pass' ? 'advance' : 'rollback');
            const expected = { fail: previousFailures + 1, pass: 0, inconclusive: previousFailures };
            expect(result.consecutiveFailures).toBe(expected[v]);
          },
        ),
      );
    });
  });

  describe('the codedeploy-canary-10-5 preset', () => {
    it('is one 10 % step held 300 s with a fixed-window gate, then promotion; the bake keeps the spec gate', () => {
      // Act
      const spec = parseSpec({ plan: { preset: 'codedeploy-canary-10-5' }, gate: { maxErrorRate: 0.02 } });

      // Assess
      expect(spec.plan.steps).toEqual([
        { weight: 10, holdSeconds: 300, gate: { ...spec.gate, mode: 'fixed-window' } },
      ]);
      expect(spec.gate).toEqual(GateSchema.parse({ maxErrorRate: 0.02 }));
    });

    it('takes no options', () => {
      // Act / Assess
      expect(() =>
        parseSpec({ plan: { preset: 'codedeploy-canary-10-5', holdSeconds: 60 } as never }),
      ).toThrow(/spec\.plan/);
    });
  });
});
