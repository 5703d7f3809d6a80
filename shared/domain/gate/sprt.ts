/**
 * Sequential probability ratio tests (Wald) on 5xx proportions, from cumulative counts.
 *
 * Why this test. The gate is evaluated every interval on the cumulative window since the step
 * started, so the statistic must (a) be a function of cumulative counts only (the evaluation is
 * stateless), (b) stay valid when it is looked at again and again, and (c) be able to *accept*:
 * a good green should advance as soon as the evidence says "not worse by δ", not after a fixed
 * request count. Wald's SPRT does all three: it tests a simple H0 against a simple H1 with both
 * error rates fixed in advance (α = false rollback, β = miss at the minimum detectable increase
 * δ), it needs the fewest requests on average at both hypotheses among tests with those error
 * rates (Wald–Wolfowitz), and checking its boundaries only every interval (grouped data) merely
 * overshoots them, which keeps the realised rates at or below Wald's bounds (α/(1−β), β/(1−α)).
 * An mSPRT / always-valid p-value also survives continuous monitoring but has no acceptance
 * boundary: it can roll back early, never pass early.
 *
 * Which parametrisation. Operators state the degradation they care about in absolute terms
 * (+2 percentage points of 5xx), so H1 is p_new = p_live + δ. The tempting alternative, the
 * binomial test on "which color produced each error" conditioned on the total number of errors
 * (exact and free of the nuisance rate for an odds/rate *ratio*), carries no information when
 * neither color errs: a clean service could never pass it, and +2 pp would have to be turned into
 * a ratio through an estimate of the live rate anyway. So we keep the exact binomial likelihoods
 * (no normal approximation: counts of 0, 1, 2 errors are the normal case) and remove the unknown
 * live rate by profiling it: under each hypothesis it takes its maximum-likelihood value subject to
 * that hypothesis (a one-dimensional concave maximisation). This profile-likelihood SPRT is exact
 * when the live rate is known and asymptotically right otherwise (the live color serves most of
 * the traffic during a canary, so its rate is the better-known one); `npm run bench -- gate` and
 * test/unit/statistics/calibration.test.ts measure the realised error rates by simulation.
 *
 * Low counts: with no error anywhere the log-likelihood ratio is n_new·ln(1−δ), so a pass needs
 * ln(β/(1−α))/ln(1−δ) requests on the new color (228 at α = β = 1 %, δ = 2 pp): the test sizes
 * itself, and a handful of clean requests is never enough.
 */

/** Wald's boundaries on the log-likelihood ratio: accept H0 at or below `lower`, reject it at or above `upper`. */
export interface SprtBoundaries {
  lower: number;
  upper: number;
}

export type SprtOutcome = 'accept-h0' | 'reject-h0' | 'continue';

/** Counts of one color over a window. */
export interface ErrorCounts {
  requests: number;
  errors: number;
}

/** Wald's boundaries for a false-rejection rate α and a miss rate β (both in (0, 1), α + β < 1). */
export function sprtBoundaries(alpha: number, beta: number): SprtBoundaries {
  if (!(alpha > 0 && beta > 0 && alpha + beta < 1)) {
    throw new RangeError(`expected 0 < alpha, 0 < beta, alpha + beta < 1; got alpha=${alpha}, beta=${beta}`);
  }
  return { lower: Math.log(beta / (1 - alpha)), upper: Math.log((1 - beta) / alpha) };
}

/** Where a log-likelihood ratio stands against the boundaries. */
export function sprtOutcome(llr: number, boundaries: SprtBoundaries): SprtOutcome {
  if (llr >= boundaries.upper) return 'reject-h0';
  if (llr <= boundaries.lower) return 'accept-h0';
  return 'continue';
}

/** a·ln(b) with 0·ln(anything) = 0, as in likelihoods where an outcome never occurred. */
const xlogy = (a: number, b: number) => (a === 0 ? 0 : a * Math.log(b));

