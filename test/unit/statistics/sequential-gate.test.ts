import fc from 'fast-check';
import {
  type Baseline,
  evaluateGate,
  MIN_REQUESTS_FOR_P99,
  type TargetHealth,
  type TrafficWindow,
  type Verdict,
} from '../../../shared/domain/gate';
import { GateSchema, type Gate } from '../../../shared/domain/gate';
import { gateArb } from '../../fixtures/specArbitraries';
import { limitPValue } from '../../../shared/domain/statistics/error-limit';

/** Defaults: sequential, α = β = 1 %, δ = +2 pp, maxErrorRate 1 %, maxP99Ms 1000, p99 ≤ live × 1.5 + 50 ms, minRequests 20. */
const GATE: Gate = GateSchema.parse({});
const HEALTHY: TargetHealth = { healthy: 2, unhealthy: 0, transitioning: 0 };
const NAMES = { candidate: 'green', baseline: 'blue' };
const window = (requests: number, errors = 0, p99Ms: number | null = 100): TrafficWindow => ({
  requests,
  errors,
  p50Ms: null,
  p99Ms,
});
const blue = (requests: number, errors = 0, p99Ms: number | null = 100): Baseline => ({
  window: window(requests, errors, p99Ms),
  names: NAMES,
});
const SETTINGS = '(α=1%, β=1%, δ=+2 pp)';
const RANK: Record<Verdict, number> = { fail: 0, inconclusive: 1, pass: 2 };

