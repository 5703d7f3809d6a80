/**
 * Is the new color's 5xx rate above the live color's? An always-valid test on which color each
 * error came from. See ./index.ts for the design and its guarantees.
 */
import type { ErrorCounts } from './error-limit';
import { logBeta, logBinomialCdf, logSumExp } from './special-functions';

/** Rate ratios (new / live) the mixture puts point mass on; the rest is uniform over every share above the traffic's. */
const RATIO_POINTS: [ratio: number, weight: number][] = [
  [1.5, 0.15],
  [2, 0.15],
  [3, 0.15],
  [5, 0.15],
  [10, 0.1],
];
const UNIFORM_WEIGHT = 0.3;

const xlogy = (a: number, b: number) => (a === 0 ? 0 : a * Math.log(b));

/** The new color's share of the requests, and of the errors, over both windows. */
export interface ErrorSplit {
  trafficShare: number;
  errorShare: number;
  errors: number;
}

export function errorSplit(candidate: ErrorCounts, live: ErrorCounts): ErrorSplit {
  const requests = candidate.requests + live.requests;
  const errors = candidate.errors + live.errors;
  return {
    trafficShare: requests === 0 ? 0 : candidate.requests / requests,
    errorShare: errors === 0 ? 0 : candidate.errors / errors,
    errors,
  };
}

/**
 * ln E for "the new color's rate is above the live color's". While the two rates are equal (or the
 * new one lower), each error falls on the new color with probability at most its share w of the
 * traffic, whatever the common rate: the likelihood ratio of share π > w against w, mixed over π, is
 * a test supermartingale in the sequence of errors. 0 without errors or without traffic on a color.
 */
export function comparisonEvidence(candidate: ErrorCounts, live: ErrorCounts): number {
  const { trafficShare: w, errors: k } = errorSplit(candidate, live);
  const g = candidate.errors;
  if (k === 0 || w <= 0 || w >= 1) return 0;
  const atShare = xlogy(g, w) + xlogy(k - g, 1 - w);
  const points = RATIO_POINTS.map(([r, weight]) => {
    const pi = (w * r) / (w * r + 1 - w);
    return Math.log(weight) + xlogy(g, pi) + xlogy(k - g, 1 - pi);
  });
  // Uniform on (w, 1): ∫ π^g (1−π)^(k−g) dπ / (1 − w), the integral being B(g+1, k−g+1) · P(Binomial(k+1, w) ≤ g).
  const uniform =
    Math.log(UNIFORM_WEIGHT) + logBeta(g + 1, k - g + 1) + logBinomialCdf(g, k + 1, w) - Math.log1p(-w);
  return logSumExp([...points, uniform]) - atShare;
}