/** Binomial log-likelihood of `errors` in `requests` at proportion p, without the constant binomial coefficient. */
export function binomialLogLikelihood({ requests, errors }: ErrorCounts, p: number): number {
  return xlogy(errors, p) + xlogy(requests - errors, 1 - p);
}

/** One-sample log-likelihood ratio of H1: p = p1 against H0: p = p0 (p0 < p1); ±Infinity when an outcome is impossible under one of them. */
export function oneSampleLogLikelihoodRatio(counts: ErrorCounts, p0: number, p1: number): number {
  return binomialLogLikelihood(counts, p1) - binomialLogLikelihood(counts, p0);
}

/** a/b with 0/anything = 0: the derivative of a term whose count is zero vanishes. */
const ratio = (a: number, b: number) => (a === 0 ? 0 : a / b);

/**
 * The live rate q in [0, 1 − delta] maximising the likelihood of both windows under
 * p_new = q + delta, p_live = q (delta = 0: the pooled rate). The log-likelihood is concave in q:
 * its derivative decreases, so Newton steps kept inside a shrinking sign-change bracket (falling
 * back to bisection) find the maximum in a few iterations.
 */
export function constrainedLiveRate(candidate: ErrorCounts, live: ErrorCounts, delta: number): number {
  if (delta === 0) {
    const total = candidate.requests + live.requests;
    return total === 0 ? 0 : (candidate.errors + live.errors) / total;
  }
  const cErr = candidate.errors;
  const cOk = candidate.requests - candidate.errors;
  const lErr = live.errors;
  const lOk = live.requests - live.errors;
  // `top - q` rather than `1 - q - delta`: exactly 0 at the upper end, where the new color's rate is 1.
  const top = 1 - delta;
  let lo = 0;
  let hi = top;
  if (profileSlope(cErr, cOk, lErr, lOk, delta, top, lo) <= 0) return lo;
  if (profileSlope(cErr, cOk, lErr, lOk, delta, top, hi) >= 0) return hi;
  let q = (lo + hi) / 2;
  for (let i = 0; i < 100; i++) {
    const g = profileSlope(cErr, cOk, lErr, lOk, delta, top, q);
    if (g === 0) return q;
    if (g > 0) lo = q;
    else hi = q;
    const curvature =
      ratio(cErr, (q + delta) ** 2) +
      ratio(cOk, (top - q) ** 2) +
      ratio(lErr, q * q) +
      ratio(lOk, (1 - q) ** 2);
    const newton = q + g / curvature;
    const next = newton > lo && newton < hi ? newton : (lo + hi) / 2;
    if (Math.abs(next - q) <= 1e-14 * Math.max(q, 1e-6) || hi - lo <= 1e-15) return next;
    q = next;
  }
  return q;
}

/** d/dq of the profile log-likelihood (a plain function: this runs in simulation loops). */
function profileSlope(
  cErr: number,
  cOk: number,
  lErr: number,
  lOk: number,
  delta: number,
  top: number,
  q: number,
) {
  return ratio(cErr, q + delta) - ratio(cOk, top - q) + ratio(lErr, q) - ratio(lOk, 1 - q);
}

/**
 * Profile log-likelihood ratio of H1: p_new = p_live + delta against H0: p_new = p_live, the
 * unknown live rate set to its maximum-likelihood value under each hypothesis. Increasing in the
 * new color's errors; finite whenever both windows have requests.
 */
export function comparisonLogLikelihoodRatio(
  candidate: ErrorCounts,
  live: ErrorCounts,
  delta: number,
): number {
  const q0 = constrainedLiveRate(candidate, live, 0);
  const q1 = constrainedLiveRate(candidate, live, delta);
  const h0 = binomialLogLikelihood(candidate, q0) + binomialLogLikelihood(live, q0);
  const h1 = binomialLogLikelihood(candidate, Math.min(1, q1 + delta)) + binomialLogLikelihood(live, q1);
  return h1 - h0;
}
