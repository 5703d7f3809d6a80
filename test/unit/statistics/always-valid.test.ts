/**
 * The statistics module's guarantees, checked exactly where they can be (the expectation of an
 * e-value under its null, summed over every outcome) and by seeded simulation where they cannot
 * (error rates under continuous monitoring).
 */
import fc from 'fast-check';
import {
  comparisonEvidence,
  compareHistograms,
  confidenceSequenceMultiplier,
  limitEvidence,
  limitPValue,
  logBinomialCdf,
  logGamma,
  logIncompleteBeta,
  probabilitySlowerBounds,
  seededRandom,
  binomial,
  type LatencyHistogram,
} from '../../../shared/domain/statistics';

/** ln P(X = k) for X ~ Binomial(n, p). */
const logPmf = (k: number, n: number, p: number) =>
  logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);

describe('special functions', () => {
  it('match known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    // I_0.5(2, 3) = 11/16.
    expect(Math.exp(logIncompleteBeta(2, 3, 0.5).lower)).toBeCloseTo(11 / 16, 12);
  });

  it('give the binomial distribution function both as a sum and through the incomplete beta', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.double({ min: 0.0005, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, p, share) => {
          const k = Math.min(n - 1, Math.floor(share * n * p * 3));
          const bySum = logBinomialCdf(k, n, p);
          const byBeta = logIncompleteBeta(k + 1, n - k, p).upper;
          expect(Math.abs(Math.exp(bySum) - Math.exp(byBeta))).toBeLessThan(1e-9);
          expect(limitPValue({ requests: n, errors: k + 1 }, p)).toBeCloseTo(1 - Math.exp(bySum), 9);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('limitEvidence', () => {
  it('has expectation at most 1 under its null at any sample size: "above" for rates ≤ the limit, "below" for rates ≥ it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom(0.001, 0.01, 0.05, 0.2),
        fc.double({ min: 0.2, max: 1, noNaN: true }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        (n, limit, under, over) => {
          const pUnder = limit * under;
          const pOver = Math.min(0.99, limit * over);
          let above = 0;
          let below = 0;
          for (let k = 0; k <= n; k++) {
            const e = limitEvidence({ requests: n, errors: k }, limit, 0.02);
            above += Math.exp(logPmf(k, n, pUnder) + e.above);
            below += Math.exp(logPmf(k, n, pOver) + e.below);
          }
          expect(above).toBeLessThanOrEqual(1 + 1e-9);
          expect(below).toBeLessThanOrEqual(1 + 1e-9);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('grows with errors for "above" and shrinks for "below"', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 0, max: 500 }), (n, k0) => {
        const k = Math.min(n - 1, k0);
        const fewer = limitEvidence({ requests: n, errors: k }, 0.01, 0.02);
        const more = limitEvidence({ requests: n, errors: k + 1 }, 0.01, 0.02);
        expect(more.above).toBeGreaterThanOrEqual(fewer.above - 1e-9);
        expect(more.below).toBeLessThanOrEqual(fewer.below + 1e-9);
      }),
    );
  });

  it('leaves no rate above the limit out: 1.05 % against 1 % is caught, given the traffic', () => {
    const n = 4_000_000;
    expect(limitEvidence({ requests: n, errors: 0.0105 * n }, 0.01, 0.02).above).toBeGreaterThan(
      Math.log(200),
    );
  });

  it('rejects bad limits and speeds by name', () => {
    expect(() => limitEvidence({ requests: 1, errors: 0 }, 0, 0.02)).toThrow(/limit/);
    expect(() => limitEvidence({ requests: 1, errors: 0 }, 0.01, 0)).toThrow(/rise/);
  });

  it('crosses 1/α under continuous monitoring no more often than α (seeded, rate at the limit)', () => {
    const random = seededRandom(21);
    const runs = 200;
    let crossed = 0;
    for (let r = 0; r < runs; r++) {
      let errors = 0;
      for (let n = 1; n <= 2000; n++) {
        if (random() < 0.01) errors++;
        if (n % 40 === 0 && limitEvidence({ requests: n, errors }, 0.01, 0.02).above >= Math.log(1 / 0.05)) {
          crossed++;
          break;
        }
      }
    }
    expect(crossed / runs).toBeLessThanOrEqual(0.05 + 3 * Math.sqrt((0.05 * 0.95) / runs));
  });
});

describe('comparisonEvidence', () => {
  it('has expectation 1 when errors fall on each color in proportion to its traffic, whatever their number', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.double({ min: 0.02, max: 0.9, noNaN: true }),
        (k, w) => {
          const requests = 1_000_000;
          const candidateRequests = Math.round(w * requests);
          const share = candidateRequests / requests;
          let expectation = 0;
          for (let g = 0; g <= k; g++) {
            const e = comparisonEvidence(
              { requests: candidateRequests, errors: g },
              { requests: requests - candidateRequests, errors: k - g },
            );
            expectation += Math.exp(logPmf(g, k, share) + e);
          }
          expect(expectation).toBeCloseTo(1, 6);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('is 0 without errors, and grows with the new color’s errors', () => {
    expect(comparisonEvidence({ requests: 100, errors: 0 }, { requests: 900, errors: 0 })).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (g, l) => {
        const fewer = comparisonEvidence({ requests: 1000, errors: g }, { requests: 9000, errors: l });
        const more = comparisonEvidence({ requests: 1000, errors: g + 1 }, { requests: 9000, errors: l });
        expect(more).toBeGreaterThanOrEqual(fewer - 1e-9);
      }),
    );
  });
});

describe('latency rank comparison', () => {
  const bounds = [10, 20, 50, 100, 200];
  const h = (counts: number[]): LatencyHistogram => ({ upperBoundsMs: bounds, counts });

  it('is 0.5 for the same histogram and 1 when every new-color request is in a slower bucket', () => {
    expect(compareHistograms(h([5, 10, 20, 10, 5]), h([5, 10, 20, 10, 5]))!.probabilitySlower).toBeCloseTo(
      0.5,
      12,
    );
    const slower = compareHistograms(h([0, 0, 0, 0, 3, 7]), h([4, 6, 0, 0, 0]))!;
    expect(slower.probabilitySlower).toBe(1);
    expect(slower.cliffsDelta).toBe(1);
  });

  it('equals the Mann–Whitney U / (n·m) counted pair by pair, ties one half', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 6, maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 6, maxLength: 6 }),
        (g, b) => {
          const result = compareHistograms(h(g), h(b));
          const ng = g.reduce((x, y) => x + y, 0);
          const nb = b.reduce((x, y) => x + y, 0);
          if (ng === 0 || nb === 0) return expect(result).toBeNull();
          let u = 0;
          g.forEach((gi, i) => b.forEach((bj, j) => (u += gi * bj * (i > j ? 1 : i === j ? 0.5 : 0))));
          expect(result!.probabilitySlower).toBeCloseTo(u / (ng * nb), 12);
        },
      ),
    );
  });

  it('names the field at fault in a malformed histogram', () => {
    expect(() => compareHistograms(h([1, 2]), h([1, 2, 3, 4, 5]))).toThrow(
      /candidate latencyHistogram\.counts/,
    );
    expect(() => compareHistograms({ upperBoundsMs: [20, 10], counts: [1, 1] }, h([1, 2, 3, 4, 5]))).toThrow(
      /upperBoundsMs\[1\]/,
    );
    expect(() =>
      compareHistograms(h([1, 2, 3, 4, 5]), { upperBoundsMs: [1, 2, 3, 4, 6], counts: [1, 1, 1, 1, 1] }),
    ).toThrow(/same buckets/);
  });

  it('widens its confidence sequence with α and narrows it with traffic', () => {
    expect(confidenceSequenceMultiplier(500, 0.005)).toBeGreaterThan(confidenceSequenceMultiplier(500, 0.05));
    const few = compareHistograms(h([5, 10, 20, 10, 5]), h([50, 100, 200, 100, 50]))!;
    const many = compareHistograms(h([50, 100, 200, 100, 50]), h([500, 1000, 2000, 1000, 500]))!;
    const width = (c: typeof few) =>
      probabilitySlowerBounds(c, 0.005)[1] - probabilitySlowerBounds(c, 0.005)[0];
    expect(width(many)).toBeLessThan(width(few));
  });

  it('keeps same-distribution samples inside the confidence sequence at every look, but for about α of them (seeded)', () => {
    const random = seededRandom(22);
    const runs = 200;
    const alpha = 0.05;
    let escaped = 0;
    for (let r = 0; r < runs; r++) {
      const g = new Array<number>(6).fill(0);
      const b = new Array<number>(6).fill(0);
      const draw = (into: number[], n: number) => {
        let left = n;
        const probs = [0.1, 0.2, 0.3, 0.2, 0.15, 0.05];
        let rest = 1;
        probs.forEach((p, i) => {
          const k = i === probs.length - 1 ? left : binomial(random, left, Math.min(1, p / rest));
          into[i]! += k;
          left -= k;
          rest -= p;
        });
      };
      for (let look = 0; look < 60; look++) {
        draw(g, 10);
        draw(b, 90);
        const [lo, hi] = probabilitySlowerBounds(compareHistograms(h(g), h(b))!, alpha);
        if (lo > 0.5 || hi < 0.5) {
          escaped++;
          break;
        }
      }
    }
    expect(escaped / runs).toBeLessThanOrEqual(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / runs));
  });
});
