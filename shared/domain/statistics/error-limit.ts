/**
 * The 5xx hard limit as a pair of always-valid tests on the new color's counts, and the final look.
 * See ./index.ts for the design and its guarantees.
 */
import {
  logBeta,
  logBinomialCdf,
  logBinomialTail,
  logBinomialUpperTail,
  logSumExp,
} from './special-functions';

/** Counts of one color over a window. */
export interface ErrorCounts {
  requests: number;
  errors: number;
}

/** ln of each e-value: evidence that the rate is above the limit, and that it is below. */
export interface LimitEvidence {
  /** ln E for "rate > limit"; a test supermartingale while the rate is ≤ the limit. */
  above: number;
  /** ln E for "rate < limit"; a test supermartingale while the rate is ≥ the limit. */
  below: number;
}

/** a·ln(b) with 0·ln(anything) = 0. */
const xlogy = (a: number, b: number) => (a === 0 ? 0 : a * Math.log(b));

const logLikelihood = (k: number, n: number, p: number) => xlogy(k, p) + xlogy(n - k, 1 - p);

/**
 * ln of ∫ p^k (1−p)^(n−k) dp / (1 − L) over (L, 1), and / L over (0, L): the binomial likelihood
 * averaged over a uniform prior above and below the limit — the continuous part of each mixture,
 * which leaves no rate out. ∫ over (L, 1) = B(k+1, n−k+1) · P(Binomial(n+1, L) ≤ k).
 */
function logUniformMixtures(k: number, n: number, limit: number): { above: number; below: number } {
  const logB = logBeta(k + 1, n - k + 1);
  return {
    above: logB + logBinomialCdf(k, n + 1, limit) - Math.log1p(-limit),
    below: logB + logBinomialTail(k + 1, n + 1, limit) - Math.log(limit),
  };
}

/** Rates above the limit the "above" mixture puts point mass on, as multiples of the speed knob δ. */
const ABOVE_POINTS: [multiple: number, weight: number][] = [
  [0.25, 0.2],
  [0.5, 0.2],
  [1, 0.2],
  [2, 0.15],
];
/** The rest of the "above" mixture: uniform on (limit, 1). */
const ABOVE_UNIFORM_WEIGHT = 0.25;

/** Rates below the limit the "below" mixture puts point mass on, as fractions of the limit. */
const BELOW_POINTS: [fraction: number, weight: number][] = [
  [0.5, 0.4],
  [0.25, 0.2],
  [0.75, 0.2],
];
const BELOW_UNIFORM_WEIGHT = 0.2;

/**
 * The two e-values of the limit test for counts `c` against `limit` (0 < limit < 1), the "above"
 * mixture centred on limit + `rise` (the speed knob: fastest there, yet every rate above the limit
 * is in the mixture's support).
 */
export function limitEvidence(c: ErrorCounts, limit: number, rise: number): LimitEvidence {
  if (!(limit > 0 && limit < 1)) throw new RangeError(`limit: expected 0 < limit < 1, got ${limit}`);
  if (!(rise > 0)) throw new RangeError(`rise: expected > 0, got ${rise}`);
  const { requests: n, errors: k } = c;
  if (n === 0) return { above: 0, below: 0 };
  const atLimit = logLikelihood(k, n, limit);
  const uniform = logUniformMixtures(k, n, limit);
  const above = logSumExp([
    ...ABOVE_POINTS.map(
      ([m, w]) => Math.log(w) + logLikelihood(k, n, Math.min(limit + rise * m, (1 + limit) / 2)),
    ),
    Math.log(ABOVE_UNIFORM_WEIGHT) + uniform.above,
  ]);
  const below = logSumExp([
    ...BELOW_POINTS.map(([f, w]) => Math.log(w) + logLikelihood(k, n, limit * f)),
    Math.log(BELOW_UNIFORM_WEIGHT) + uniform.below,
  ]);
  return { above: above - atLimit, below: below - atLimit };
}

/** The exact one-sided p-value of H0: rate ≤ `rate` (P(this many errors or more)), for the final look. */
export function limitPValue(c: ErrorCounts, rate: number): number {
  return Math.exp(logBinomialUpperTail(c.errors, c.requests, rate));
}
