import fc from 'fast-check';
import {
  binomialLogLikelihood,
  comparisonLogLikelihoodRatio,
  constrainedLiveRate,
  oneSampleLogLikelihoodRatio,
  sprtBoundaries,
  sprtOutcome,
  type ErrorCounts,
} from '../../../shared/domain/gate/sprt';

const counts = (requests: number, errors: number): ErrorCounts => ({ requests, errors });

/** Any window: requests up to 20 000, errors up to requests. */
const countsArb = (minRequests = 0) =>
  fc
    .integer({ min: minRequests, max: 20_000 })
    .chain((requests) =>
      fc.record({ requests: fc.constant(requests), errors: fc.integer({ min: 0, max: requests }) }),
    );
const deltaArb = fc.double({ min: 0.001, max: 0.5, noNaN: true });

describe('sprtBoundaries', () => {
  it("gives Wald's ln(β/(1−α)) and ln((1−β)/α): ±4.6 at α = β = 1 %", () => {
    // Act
    const b = sprtBoundaries(0.01, 0.01);

    // Assess
    expect(b.upper).toBeCloseTo(Math.log(99), 12);
    expect(b.lower).toBeCloseTo(-Math.log(99), 12);
  });

  it('is asymmetric when α ≠ β', () => {
    // Act
    const b = sprtBoundaries(0.05, 0.2);

    // Assess
    expect(b.upper).toBeCloseTo(Math.log(0.8 / 0.05), 12);
    expect(b.lower).toBeCloseTo(Math.log(0.2 / 0.95), 12);
  });

  it.each([
    [0, 0.1],
    [0.1, 0],
    [0.6, 0.5],
    [Number.NaN, 0.1],
  ])('rejects α=%d, β=%d', (alpha, beta) => {
    // Act / Assess
    expect(() => sprtBoundaries(alpha, beta)).toThrow(RangeError);
  });
});

describe('sprtOutcome', () => {
  const b = sprtBoundaries(0.01, 0.01);

  it.each([
    [b.upper, 'reject-h0'],
    [Infinity, 'reject-h0'],
    [b.lower, 'accept-h0'],
    [-Infinity, 'accept-h0'],
    [0, 'continue'],
    [b.upper - 1e-9, 'continue'],
    [b.lower + 1e-9, 'continue'],
  ])('classifies a log-likelihood ratio of %d as %s (boundaries inclusive)', (llr, outcome) => {
    // Act / Assess
    expect(sprtOutcome(llr, b)).toBe(outcome);
  });
});

describe('binomialLogLikelihood', () => {
  it('treats outcomes that never occurred as contributing nothing (0·ln 0 = 0)', () => {
    // Act / Assess
    expect(binomialLogLikelihood(counts(10, 0), 0)).toBe(0);
    expect(binomialLogLikelihood(counts(10, 10), 1)).toBe(0);
    expect(binomialLogLikelihood(counts(0, 0), 0.3)).toBe(0);
  });

  it('is −∞ for an outcome impossible at p', () => {
    // Act / Assess
    expect(binomialLogLikelihood(counts(10, 1), 0)).toBe(-Infinity);
  });
});

describe('oneSampleLogLikelihoodRatio', () => {
  it('adds ln(p1/p0) per error and ln((1−p1)/(1−p0)) per success', () => {
    // Act
    const llr = oneSampleLogLikelihoodRatio(counts(100, 5), 0.01, 0.03);

    // Assess
    expect(llr).toBeCloseTo(5 * Math.log(3) + 95 * Math.log(0.97 / 0.99), 12);
  });

  it('is +∞ for any error against a zero limit, and n·ln(1−p1) without errors', () => {
    // Act / Assess
    expect(oneSampleLogLikelihoodRatio(counts(300, 1), 0, 0.02)).toBe(Infinity);
    expect(oneSampleLogLikelihoodRatio(counts(300, 0), 0, 0.02)).toBeCloseTo(300 * Math.log(0.98), 12);
  });
});

/** The profile log-likelihood under p_new = q + delta, p_live = q. */
const profile = (c: ErrorCounts, l: ErrorCounts, delta: number, q: number) =>
  binomialLogLikelihood(c, Math.min(1, q + delta)) + binomialLogLikelihood(l, q);

