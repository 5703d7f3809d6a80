/**
 * The sequential gate: judges the new color against its live color on the same window (and against
 * the hard limits) every evaluation, passes early once the evidence says it is within them, fails
 * as soon as the evidence says it is not, and decides with what it has at the final look. The
 * statistics, their guarantees and references are in ../statistics/index.ts.
 *
 * Rules, each giving pass / fail / pending with a reason naming the numbers:
 * - target health: at least `minHealthyTargets` healthy targets (fails even without traffic);
 * - nothing else below `minRequests` on the new color: too few requests is inconclusive, never pass
 *   (the final look included);
 * - 5xx limit (the hard limit): always-valid evidence that the rate is above maxErrorRate fails, by
 *   however little (at 2/α); evidence that it is below passes (at 1/β); at the final look the exact
 *   rule of a fixed window decides (observed rate above the limit fails), guarded at small counts;
 * - 5xx comparison: always-valid evidence that the new color errs more than the live color fails;
 *   passing early also needs Wald's acceptance of "not worse by minDetectableIncrease" (./sprt.ts).
 *   Pending until the live color served `minRequests` requests in the window;
 * - latency distribution, when both windows carry histograms: Mann–Whitney effect size against
 *   maxProbabilitySlower, with an always-valid (asymptotic) confidence sequence;
 * - p99: at most `maxP99Ms`, and at most live p99 × maxP99RatioToBaseline + p99ToleranceMs once both
 *   colors served MIN_REQUESTS_FOR_P99 requests (below that a p99 is the slowest request or two).
 * The verdict fails when any rule fails, passes when every rule passes, and is inconclusive otherwise.
 *
 * The bake (100 % on the new color): the live color serves nothing, so there is nothing to compare
 * with on the same window. The caller may pass an earlier window of the live color (e.g. from the
 * last canary step) as the baseline: the comparison then runs against it, at the price of
 * comparing two different periods (time of day, downstream incidents). Without a baseline, or
 * with one that served no request (the live color gets none), the 5xx rule is the limit test
 * alone: still always-valid, but blind to a degradation that stays under maxErrorRate. Each
 * reason says which. The domain does not guess the phase from the counts beyond that: a live
 * color with a few requests is one still filling its window, so the comparison waits for
 * `minRequests` on it.
 */
import type { Baseline, GateLook, GateVerdict, TargetHealth, TrafficWindow } from './verdict';
import type { Gate } from './gate-schema';
import { comparisonLogLikelihoodRatio, sprtBoundaries } from './sprt';
import { limitEvidence, limitPValue } from '../statistics/error-limit';
import { comparisonEvidence, errorSplit } from '../statistics/error-comparison';
import { compareHistograms, probabilitySlowerBounds } from '../statistics/latency-rank';

/** Requests a window needs before its p99 is compared with the other color's. */
export const MIN_REQUESTS_FOR_P99 = 100;

type RuleStatus = 'pass' | 'fail' | 'pending';

