/**
 * Latency as a distribution: a Mann–Whitney comparison of two binned latency histograms, with a
 * confidence sequence for its effect size. See ./index.ts for the design and its guarantees.
 */

/**
 * A latency histogram: `counts[i]` requests took more than `upperBoundsMs[i − 1]` and at most
 * `upperBoundsMs[i]` (Prometheus `le` buckets, de-accumulated); an optional last count, one past
 * the bounds, holds the requests slower than the last bound.
 */
export interface LatencyHistogram {
  upperBoundsMs: number[];
  counts: number[];
}

export class LatencyHistogramError extends Error {
  override name = 'LatencyHistogramError';
}

/** Checks a histogram's shape, naming the field at fault. */
export function validateHistogram(h: LatencyHistogram, name = 'latencyHistogram'): void {
  const { upperBoundsMs: bounds, counts } = h;
  if (bounds.length === 0)
    throw new LatencyHistogramError(`${name}.upperBoundsMs: expected at least one bound`);
  bounds.forEach((b, i) => {
    if (!Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))
      throw new LatencyHistogramError(
        `${name}.upperBoundsMs[${i}]: expected finite and increasing, got ${b}`,
      );
  });
  if (counts.length !== bounds.length && counts.length !== bounds.length + 1)
    throw new LatencyHistogramError(
      `${name}.counts: expected ${bounds.length} or ${bounds.length + 1} counts, got ${counts.length}`,
    );
  counts.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0)
      throw new LatencyHistogramError(`${name}.counts[${i}]: expected a non-negative integer, got ${c}`);
  });
}

export interface RankComparison {
  /** P(a new-color request is slower than a live one) + ½ P(same bucket): 0.5 when the distributions agree. */
  probabilitySlower: number;
  /** Cliff's δ = 2 · probabilitySlower − 1, in [−1, 1]. */
  cliffsDelta: number;
  /** Standard error of probabilitySlower (DeLong's placement values). */
  standardError: number;
  candidateRequests: number;
  liveRequests: number;
}

/**
 * The Mann–Whitney effect size of the new color's latency against the live color's, on the same
 * buckets; null when a color has no request. Ties (the same bucket) count one half.
 */
export function compareHistograms(
  candidate: LatencyHistogram,
  live: LatencyHistogram,
): RankComparison | null {
  validateHistogram(candidate, 'candidate latencyHistogram');
  validateHistogram(live, 'live latencyHistogram');
  const same =
    candidate.upperBoundsMs.length === live.upperBoundsMs.length &&
    candidate.upperBoundsMs.every((b, i) => b === live.upperBoundsMs[i]);
  if (!same)
    throw new LatencyHistogramError('latencyHistogram.upperBoundsMs: both colors need the same buckets');
  const bins = candidate.upperBoundsMs.length + 1;
  const g = Array.from({ length: bins }, (_, i) => candidate.counts[i] ?? 0);
  const b = Array.from({ length: bins }, (_, i) => live.counts[i] ?? 0);
  const ng = g.reduce((s, x) => s + x, 0);
  const nb = b.reduce((s, x) => s + x, 0);
  if (ng === 0 || nb === 0) return null;
  // Placement of a new-color request in bucket i among live requests: share of live below, plus half the ties.
  const placeG: number[] = [];
  const placeB: number[] = [];
  let liveBelow = 0;
  let candidateBelow = 0;
  for (let i = 0; i < bins; i++) {
    placeG.push((liveBelow + b[i]! / 2) / nb);
    // A live request's placement among new-color requests: the share of those *above* it, plus half the ties.
    placeB.push((ng - candidateBelow - g[i]! / 2) / ng);
    liveBelow += b[i]!;
    candidateBelow += g[i]!;
  }
  let a = 0;
  for (let i = 0; i < bins; i++) a += g[i]! * placeG[i]!;
  a /= ng;
  let varG = 0;
  let varB = 0;
  for (let i = 0; i < bins; i++) {
    varG += g[i]! * (placeG[i]! - a) ** 2;
    varB += b[i]! * (placeB[i]! - a) ** 2;
  }
  varG = ng > 1 ? varG / (ng - 1) : 0;
  varB = nb > 1 ? varB / (nb - 1) : 0;
  // Not below the variance of a single bucket split, so a window of one bucket is never "certain".
  const floor = 1 / (12 * (ng + nb));
  const standardError = Math.sqrt(Math.max(varG / ng + varB / nb, floor / Math.min(ng, nb)));
  return {
    probabilitySlower: a,
    cliffsDelta: 2 * a - 1,
    standardError,
    candidateRequests: ng,
    liveRequests: nb,
  };
}

/**
 * Half-width multiplier of a two-sided asymptotic confidence sequence at level α (Waudby-Smith et
 * al., Gaussian mixture boundary), in standard errors, after `n` new-color requests; tightest near
 * `tuneAt` requests. Grows like √(log n) rather than staying at a fixed z, which is what keeps it
 * valid however often it is read.
 */
export function confidenceSequenceMultiplier(n: number, alpha: number, tuneAt = 500): number {
  const l = -2 * Math.log(alpha);
  const rho2 = (l + Math.log(l + 1)) / tuneAt;
  const t = Math.max(1, n);
  return Math.sqrt(((2 * (t * rho2 + 1)) / (t * rho2)) * Math.log(Math.sqrt(t * rho2 + 1) / alpha));
}

/** The confidence sequence's bounds on probabilitySlower at this look. */
export function probabilitySlowerBounds(c: RankComparison, alpha: number): [number, number] {
  const half = confidenceSequenceMultiplier(c.candidateRequests, alpha) * c.standardError;
  return [Math.max(0, c.probabilitySlower - half), Math.min(1, c.probabilitySlower + half)];
}
