/**
 * The sequential gate: judges the new color against its live color on the same window (and against
 * the hard limits) every evaluation, and passes as soon as the evidence is enough.
 *
 * Rules, each giving pass / fail / pending with a reason naming the numbers:
 * - target health: at least `minHealthyTargets` healthy targets (fails even without traffic);
 * - nothing else below `minRequests` on the new color: too few requests is inconclusive, never pass;
 * - 5xx limit (the hard limit, judged with evidence rather than on a raw ratio that 1 error in
 *   20 requests would break): one-sample SPRT of p_new = maxErrorRate against maxErrorRate + δ.
 *   Its likelihood ratio is a non-negative (super)martingale while p_new ≤ maxErrorRate, so by
 *   Ville's inequality the chance that it ever fails a new color within the limit is at most α
 *   however often we look. It passes once the data favour the limit over limit + δ: a rate
 *   between the two is the test's indifference zone (passed or failed, slowly);
 * - 5xx comparison: profile SPRT of p_new = p_live against p_live + δ (see ./sprt.ts), pending until
 *   the live color served `minRequests` requests in the window;
 * - p99: at most `maxP99Ms`, and at most live p99 × maxP99RatioToBaseline + p99ToleranceMs once both
 *   colors served MIN_REQUESTS_FOR_P99 requests (below that a p99 is the slowest request or two).
 * The verdict fails when any rule fails, passes when every rule passes, and is inconclusive otherwise.
 *
 * The bake (100 % on the new color): the live color serves nothing, so there is nothing to compare
 * with on the same window. The caller may pass an earlier window of the live color (e.g. from the
 * last canary step) as the baseline: the comparison then runs against it, at the price of
 * comparing two different periods (time of day, downstream incidents). Without a baseline, or
 * with one that served no request (the live color gets none), the 5xx rule is the limit SPRT
 * alone: still sequential and α-bounded, but blind to a degradation that stays under
 * maxErrorRate. Each reason says which. The domain does not guess the phase from the counts
 * beyond that: a live color with a few requests is one still filling its window, so the
 * comparison waits for `minRequests` on it.
 */
import type { Baseline, GateVerdict, TargetHealth, TrafficWindow } from './verdict';
import type { Gate } from './gate-schema';
import {
  comparisonLogLikelihoodRatio,
  oneSampleLogLikelihoodRatio,
  sprtBoundaries,
  sprtOutcome,
  type SprtBoundaries,
  type SprtOutcome,
} from './sprt';

/** Requests a window needs before its p99 is compared with the other color's. */
export const MIN_REQUESTS_FOR_P99 = 100;

type RuleStatus = 'pass' | 'fail' | 'pending';

interface RuleResult {
  status: RuleStatus;
  reason: string;
}

const STATUS: Record<SprtOutcome, RuleStatus> = {
  'accept-h0': 'pass',
  'reject-h0': 'fail',
  continue: 'pending',
};

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

/** One evaluation's SPRT settings: Wald's boundaries and their description, worked out once. */
interface SprtTest {
  boundaries: SprtBoundaries;
  /** "α=1%, β=1%, δ=+2 pp" */
  settings: string;
}

function sprtTest(gate: Gate): SprtTest {
  const { falseRollbackRate: alpha, missRate: beta, minDetectableIncrease: delta } = gate;
  return {
    boundaries: sprtBoundaries(alpha, beta),
    settings: `α=${shortPct(alpha)}, β=${shortPct(beta)}, δ=${pp(delta)}`,
  };
}

/** "1.0% on green (2 of 200 requests)" */
const errorFigures = (w: TrafficWindow, name: string) =>
  `${pct(rateOf(w))} on ${name} (${w.errors} of ${w.requests} requests)`;