interface RuleResult {
  status: RuleStatus;
  reason: string;
  /** A failure at the interim look: rolls back at once. */
  atOnce?: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
/** A rate as a short percentage: 0.01 → "1%", 0.005 → "0.5%". */
const shortPct = (x: number) => `${Number((x * 100).toPrecision(3))}%`;
const pp = (x: number) => `+${Number((x * 100).toPrecision(3))} pp`;
const num = (x: number) => {
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '-∞';
  const s = x.toFixed(1);
  return s === '-0.0' ? '0.0' : s;
};
const ms = (x: number) => `${Math.round(x)} ms`;
const rateOf = (w: TrafficWindow) => (w.requests === 0 ? 0 : w.errors / w.requests);
const pValue = (p: number) => (p < 0.0001 ? p.toExponential(1) : Number(p.toPrecision(2)).toString());

/** One evaluation's thresholds, worked out once. */
interface Thresholds {
  alpha: number;
  beta: number;
  delta: number;
  /** ln of the e-value that fails the limit (2/α: the other α/2 is the final look's). */
  limitFail: number;
  /** ln of the e-value that passes the limit early (1/β). */
  limitPass: number;
  /** Wald's acceptance boundary of "not worse by δ". */
  acceptBoundary: number;
  final: boolean;
  /** The limit's interim look (one exact test at α/2). */
  interim: boolean;
  /** The last look: an ambiguous final look passes here. */
  last: boolean;
  /** After an undecided final look, before the last one. */
  extended: boolean;
}

function thresholds(gate: Gate, look?: GateLook): Thresholds {
  const { falseRollbackRate: alpha, missRate: beta, minDetectableIncrease: delta } = gate;
  return {
    alpha,
    beta,
    delta,
    limitFail: Math.log(2 / alpha),
    limitPass: Math.log(1 / beta),
    acceptBoundary: sprtBoundaries(alpha, beta).lower,
    final: look?.final ?? false,
    interim: (look?.interim ?? false) && !(look?.final ?? false),
    last: look?.last ?? look?.final ?? false,
    extended: (look?.extended ?? false) && !(look?.last ?? false),
  };
}

/** "1.0% on green (2 of 200 requests)" */
const errorFigures = (w: TrafficWindow, name: string) =>
  `${pct(rateOf(w))} on ${name} (${w.errors} of ${w.requests} requests)`;

/** The 5xx hard limit; null when the limit is 100 % (no limit) or 0 (any error fails, judged as such). */
function errorLimitRule(gate: Gate, w: TrafficWindow, name: string, t: Thresholds): RuleResult | null {
  const limit = gate.maxErrorRate;
  if (limit >= 1) return null;
  const figures = `5xx rate ${errorFigures(w, name)}`;
  if (limit <= 0) {
    if (w.errors > 0) return { status: 'fail', reason: `${figures} > the 0% limit` };
    // No error yet: "below δ" is all the evidence can say (n·ln(1 − δ) ≤ ln β, Wald's acceptance).
    const llr = w.requests * Math.log1p(-t.delta);
    const passed = t.final || llr <= Math.log(t.beta);
    return {
      status: passed ? 'pass' : 'pending',
      reason: `${figures} within the 0% limit: log-likelihood ratio ${num(llr)} ${llr <= Math.log(t.beta) ? '≤' : '>'} ${num(Math.log(t.beta))} against ${pp(t.delta)}`,
    };
  }
  const e = limitEvidence(w, limit, t.delta);
  const settings = `α=${shortPct(t.alpha)}, β=${shortPct(t.beta)}, δ=${pp(t.delta)}`;
  if (e.above >= t.limitFail) {
    return {
      status: 'fail',
      reason: `${figures} above the ${shortPct(limit)} limit: log e-value ${num(e.above)} ≥ ${num(t.limitFail)} (always-valid, ${settings})`,
    };
  }
  if (t.interim) {
    // One exact test at α, at the interim look only (a group-sequential design's interim
    // analysis): catches a rate just over the limit on half the fixed window's requests, which
    // no always-valid test can (see ../statistics/index.ts).
    const p = limitPValue(w, limit);
    if (p <= t.alpha) {
      return {
        status: 'fail',
        atOnce: true,
        reason: `interim look: ${figures} above the ${shortPct(limit)} limit: exact binomial p-value at ${shortPct(limit)} ${pValue(p)} ≤ ${shortPct(t.alpha)}`,
      };
    }
  }
  if (t.final) {
    // The fixed window's own rule (observed rate above the limit fails), guarded at small counts:
    // the count must also be unlikely (≤ α/2) for a release at half the limit. Above the limit but
    // not unlikely enough: more requests, until the last look, where it passes.
    const above = rateOf(w) > limit;
    const p = limitPValue(w, limit / 2);
    const over = above && p <= t.alpha / 2;
    const guard = `exact binomial p-value at ${shortPct(limit / 2)} ${pValue(p)} ${p <= t.alpha / 2 ? '≤' : '>'} ${shortPct(t.alpha / 2)}`;
    if (t.extended) {
      // A single test at the final look and one at the last: in between, no guarded retest.
      return above
        ? {
            status: 'pending',
            reason: `after the final look: ${figures} above the ${shortPct(limit)} limit, judged again at the last look`,
          }
        : { status: 'pass', reason: `after the final look: ${figures} within the ${shortPct(limit)} limit` };
    }
    if (above && !over && !t.last) {
      return {
        status: 'pending',
        reason: `final look: ${figures} above the ${shortPct(limit)} limit on too few requests (${guard}): more requests needed, up to the last look`,
      };
    }
    return {
      status: over ? 'fail' : 'pass',
      reason: `${t.last && above && !over ? 'last' : 'final'} look: ${figures} ${over ? 'above' : 'within'} the ${shortPct(limit)} limit${above ? ` (${guard})` : ''}`,
    };
  }
  if (e.below >= t.limitPass) {
    return {
      status: 'pass',
      reason: `${figures} within the ${shortPct(limit)} limit: log e-value ${num(e.below)} ≥ ${num(t.limitPass)} (always-valid, ${settings})`,
    };
  }
  return {
    status: 'pending',
    reason:
      `${figures} against the ${shortPct(limit)} limit: log e-values ${num(e.above)} above (fails at ${num(t.limitFail)}), ` +
      `${num(e.below)} below (passes at ${num(t.limitPass)}), more requests needed (${settings})`,
  };
}

function errorComparisonRule(w: TrafficWindow, base: TrafficWindow, names: Names, t: Thresholds): RuleResult {
  // α/2: the other half is the latency rule's (unused without histograms).
  const shareOfAlpha = 0.5;
  const evidence = comparisonEvidence(w, base);
  const failAt = Math.log(1 / (t.alpha * shareOfAlpha));
  const split = errorSplit(w, base);
  const figures =
    `5xx rate ${errorFigures(w, names.candidate)} vs ${errorFigures(base, names.baseline)}: ` +
    `${pct(split.errorShare)} of ${split.errors} errors on ${names.candidate} with ${pct(split.trafficShare)} of the requests`;
  if (evidence >= failAt) {
    return {
      status: 'fail',
      reason: `${figures}; log e-value ${num(evidence)} ≥ ${num(failAt)} (always-valid, α=${shortPct(t.alpha * shareOfAlpha)})`,
    };
  }
  const llr = comparisonLogLikelihoodRatio(w, base, t.delta);
  const accepted = llr <= t.acceptBoundary;
  const settings = `α=${shortPct(t.alpha)}, β=${shortPct(t.beta)}, δ=${pp(t.delta)}`;
  if (accepted || t.final) {
    return {
      status: 'pass',
      reason:
        `${t.final && !accepted ? 'final look: ' : ''}${figures}; log e-value ${num(evidence)} < ${num(failAt)}, ` +
        `SPRT log-likelihood ratio ${num(llr)} ${accepted ? `≤ ${num(t.acceptBoundary)}: not worse by ${pp(t.delta)}` : `> ${num(t.acceptBoundary)}`} (${settings})`,
    };
  }
  return {
    status: 'pending',
    reason: `${figures}; log e-value ${num(evidence)} < ${num(failAt)}, SPRT log-likelihood ratio ${num(llr)} > ${num(t.acceptBoundary)}, more requests needed (${settings})`,
  };
}

/** Latency as a distribution, when both windows carry histograms; null otherwise. */
function latencyRankRule(
  gate: Gate,
  w: TrafficWindow,
  base: TrafficWindow,
  names: Names,
  t: Thresholds,
): RuleResult | null {
  if (!w.latencyHistogram || !base.latencyHistogram) return null;
  const c = compareHistograms(w.latencyHistogram, base.latencyHistogram);
  if (!c) return null;
  const alpha = t.alpha / 2;
  const [lo, hi] = probabilitySlowerBounds(c, alpha);
  const limit = gate.maxProbabilitySlower;
  const figures =
    `latency: ${names.candidate} slower than ${names.baseline} in ${pct(c.probabilitySlower)} of request pairs ` +
    `(Cliff's δ ${c.cliffsDelta.toFixed(2)}; confidence sequence ${pct(lo)}–${pct(hi)}, α=${shortPct(alpha)})`;
  if (lo > limit) return { status: 'fail', reason: `${figures} > ${pct(limit)}` };
  if (hi < limit) return { status: 'pass', reason: `${figures} < ${pct(limit)}` };
  if (t.final) {
    const over = c.probabilitySlower > limit;
    return {
      status: over ? 'fail' : 'pass',
      reason: `final look: ${figures} ${over ? '>' : '≤'} ${pct(limit)}`,
    };
  }
  return { status: 'pending', reason: `${figures} around ${pct(limit)}, more requests needed` };
}

function p99LimitRule(gate: Gate, w: TrafficWindow): RuleResult {
  if (w.p99Ms === null) return { status: 'pass', reason: `p99 latency n/a ≤ ${gate.maxP99Ms} ms` };
  const over = w.p99Ms > gate.maxP99Ms;
  return {
    status: over ? 'fail' : 'pass',
    reason: `p99 latency ${ms(w.p99Ms)} ${over ? '>' : '≤'} ${gate.maxP99Ms} ms`,
  };
}

/** Green p99 against live p99 × ratio + tolerance; null when the live p99 is not comparable. */
function p99ComparisonRule(
  gate: Gate,
  w: TrafficWindow,
  base: TrafficWindow,
  names: Names,
  t: Thresholds,
): RuleResult | null {
  if (base.p99Ms === null || base.requests < MIN_REQUESTS_FOR_P99) return null;
  if (w.requests < MIN_REQUESTS_FOR_P99) {
    // At the final look a p99 of a few requests is still no p99: the other rules decide.
    if (t.final) return null;
    return {
      status: 'pending',
      reason: `p99 comparison with ${names.baseline} needs ${MIN_REQUESTS_FOR_P99} requests on ${names.candidate}, ${w.requests} so far`,
    };
  }
  if (w.p99Ms === null) return null;
  const limit = base.p99Ms * gate.maxP99RatioToBaseline + gate.p99ToleranceMs;
  const over = w.p99Ms > limit;
  return {
    status: over ? 'fail' : 'pass',
    reason:
      `p99 latency ${ms(w.p99Ms)} on ${names.candidate} ${over ? '>' : '≤'} ${ms(limit)} ` +
      `(${names.baseline} p99 ${ms(base.p99Ms)} × ${gate.maxP99RatioToBaseline} + ${gate.p99ToleranceMs} ms)`,
  };
}

interface Names {
  candidate: string;
  baseline: string;
}

/** Why the comparison with the live color cannot run at all, or null when it can (maybe not yet). */
function noComparisonReason(gate: Gate, baseline: Baseline | undefined, names: Names): string | null {
  if (!gate.compareWithBaseline) return null;
  const fallback =
    gate.maxErrorRate < 1 ? `5xx judged on the ${pct(gate.maxErrorRate)} limit only` : 'no 5xx rule applies';
  if (!baseline) return `no comparison with ${names.baseline}: no baseline window; ${fallback}`;
  if (baseline.window.requests > 0) return null;
  return `no comparison with ${names.baseline}: it served no request in this window (as during the bake); ${fallback}`;
}

/** Too few live requests to compare with yet: the comparison waits rather than being skipped (but for the final look). */
function baselineTooSmall(gate: Gate, base: TrafficWindow, names: Names, t: Thresholds): RuleResult | null {
  if (base.requests >= gate.minRequests || t.final) return null;
  return {
    status: 'pending',
    reason: `comparison with ${names.baseline} needs ${gate.minRequests} requests on it, ${base.requests} so far`,
  };
}

/**
 * The sequential verdict for the new color's window, compared with `baseline` (the live color) when
 * it has enough requests; `look.final` at the step's final look.
 */
export function evaluateSequential(
  gate: Gate,
  traffic: TrafficWindow,
  health: TargetHealth,
  baseline?: Baseline,
  look?: GateLook,
): GateVerdict {
  const names: Names = {
    candidate: baseline?.names?.candidate ?? 'the new color',
    baseline: baseline?.names?.baseline ?? 'the live color',
  };
  const failures: string[] = [];
  if (health.healthy < gate.minHealthyTargets) {
    failures.push(`healthy targets ${health.healthy} < ${gate.minHealthyTargets} required`);
  }
  if (traffic.requests < gate.minRequests) {
    if (failures.length > 0) return { verdict: 'fail', reasons: failures };
    return {
      verdict: 'inconclusive',
      reasons: [`${traffic.requests} requests < ${gate.minRequests} needed for a verdict`],
    };
  }
  const t = thresholds(gate, look);
  const notes: string[] = [];
  const skipped = noComparisonReason(gate, baseline, names);
  if (skipped) notes.push(skipped);
  const compared = gate.compareWithBaseline && baseline && !skipped ? baseline.window : null;
  const waiting = compared && baselineTooSmall(gate, compared, names, t);
  const rank = !waiting && compared ? latencyRankRule(gate, traffic, compared, names, t) : null;
  const rules = [
    waiting || (compared && errorComparisonRule(traffic, compared, names, t)),
    errorLimitRule(gate, traffic, names.candidate, t),
    rank,
    p99LimitRule(gate, traffic),
    !waiting && compared && p99ComparisonRule(gate, traffic, compared, names, t),
  ].filter((r): r is RuleResult => Boolean(r));
  const failing = rules.filter((r) => r.status === 'fail');
  failures.push(...failing.map((r) => r.reason));
  if (failures.length > 0) {
    // The interim look's failure rolls back at once; any other waits for consecutiveFailures.
    const atOnce = failing.some((r) => r.atOnce);
    return { verdict: 'fail', reasons: failures, ...(atOnce ? { atOnce } : {}) };
  }
  const pending = rules.filter((r) => r.status === 'pending');
  if (pending.length > 0)
    return { verdict: 'inconclusive', reasons: [...pending.map((r) => r.reason), ...notes] };
  return { verdict: 'pass', reasons: [...rules.map((r) => r.reason), ...notes] };
}