describe('constrainedLiveRate', () => {
  it('is the pooled rate when delta is 0', () => {
    // Act / Assess
    expect(constrainedLiveRate(counts(100, 3), counts(900, 7), 0)).toBe(0.01);
    expect(constrainedLiveRate(counts(0, 0), counts(0, 0), 0)).toBe(0);
  });

  it('is 0 when no error supports a live rate above 0', () => {
    // Act / Assess
    expect(constrainedLiveRate(counts(200, 0), counts(1800, 0), 0.02)).toBe(0);
  });

  it('maximises the profile likelihood: no point of a fine grid does better', () => {
    fc.assert(
      fc.property(countsArb(), countsArb(), deltaArb, (c, l, delta) => {
        // Act
        const q = constrainedLiveRate(c, l, delta);

        // Assess
        expect(q).toBeGreaterThanOrEqual(0);
        expect(q).toBeLessThanOrEqual(1 - delta);
        const best = profile(c, l, delta, q);
        let bestOnGrid = -Infinity;
        for (let i = 0; i <= 200; i++)
          bestOnGrid = Math.max(bestOnGrid, profile(c, l, delta, ((1 - delta) * i) / 200));
        expect(best).toBeGreaterThanOrEqual(bestOnGrid - 1e-9 * Math.max(1, Math.abs(best)));
      }),
    );
  });

  it('puts the pooled rate between the live and the new rate of the alternative (q1 ≤ q0 ≤ q1 + δ)', () => {
    fc.assert(
      fc.property(countsArb(1), countsArb(1), deltaArb, (c, l, delta) => {
        // Act
        const q0 = constrainedLiveRate(c, l, 0);
        const q1 = constrainedLiveRate(c, l, delta);

        // Assess
        expect(q1).toBeLessThanOrEqual(q0 + 1e-12);
        expect(q0).toBeLessThanOrEqual(q1 + delta + 1e-12);
      }),
    );
  });
});

describe('comparisonLogLikelihoodRatio', () => {
  it('is n_new·ln(1−δ) when neither color has an error: 228 clean requests accept at α = β = 1 %, δ = 2 pp', () => {
    // Prepare
    const b = sprtBoundaries(0.01, 0.01);

    // Act
    const at227 = comparisonLogLikelihoodRatio(counts(227, 0), counts(2000, 0), 0.02);
    const at228 = comparisonLogLikelihoodRatio(counts(228, 0), counts(2000, 0), 0.02);

    // Assess
    expect(at228).toBeCloseTo(228 * Math.log(0.98), 10);
    expect(sprtOutcome(at227, b)).toBe('continue');
    expect(sprtOutcome(at228, b)).toBe('accept-h0');
  });

  it('approaches the one-sample ratio at the live rate when the live color is known precisely', () => {
    // Act
    const profiled = comparisonLogLikelihoodRatio(counts(400, 6), counts(40_000_000, 200_000), 0.02);
    const known = oneSampleLogLikelihoodRatio(counts(400, 6), 0.005, 0.025);

    // Assess
    expect(profiled).toBeCloseTo(known, 2);
  });

  it('is finite whenever both colors served requests', () => {
    fc.assert(
      fc.property(countsArb(1), countsArb(1), deltaArb, (c, l, delta) => {
        // Act / Assess
        expect(Number.isFinite(comparisonLogLikelihoodRatio(c, l, delta))).toBe(true);
      }),
    );
  });

  it('never decreases with one more error on the new color, nor increases with one more on the live color', () => {
    fc.assert(
      fc.property(
        countsArb(1).filter((c) => c.errors < c.requests),
        countsArb(1).filter((l) => l.errors < l.requests),
        deltaArb,
        (c, l, delta) => {
          // Act
          const llr = comparisonLogLikelihoodRatio(c, l, delta);
          const newWorse = comparisonLogLikelihoodRatio({ ...c, errors: c.errors + 1 }, l, delta);
          const liveWorse = comparisonLogLikelihoodRatio(c, { ...l, errors: l.errors + 1 }, delta);

          // Assess
          const tolerance = 1e-9 * Math.max(1, Math.abs(llr));
          expect(newWorse).toBeGreaterThanOrEqual(llr - tolerance);
          expect(liveWorse).toBeLessThanOrEqual(llr + tolerance);
        },
      ),
    );
  });
});