function sprtReason(evidence: string, llr: number, test: SprtTest): string {
  const b = test.boundaries;
  const outcome = sprtOutcome(llr, b);
  const where =
    outcome === 'reject-h0'
      ? `≥ ${num(b.upper)}`
      : outcome === 'accept-h0'
        ? `≤ ${num(b.lower)}`
        : `between ${num(b.lower)} and ${num(b.upper)}, more requests needed`;
  return `${evidence}: SPRT log-likelihood ratio ${num(llr)} ${where} (${test.settings})`;
}

/** The 5xx hard limit as a one-sample SPRT; null when the limit is 100 % (no limit). */
function errorLimitRule(gate: Gate, w: TrafficWindow, name: string, test: SprtTest): RuleResult | null {
  const limit = gate.maxErrorRate;
  if (limit >= 1) return null;
  const llr = oneSampleLogLikelihoodRatio(w, limit, Math.min(1, limit + gate.minDetectableIncrease));
  const outcome = sprtOutcome(llr, test.boundaries);
  // Rejecting p = limit implies an observed rate above the limit (above the SPRT's midpoint, even).
  const evidence =
    outcome === 'reject-h0'
      ? `5xx rate ${pct(rateOf(w))} > ${pct(limit)} (${w.errors} of ${w.requests} requests) on ${name}`
      : `5xx rate ${errorFigures(w, name)} ${outcome === 'accept-h0' ? 'within' : 'against'} the ${pct(limit)} limit`;
  return {
    status: STATUS[outcome],
    reason: sprtReason(evidence, llr, test),
  };
}

function errorComparisonRule(
  gate: Gate,
  w: TrafficWindow,
  base: TrafficWindow,
  names: Names,
  test: SprtTest,
): RuleResult {
  const llr = comparisonLogLikelihoodRatio(w, base, gate.minDetectableIncrease);
  const evidence = `5xx rate ${errorFigures(w, names.candidate)} vs ${errorFigures(base, names.baseline)}`;
  return { status: STATUS[sprtOutcome(llr, test.boundaries)], reason: sprtReason(evidence, llr, test) };
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
): RuleResult | null {
  if (base.p99Ms === null || base.requests < MIN_REQUESTS_FOR_P99) return null;
  if (w.requests < MIN_REQUESTS_FOR_P99) {
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

/** Too few live requests to compare with yet: the comparison waits rather than being skipped. */
function baselineTooSmall(gate: Gate, base: TrafficWindow, names: Names): RuleResult | null {
  if (base.requests >= gate.minRequests) return null;
  return {
    status: 'pending',
    reason: `comparison with ${names.baseline} needs ${gate.minRequests} requests on it, ${base.requests} so far`,
  };
}

/** The sequential verdict for the new color's window, compared with `baseline` (the live color) when it has enough requests. */
export function evaluateSequential(
  gate: Gate,
  traffic: TrafficWindow,
  health: TargetHealth,
  baseline?: Baseline,
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
  const test = sprtTest(gate);
  const notes: string[] = [];
  const skipped = noComparisonReason(gate, baseline, names);
  if (skipped) notes.push(skipped);
  const compared = gate.compareWithBaseline && baseline && !skipped ? baseline.window : null;
  const waiting = compared && baselineTooSmall(gate, compared, names);
  const rules = [
    waiting || (compared && errorComparisonRule(gate, traffic, compared, names, test)),
    errorLimitRule(gate, traffic, names.candidate, test),
    p99LimitRule(gate, traffic),
    !waiting && compared && p99ComparisonRule(gate, traffic, compared, names),
  ].filter((r): r is RuleResult => Boolean(r));
  failures.push(...rules.filter((r) => r.status === 'fail').map((r) => r.reason));
  if (failures.length > 0) return { verdict: 'fail', reasons: failures };
  const pending = rules.filter((r) => r.status === 'pending');
  if (pending.length > 0)
    return { verdict: 'inconclusive', reasons: [...pending.map((r) => r.reason), ...notes] };
  return { verdict: 'pass', reasons: [...rules.map((r) => r.reason), ...notes] };
}