describe('evaluateGate (sequential)', () => {
  describe('5xx: new color against the live color on the same window', () => {
    it('fails a clearly worse new color, naming both rates, the counts, the error split, the boundary and the level', () => {
      // Act
      const result = evaluateGate(GATE, window(200, 39), HEALTHY, blue(1800, 2));

      // Assess
      expect(result.verdict).toBe('fail');
      expect(result.reasons[0]).toBe(
        '5xx rate 19.5% on green (39 of 200 requests) vs 0.1% on blue (2 of 1800 requests): 95.1% of 41 errors on green with 10.0% of the requests; log e-value 78.5 ≥ 5.3 (always-valid, α=0.5%)',
      );
    });

    it('passes a new color with evidence that it is within the limit and not worse by δ, before any fixed request count', () => {
      // Act
      const result = evaluateGate(GATE, window(3000, 12), HEALTHY, blue(27_000, 135));

      // Assess
      expect(result).toEqual({
        verdict: 'pass',
        reasons: [
          `5xx rate 0.4% on green (12 of 3000 requests) vs 0.5% on blue (135 of 27000 requests): 8.2% of 147 errors on green with 10.0% of the requests; log e-value -3.8 < 5.3, SPRT log-likelihood ratio -40.8 ≤ -4.6: not worse by +2 pp ${SETTINGS}`,
          `5xx rate 0.4% on green (12 of 3000 requests) within the 1% limit: log e-value 6.2 ≥ 4.6 (always-valid, ${SETTINGS.slice(1)}`,
          'p99 latency 100 ms ≤ 1000 ms',
          'p99 latency 100 ms on green ≤ 200 ms (blue p99 100 ms × 1.5 + 50 ms)',
        ],
      });
    });

    it('is inconclusive while the evidence is not enough either way, saying more requests are needed', () => {
      // Act
      const result = evaluateGate(GATE, window(200, 2), HEALTHY, blue(1800, 9));

      // Assess
      expect(result).toEqual({
        verdict: 'inconclusive',
        reasons: [
          `5xx rate 1.0% on green (2 of 200 requests) vs 0.5% on blue (9 of 1800 requests): 18.2% of 11 errors on green with 10.0% of the requests; log e-value -0.2 < 5.3, SPRT log-likelihood ratio -0.8 > -4.6, more requests needed ${SETTINGS}`,
          `5xx rate 1.0% on green (2 of 200 requests) against the 1% limit: log e-values -1.2 above (fails at 5.3), -0.5 below (passes at 4.6), more requests needed ${SETTINGS}`,
        ],
      });
    });

    it('needs 720 clean requests on the new color to pass when neither color errs (evidence of < 1 % at β = 1 %)', () => {
      // Act
      const before = evaluateGate(GATE, window(719), HEALTHY, blue(6471));
      const at = evaluateGate(GATE, window(720), HEALTHY, blue(6480));

      // Assess
      expect(before.verdict).toBe('inconclusive');
      expect(at.verdict).toBe('pass');
    });

    it('fails 1.5 % against the 1 % limit on evidence alone, with the live color just as bad', () => {
      // Act
      const result = evaluateGate(GATE, window(20_000, 300), HEALTHY, blue(180_000, 2700));

      // Assess
      expect(result.verdict).toBe('fail');
      expect(result.reasons).toEqual([
        expect.stringMatching(
          /^5xx rate 1\.5% on green \(300 of 20000 requests\) above the 1% limit: log e-value [\d.]+ ≥ 5\.3/,
        ),
      ]);
    });

    it('waits for minRequests on the live color before comparing, rather than skipping the comparison', () => {
      // Act
      const result = evaluateGate(GATE, window(500, 1), HEALTHY, blue(10));

      // Assess
      expect(result.verdict).toBe('inconclusive');
      expect(result.reasons[0]).toBe('comparison with blue needs 20 requests on it, 10 so far');
    });

    it('still fails on the limit while it waits for the live color', () => {
      // Act
      const result = evaluateGate(GATE, window(500, 50), HEALTHY, blue(10));

      // Assess
      expect(result.verdict).toBe('fail');
      expect(result.reasons[0]).toMatch(
        /^5xx rate 10\.0% on green \(50 of 500 requests\) above the 1% limit: log e-value 67\.5 ≥ 5\.3/,
      );
    });

    it('uses the configured rates, and names them', () => {
      // Prepare
      const gate = {
        ...GATE,
        falseRollbackRate: 0.05,
        missRate: 0.2,
        minDetectableIncrease: 0.005,
        maxErrorRate: 1,
      };

      // Act
      const result = evaluateGate(gate, window(2000, 30), HEALTHY, blue(18_000, 90));

      // Assess
      expect(result.verdict).toBe('fail');
      expect(result.reasons).toHaveLength(1);
      expect(result.reasons[0]).toMatch(/log e-value 9\.6 ≥ 3\.7 \(always-valid, α=2\.5%\)$/);
    });

    it('says "the new color" and "the live color" when the baseline has no names', () => {
      // Act
      const result = evaluateGate(GATE, window(200, 39), HEALTHY, { window: window(1800, 2) });

      // Assess
      expect(result.reasons[0]).toMatch(
        /^5xx rate 19\.5% on the new color \(39 of 200 requests\) vs 0\.1% on the live color \(2 of 1800 requests\)/,
      );
    });

    it('does not compare when compareWithBaseline is off, and says nothing about it', () => {
      // Act
      const result = evaluateGate(
        { ...GATE, compareWithBaseline: false },
        window(500, 8),
        HEALTHY,
        blue(4500, 0, 10),
      );

      // Assess
      expect(result.verdict).toBe('inconclusive');
      expect(result.reasons).toEqual([
        `5xx rate 1.6% on green (8 of 500 requests) against the 1% limit: log e-values -0.2 above (fails at 5.3), -2.0 below (passes at 4.6), more requests needed ${SETTINGS}`,
      ]);
    });
  });

  describe('5xx limit (maxErrorRate) and the bake: no live traffic to compare with', () => {
    it('falls back to the limit when the live color served no request, saying so', () => {
      // Act
      const result = evaluateGate(GATE, window(1200, 1), HEALTHY, blue(0, 0, null));

      // Assess
      expect(result).toEqual({
        verdict: 'pass',
        reasons: [
          `5xx rate 0.1% on green (1 of 1200 requests) within the 1% limit: log e-value 6.6 ≥ 4.6 (always-valid, ${SETTINGS.slice(1)}`,
          'p99 latency 100 ms ≤ 1000 ms',
          'no comparison with blue: it served no request in this window (as during the bake); 5xx judged on the 1.0% limit only',
        ],
      });
    });

    it('falls back to the limit without a baseline window', () => {
      // Act
      const result = evaluateGate(GATE, window(500, 25), HEALTHY);

      // Assess
      expect(result).toEqual({
        verdict: 'fail',
        reasons: [
          `5xx rate 5.0% on the new color (25 of 500 requests) above the 1% limit: log e-value 18.9 ≥ 5.3 (always-valid, ${SETTINGS.slice(1)}`,
        ],
      });
    });

    it('fails on the first error against a 0 % limit', () => {
      // Act
      const result = evaluateGate({ ...GATE, maxErrorRate: 0 }, window(300, 1), HEALTHY, blue(2700));

      // Assess
      expect(result.reasons).toEqual(['5xx rate 0.3% on green (1 of 300 requests) > the 0% limit']);
    });

    it('has no 5xx rule with a 100 % limit and no baseline, and says so', () => {
      // Act
      const result = evaluateGate({ ...GATE, maxErrorRate: 1 }, window(300, 300), HEALTHY);

      // Assess
      expect(result).toEqual({
        verdict: 'pass',
        reasons: [
          'p99 latency 100 ms ≤ 1000 ms',
          'no comparison with the live color: no baseline window; no 5xx rule applies',
        ],
      });
    });

    it('judges a bake the same with a zero-request live window as with none, whatever that window claims', () => {
      fc.assert(
        fc.property(
          fc
            .integer({ min: 0, max: 5000 })
            .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))),
          fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
          ([requests, errors], liveP99) => {
            // Act
            const bake = evaluateGate(GATE, window(requests, errors), HEALTHY, blue(0, 0, liveP99));
            const none = evaluateGate(GATE, window(requests, errors), HEALTHY);

            // Assess
            expect(bake.verdict).toBe(none.verdict);
          },
        ),
      );
    });
  });

  describe('p99 latency', () => {
    it('fails above live p99 × ratio + tolerance, naming the figures', () => {
      // Act
      const result = evaluateGate(GATE, window(500, 1, 400), HEALTHY, blue(4500, 20, 120));

      // Assess
      expect(result).toEqual({
        verdict: 'fail',
        reasons: ['p99 latency 400 ms on green > 230 ms (blue p99 120 ms × 1.5 + 50 ms)'],
      });
    });

    it('passes at exactly the tolerated p99', () => {
      // Act
      const result = evaluateGate(GATE, window(1500, 0, 230), HEALTHY, blue(13_500, 0, 120));

      // Assess
      expect(result.verdict).toBe('pass');
      expect(result.reasons).toContain(
        'p99 latency 230 ms on green ≤ 230 ms (blue p99 120 ms × 1.5 + 50 ms)',
      );
    });

    it(`waits for ${MIN_REQUESTS_FOR_P99} requests on the new color before comparing p99s`, () => {
      // Act
      const result = evaluateGate(GATE, window(60, 0, 400), HEALTHY, blue(540, 2, 120));

      // Assess
      expect(result.verdict).toBe('inconclusive');
      expect(result.reasons).toContain('p99 comparison with blue needs 100 requests on green, 60 so far');
    });

    it(`does not compare p99s when the live color has fewer than ${MIN_REQUESTS_FOR_P99} requests or no p99`, () => {
      // Act
      const few = evaluateGate(GATE, window(1500, 0, 900), HEALTHY, blue(99, 0, 10));
      const none = evaluateGate(GATE, window(1500, 0, 900), HEALTHY, blue(4500, 0, null));

      // Assess
      expect(few.verdict).toBe('pass');
      expect(none.verdict).toBe('pass');
      expect([...few.reasons, ...none.reasons].some((r) => r.includes('× 1.5'))).toBe(false);
    });

    it('keeps the absolute maximum as a hard limit even when the live color is as slow', () => {
      // Act
      const result = evaluateGate(GATE, window(500, 0, 1500), HEALTHY, blue(4500, 0, 1400));

      // Assess
      expect(result).toEqual({ verdict: 'fail', reasons: ['p99 latency 1500 ms > 1000 ms'] });
    });
  });

  describe('final look', () => {
    it('fails an observed rate above the limit at the final look, however slight, once the counts say something', () => {
      // Act
      // The live color as bad: only the limit can fail it.
      const result = evaluateGate(GATE, window(6000, 66), HEALTHY, blue(54_000, 594), { final: true });

      // Assess
      expect(result.verdict).toBe('fail');
      expect(result.reasons).toEqual([
        expect.stringMatching(
          /^final look: 5xx rate 1\.1% on green \(66 of 6000 requests\) above the 1% limit/,
        ),
      ]);
    });

    it('passes at the final look what a sequential look leaves inconclusive, if within the limit', () => {
      // Act
      const sequential = evaluateGate(GATE, window(300, 2), HEALTHY, blue(2700, 13));
      const final = evaluateGate(GATE, window(300, 2), HEALTHY, blue(2700, 13), { final: true });

      // Assess
      expect(sequential.verdict).toBe('inconclusive');
      expect(final.verdict).toBe('pass');
    });

    it('stays inconclusive below minRequests, even at the final look', () => {
      expect(evaluateGate(GATE, window(19), HEALTHY, blue(171), { final: true }).verdict).toBe(
        'inconclusive',
      );
    });

    it('is never inconclusive at the final look from minRequests on (property)', () => {
      fc.assert(
        fc.property(
          fc
            .integer({ min: 20, max: 50_000 })
            .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))),
          fc
            .integer({ min: 0, max: 100_000 })
            .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))),
          ([n, e], [ln, le]) => {
            expect(evaluateGate(GATE, window(n, e), HEALTHY, blue(ln, le), { final: true }).verdict).not.toBe(
              'inconclusive',
            );
          },
        ),
      );
    });
  });

  describe('interim look', () => {
    it('fails a rate just over the limit at the interim look on an exact test at α, and rolls back at once', () => {
      // Act
      // The live color at the limit too: only the limit can fail green.
      const interim = evaluateGate(GATE, window(2717, 46), HEALTHY, blue(24_453, 245), {
        final: false,
        interim: true,
      });
      const later = evaluateGate(GATE, window(2717, 46), HEALTHY, blue(24_453, 245));

      // Assess
      expect(interim.verdict).toBe('fail');
      expect(interim.atOnce).toBe(true);
      expect(interim.reasons).toEqual([
        'interim look: 5xx rate 1.7% on green (46 of 2717 requests) above the 1% limit: exact binomial p-value at 1% 0.00057 ≤ 1%',
      ]);
      // The same counts outside the look: the always-valid test alone, not yet enough.
      expect(later.verdict).toBe('inconclusive');
    });

    it('never passes at the interim look what the always-valid tests leave open', () => {
      const interim = evaluateGate(GATE, window(2700, 20), HEALTHY, blue(24_300, 240), {
        final: false,
        interim: true,
      });
      expect(interim.verdict).toBe('inconclusive');
    });

    it('fails a release exactly at the limit with probability ≤ α, and one at half of it ≤ α/10 (exact, property)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 20, max: 50_000 }), (n) => {
          // The fewest errors the interim look fails on (the live color as bad, so the limit alone decides).
          const fails = (k: number) =>
            evaluateGate(GATE, window(n, k), HEALTHY, blue(9 * n, Math.round(9 * n * 0.02)), {
              final: false,
              interim: true,
            }).verdict === 'fail';
          let k = Math.floor(n * 0.01);
          while (!fails(k)) k++;
          while (k > 0 && fails(k - 1)) k--;
          const limit = GATE.maxErrorRate;
          expect(limitPValue({ requests: n, errors: k }, limit)).toBeLessThanOrEqual(GATE.falseRollbackRate);
          expect(limitPValue({ requests: n, errors: k }, limit / 2)).toBeLessThanOrEqual(
            GATE.falseRollbackRate / 10,
          );
        }),
        { seed: 15, numRuns: 60 },
      );
    });
  });

  describe('ambiguous final look', () => {
    it('waits for more requests when the rate is above the limit on too few requests to say so, and passes at the last look', () => {
      // 4 errors in 300 requests: 1.3 % observed, but likely enough for a release at 0.5 %.
      const final = evaluateGate(GATE, window(300, 4), HEALTHY, blue(2700, 13), { final: true, last: false });
      const extended = evaluateGate(GATE, window(320, 4), HEALTHY, blue(2880, 14), {
        final: true,
        last: false,
        extended: true,
      });
      const back = evaluateGate(GATE, window(400, 4), HEALTHY, blue(3600, 18), {
        final: true,
        last: false,
        extended: true,
      });
      const last = evaluateGate(GATE, window(450, 6), HEALTHY, blue(4050, 20), { final: true, last: true });

      expect(final.verdict).toBe('inconclusive');
      expect(final.reasons[0]).toMatch(
        /^final look: 5xx rate 1\.3% on green \(4 of 300 requests\) above the 1% limit on too few requests/,
      );
      expect(extended.verdict).toBe('inconclusive');
      expect(back.verdict).toBe('pass');
      expect(last.verdict).toBe('pass');
      expect(last.reasons).toContainEqual(
        expect.stringMatching(/^last look: 5xx rate 1\.3% on green \(6 of 450 requests\)/),
      );
    });

    it('is inconclusive at a final look that is not the last only when the observed rate is above the limit (property)', () => {
      fc.assert(
        fc.property(
          fc
            .integer({ min: 20, max: 50_000 })
            .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))),
          ([n, e]) => {
            const v = evaluateGate(GATE, window(n, e), HEALTHY, blue(9 * n, Math.floor((9 * n) / 200)), {
              final: true,
              last: false,
            });
            if (v.verdict === 'inconclusive') expect(e / n).toBeGreaterThan(GATE.maxErrorRate);
          },
        ),
        { seed: 15 },
      );
    });
  });

  describe('latency histograms', () => {
    const bounds = [25, 50, 100, 200, 400];
    const withHistogram = (w: TrafficWindow, counts: number[]): TrafficWindow => ({
      ...w,
      latencyHistogram: { upperBoundsMs: bounds, counts },
    });

    it('fails a new color slower across the distribution, reporting the effect size, though its p99 is within the ratio', () => {
      // Act
      const result = evaluateGate(
        GATE,
        withHistogram(window(3000, 12, 150), [300, 900, 1200, 500, 100]),
        HEALTHY,
        { window: withHistogram(window(27_000, 135, 130), [5400, 10_800, 8100, 2430, 270]), names: NAMES },
      );

      // Assess
      expect(result.verdict).toBe('fail');
      expect(result.reasons).toEqual([
        expect.stringMatching(
          /^latency: green slower than blue in 6\d\.\d% of request pairs \(Cliff's δ 0\.\d\d; confidence sequence .* > 55\.0%$/,
        ),
      ]);
    });

    it('passes the same distribution on both colors', () => {
      // Act
      const result = evaluateGate(GATE, withHistogram(window(3000, 12), [600, 1200, 900, 270, 30]), HEALTHY, {
        window: withHistogram(window(27_000, 135), [5400, 10_800, 8100, 2430, 270]),
        names: NAMES,
      });

      // Assess
      expect(result.verdict).toBe('pass');
      expect(
        result.reasons.some((r) => /^latency: green slower than blue in 50\.0% .* < 55\.0%$/.test(r)),
      ).toBe(true);
    });
  });

  describe('target health and too few requests', () => {
    it('fails with too few healthy targets, even without traffic', () => {
      // Act
      const result = evaluateGate(
        GATE,
        window(0, 0, null),
        { healthy: 0, unhealthy: 2, transitioning: 0 },
        blue(0),
      );

      // Assess
      expect(result).toEqual({ verdict: 'fail', reasons: ['healthy targets 0 < 1 required'] });
    });

    it('lists the health failure with the statistical ones', () => {
      // Act
      const result = evaluateGate(
        GATE,
        window(200, 39),
        { healthy: 0, unhealthy: 1, transitioning: 0 },
        blue(1800, 2),
      );

      // Assess
      expect(result.verdict).toBe('fail');
      expect(result.reasons[0]).toBe('healthy targets 0 < 1 required');
      expect(result.reasons).toHaveLength(3);
    });

    it('is inconclusive below minRequests, even when every request failed', () => {
      // Act
      const result = evaluateGate(GATE, window(19, 19, 5000), HEALTHY, blue(171, 0));

      // Assess
      expect(result).toEqual({ verdict: 'inconclusive', reasons: ['19 requests < 20 needed for a verdict'] });
    });
  });

  describe('properties', () => {
    const sequentialGateArb = gateArb.map((g): Gate => ({ ...g, mode: 'sequential' }));
    const windowArb = (maxRequests: number) =>
      fc.integer({ min: 0, max: maxRequests }).chain((requests) =>
        fc.record({
          requests: fc.constant(requests),
          errors: fc.integer({ min: 0, max: requests }),
          p50Ms: fc.constant(null),
          p99Ms: fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), { nil: null }),
        }),
      );
    const baselineArb = fc.option(
      windowArb(50_000).map((w): Baseline => ({ window: w, names: NAMES })),
      { nil: undefined },
    );
    const healthArb = fc.record({
      healthy: fc.integer({ min: 0, max: 5 }),
      unhealthy: fc.integer({ min: 0, max: 5 }),
      transitioning: fc.integer({ min: 0, max: 5 }),
    });

    it('never passes with fewer than minRequests requests on the new color', () => {
      fc.assert(
        fc.property(
          sequentialGateArb,
          windowArb(20_000),
          baselineArb,
          healthArb,
          (gate, traffic, baseline, health) => {
            // Act
            const result = evaluateGate(gate, traffic, health, baseline);

            // Assess
            if (traffic.requests < gate.minRequests) expect(result.verdict).not.toBe('pass');
            if (result.verdict === 'pass') {
              expect(traffic.requests).toBeGreaterThanOrEqual(gate.minRequests);
              expect(health.healthy).toBeGreaterThanOrEqual(gate.minHealthyTargets);
            }
            expect(result.reasons.length).toBeGreaterThan(0);
          },
        ),
      );
    });

    it('never gets better with more errors on the new color (fail < inconclusive < pass)', () => {
      fc.assert(
        fc.property(
          sequentialGateArb,
          windowArb(20_000).chain((w) =>
            fc.tuple(
              fc.constant(w),
              fc.integer({ min: 0, max: w.requests }),
              fc.integer({ min: 0, max: w.requests }),
            ),
          ),
          baselineArb,
          healthArb,
          (gate, [traffic, a, b], baseline, health) => {
            // Prepare
            const [fewer, more] = a <= b ? [a, b] : [b, a];

            // Act
            const before = evaluateGate(gate, { ...traffic, errors: fewer }, health, baseline);
            const after = evaluateGate(gate, { ...traffic, errors: more }, health, baseline);

            // Assess
            expect(RANK[after.verdict]).toBeLessThanOrEqual(RANK[before.verdict]);
          },
        ),
      );
    });

    it('passes only once a comparison that can run has the live color at minRequests or more', () => {
      fc.assert(
        fc.property(sequentialGateArb, windowArb(20_000), baselineArb, (gate, traffic, baseline) => {
          // Act
          const result = evaluateGate(gate, traffic, HEALTHY, baseline);

          // Assess
          if (
            result.verdict === 'pass' &&
            gate.compareWithBaseline &&
            baseline &&
            baseline.window.requests > 0
          ) {
            expect(baseline.window.requests).toBeGreaterThanOrEqual(gate.minRequests);
          }
        }),
      );
    });
  });
});
