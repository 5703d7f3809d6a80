import { binomial, binomialSampler, normal, seededRandom } from '../../../shared/domain/statistics/random';

const moments = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance };
};
const draws = (n: number, draw: () => number) => Array.from({ length: n }, draw);

describe('seededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    // Act
    const a = draws(5, seededRandom(42));
    const b = draws(5, seededRandom(42));
    const c = draws(5, seededRandom(43));

    // Assess
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('draws uniform numbers in [0, 1): mean 1/2, variance 1/12', () => {
    // Act
    const xs = draws(100_000, seededRandom(1));

    // Assess
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });
});

describe('normal', () => {
  it('draws mean 0, variance 1', () => {
    // Prepare
    const random = seededRandom(2);

    // Act
    const { mean, variance } = moments(draws(100_000, () => normal(random)));

    // Assess
    expect(Math.abs(mean)).toBeLessThan(0.015);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
  });
});

describe('binomial', () => {
  it.each([
    [20, 0.005],
    [200, 0.1],
    [180, 0.7],
    [5000, 0.02],
    [1, 0.5],
  ])('draws Binomial(%d, %d) with mean n·p and variance n·p·(1−p), within n bounds', (n, p) => {
    // Prepare
    const random = seededRandom(3);

    // Act
    const xs = draws(40_000, () => binomial(random, n, p));

    // Assess
    const { mean, variance } = moments(xs);
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(mean - n * p)).toBeLessThan((5 * sd) / Math.sqrt(xs.length));
    expect(Math.abs(variance / (sd * sd) - 1)).toBeLessThan(0.05);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x <= n)).toBe(true);
  });

  it('handles the degenerate cases', () => {
    // Prepare
    const random = seededRandom(4);

    // Act / Assess
    expect(binomial(random, 0, 0.5)).toBe(0);
    expect(binomial(random, 10, 0)).toBe(0);
    expect(binomial(random, 10, 1)).toBe(10);
  });
});

describe('binomialSampler', () => {
  it('draws the same distribution as binomial from a precomputed CDF', () => {
    // Prepare
    const random = seededRandom(5);
    const sample = binomialSampler(200, 0.1);

    // Act
    const { mean, variance } = moments(draws(40_000, () => sample(random)));

    // Assess
    expect(Math.abs(mean - 20)).toBeLessThan(0.1);
    expect(Math.abs(variance / 18 - 1)).toBeLessThan(0.05);
  });

  it('is exact at the edges: all or nothing', () => {
    // Prepare
    const random = seededRandom(6);

    // Act / Assess
    expect(binomialSampler(200, 1)(random)).toBe(200);
    expect(binomialSampler(200, 0)(random)).toBe(0);
  });
});
