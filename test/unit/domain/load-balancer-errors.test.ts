import fc from 'fast-check';
import {
  DEFAULT_MAX_LOAD_BALANCER_ERROR_INCREASE,
  GateSchema,
  GateOverridesSchema,
  judgeLoadBalancerErrors,
  LOAD_BALANCER_BASELINE_SECONDS,
  loadBalancerBaselineWindow,
  loadBalancerErrorRate,
  type LoadBalancerReadings,
  type LoadBalancerWindow,
} from '../../../shared/domain/gate';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const LB = 'app/web/50dc6c495c0c9188';
const RULE = { maxLoadBalancerErrorIncrease: 0.005, minRequests: 20 };

const lbWindow = (
  requests: number,
  errors: number,
  over: Partial<LoadBalancerWindow> = {},
): LoadBalancerWindow => ({
  loadBalancer: LB,
  requests,
  errors,
  from: T0,
  until: T0 + 120_000,
  periodSeconds: 60,
  ...over,
});
const readings = (
  step: LoadBalancerWindow,
  baseline = lbWindow(10_000, 5, { from: T0 - 600_000, until: T0 }),
) => ({
  step,
  baseline,
});

describe('judgeLoadBalancerErrors', () => {
  it('fails a rise of the load balancer’s own 5xx above the limit, naming the load balancer as the source shared by both colors, with numbers', () => {
    // Prepare: 5 % of requests are ELB 502/504 now, 0.05 % before the deployment
    const step = lbWindow(2_000, 100, { byStatus: { '502': 70, '503': 0, '504': 30 } });

    // Act
    const verdict = judgeLoadBalancerErrors(RULE, T0, readings(step));

    // Assess
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons).toEqual([
      `load-balancer 5xx (source: load balancer ${LB}, shared by both colors): 100 of 2000 requests, 5.00 %; 502 ×70, 503 ×0, 504 ×30 since it began ` +
        'vs 5 of 10000 requests, 0.05 % in the 600 s before the deployment: +4.95 points, above the +0.50 points limit (gate.maxLoadBalancerErrorIncrease)',
    ]);
  });

  it('passes a level no higher than before the deployment plus the limit', () => {
    // Act: 0.5 % now vs 0.05 % before: +0.45 points
    const verdict = judgeLoadBalancerErrors(RULE, T0, readings(lbWindow(2_000, 10)));

    // Assess
    expect(verdict.verdict).toBe('pass');
    expect(verdict.reasons[0]).toMatch(/\+0\.45 points, within \+0\.50 points$/);
  });

  it('is inconclusive, never pass, while no published period holds any of the step', () => {
    // Act: data complete only up to the step's start
    const verdict = judgeLoadBalancerErrors(RULE, T0, readings(lbWindow(0, 0, { until: T0 })));

    // Assess
    expect(verdict.verdict).toBe('inconclusive');
    expect(verdict.reasons[0]).toMatch(/no published period since it began yet/);
  });

  it('is inconclusive with fewer load-balancer requests than minRequests', () => {
    expect(judgeLoadBalancerErrors(RULE, T0, readings(lbWindow(19, 1))).verdict).toBe('inconclusive');
  });

  it('takes a baseline without traffic as 0 %, the strictest reading', () => {
    // Act
    const verdict = judgeLoadBalancerErrors(RULE, T0, readings(lbWindow(1_000, 10), lbWindow(0, 0)));

    // Assess
    expect(verdict.verdict).toBe('fail');
    expect(verdict.reasons[0]).toMatch(/no traffic before the deployment \(taken as 0 %\)/);
  });

  it('counts a window of only 503s sent before any target was chosen (no RequestCount) as 100 %', () => {
    expect(loadBalancerErrorRate({ requests: 0, errors: 40 })).toBe(1);
    expect(judgeLoadBalancerErrors(RULE, T0, readings(lbWindow(0, 40))).verdict).toBe('fail');
  });

  it('judges nothing when the limit is null or the source has no separate figure', () => {
    const bad = readings(lbWindow(1_000, 1_000));
    expect(judgeLoadBalancerErrors({ ...RULE, maxLoadBalancerErrorIncrease: null }, T0, bad)).toEqual({
      verdict: 'pass',
      reasons: [],
    });
    expect(judgeLoadBalancerErrors(RULE, T0, null)).toEqual({ verdict: 'pass', reasons: [] });
  });

  it('fails exactly when the rate rose by more than the limit, and never fails a level at or below the baseline', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 1_000_000 }),
        fc.nat(1_000_000),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.nat(1_000_000),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (requests, errorsRaw, baseRequests, baseErrorsRaw, limit) => {
          const errors = errorsRaw % (requests + 1);
          const baseErrors = baseErrorsRaw % (baseRequests + 1);
          const step = lbWindow(requests, errors);
          const baseline = lbWindow(baseRequests, baseErrors, { from: T0 - 600_000, until: T0 });
          const verdict = judgeLoadBalancerErrors(
            { maxLoadBalancerErrorIncrease: limit, minRequests: 20 },
            T0,
            { step, baseline },
          );
          const increase = loadBalancerErrorRate(step) - loadBalancerErrorRate(baseline);
          expect(verdict.verdict).toBe(increase > limit ? 'fail' : 'pass');
          if (loadBalancerErrorRate(step) <= loadBalancerErrorRate(baseline))
            expect(verdict.verdict).toBe('pass');
          // Every judged verdict names its source.
          expect(verdict.reasons.join(' ')).toContain(`load balancer ${LB}, shared by both colors`);
        },
      ),
    );
  });

  it('never passes on data that holds none of the step, whatever the counts', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.nat(10_000),
        fc.integer({ min: -600_000, max: 0 }),
        (requests, errors, lag) => {
          const readingsLate: LoadBalancerReadings = readings(
            lbWindow(requests, errors, { until: T0 + lag }),
          );
          expect(judgeLoadBalancerErrors(RULE, T0, readingsLate).verdict).toBe('inconclusive');
        },
      ),
    );
  });

  it('keeps the rate a share: between 0 and 1 for any counts', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (requests, errors) => {
        const rate = loadBalancerErrorRate({ requests, errors });
        expect(rate).toBeGreaterThanOrEqual(0);
        expect(rate).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('loadBalancerBaselineWindow', () => {
  it('is the whole periods in the 600 s before the deployment began', () => {
    expect(loadBalancerBaselineWindow(T0 + 90_000, 60)).toEqual({
      from: T0 + 60_000 - 600_000,
      to: T0 + 60_000,
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 42 }), fc.constantFrom(1, 60, 300), (startedAt, period) => {
        const { from, to } = loadBalancerBaselineWindow(startedAt, period);
        expect(to).toBeLessThanOrEqual(startedAt);
        expect(startedAt - to).toBeLessThan(period * 1000);
        expect(to - from).toBe(LOAD_BALANCER_BASELINE_SECONDS * 1000);
      }),
    );
  });
});

describe('gate.maxLoadBalancerErrorIncrease', () => {
  it('defaults to +0.5 points and accepts null (not judged)', () => {
    expect(GateSchema.parse({}).maxLoadBalancerErrorIncrease).toBe(DEFAULT_MAX_LOAD_BALANCER_ERROR_INCREASE);
    expect(GateSchema.parse({ maxLoadBalancerErrorIncrease: null }).maxLoadBalancerErrorIncrease).toBeNull();
    expect(GateOverridesSchema.parse({ maxLoadBalancerErrorIncrease: 0.02 })).toEqual({
      maxLoadBalancerErrorIncrease: 0.02,
    });
  });

  it('refuses a value that is not a share, naming the field', () => {
    for (const bad of [-0.1, 1.5, '0.01']) {
      const result = GateSchema.safeParse({ maxLoadBalancerErrorIncrease: bad });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['maxLoadBalancerErrorIncrease']);
    }
  });
});
