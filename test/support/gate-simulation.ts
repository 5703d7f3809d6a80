/**
 * Simulated canary steps: traffic drawn interval by interval, judged by the real evaluateGate and
 * decide, as the workflow does with cumulative windows since the step started. For the gate
 * benchmark and the calibration tests: what a gate does to a good or a bad release.
 *
 * Model: each interval, requestsPerSecond × intervalSeconds requests, each sent to the new color
 * with probability weight/100; 5xx per color ~ Binomial(requests, error rate). Latency per color
 * is lognormal with log-sd `latencySigma`, so the window's p99 is the true p99 times
 * exp(N(0, (3.73·σ)²/n)), the asymptotic sampling error of a quantile; the errors of successive
 * windows are those of one growing sample (a cumulative sum), not independent draws.
 */
import {
  combineVerdicts,
  currentBakeWindow,
  decide,
  evaluateGate,
  decidesAtOnce,
  gateLook,
  judgeBakeWindow,
  type TargetHealth,
  type TrafficWindow,
} from '../../shared/domain/gate';
import type { Gate } from '../../shared/domain/gate';
import { binomial, binomialSampler, normal, type Random } from '../../shared/domain/statistics/random';
import { normalCdf } from '../../shared/domain/statistics/special-functions';

/** Latency buckets of the simulated histogram source, in ms (Prometheus-like `le` bounds). */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2500, 5000];

/** The releases the simulation compares: live (blue) and new (green) colors. */
export interface Scenario {
  blueErrorRate: number;
  greenErrorRate: number;
  blueP99Ms: number;
  greenP99Ms: number;
}

export interface StepSetup {
  gate: Gate;
  /** Percent of traffic on the new color. */
  weight: number;
  holdSeconds: number;
  requestsPerSecond: number;
  /** Log-sd of per-request latency (0.5: p99 ≈ 3.2 × median). */
  latencySigma?: number;
  /** Healthy targets reported for the new color. */
  healthyTargets?: number;
  /**
   * Whether the metric source gives latency histograms (as Prometheus does): each request's latency
   * drawn from the same lognormal, counted in LATENCY_BUCKETS_MS. Default false (ALB metrics: p99 only).
   */
  latencyHistograms?: boolean;
}

export interface StepOutcome {
  decision: 'advance' | 'rollback';
  /** Requests the new color served until the decision. */
  greenRequests: number;
  seconds: number;
  reasons: string[];
}

/** sqrt(q(1 − q)) / φ(z_q) for q = 0.99: the quantile's sampling sd in units of σ/√n. */
const P99_SAMPLING_FACTOR = Math.sqrt(0.99 * 0.01) / (Math.exp(-(2.3263 ** 2) / 2) / Math.sqrt(2 * Math.PI));

class ColorWindow {
  requests = 0;
  errors = 0;
  private noise = 0;
  /** Per-bucket counts (the last one above the last bound), or null without histograms. */
  private readonly buckets: number[] | null;
  /** Each bucket's probability given the ones before it did not take the request: a multinomial as a chain of binomials. */
  private readonly conditional: number[];

  constructor(
    private readonly errorRate: number,
    private readonly trueP99Ms: number,
    private readonly logSd: number,
    histograms: boolean,
  ) {
    this.buckets = histograms ? new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0) : null;
    const logMedian = Math.log(trueP99Ms) - 2.3263 * logSd;
    const cdf = [...LATENCY_BUCKETS_MS.map((b) => normalCdf((Math.log(b) - logMedian) / logSd)), 1];
    this.conditional = cdf.map((c, i) => {
      const before = i === 0 ? 0 : cdf[i - 1]!;
      return before >= 1 ? 1 : Math.min(1, (c - before) / (1 - before));
    });
  }

  add(random: Random, requests: number, latencyRandom: Random): void {
    if (requests === 0) return;
    this.requests += requests;
    this.errors += binomial(random, requests, this.errorRate);
    this.noise += Math.sqrt(requests) * normal(random);
    if (this.buckets) {
      let left = requests;
      for (let i = 0; i < this.buckets.length && left > 0; i++) {
        const k = binomial(latencyRandom, left, this.conditional[i]!);
        this.buckets[i]! += k;
        left -= k;
      }
    }
  }

  snapshot(): TrafficWindow {
    if (this.requests === 0) return { requests: 0, errors: 0, p50Ms: null, p99Ms: null };
    const p99Ms = this.trueP99Ms * Math.exp((P99_SAMPLING_FACTOR * this.logSd * this.noise) / this.requests);
    return {
      requests: this.requests,
      errors: this.errors,
      p50Ms: p99Ms / Math.exp(2.3263 * this.logSd),
      p99Ms,
      ...(this.buckets
        ? { latencyHistogram: { upperBoundsMs: LATENCY_BUCKETS_MS, counts: [...this.buckets] } }
        : {}),
    };
  }
}

const routeSamplers = new Map<string, (random: Random) => number>();
/** The router's split, one CDF per (requests, weight) for the whole process: simulations repeat it millions of times. */
function routeSampler(n: number, p: number): (random: Random) => number {
  const key = `${n}/${p}`;
  let sampler = routeSamplers.get(key);
  if (!sampler) {
    if (routeSamplers.size >= 64) routeSamplers.clear();
    sampler = binomialSampler(n, p);
    routeSamplers.set(key, sampler);
  }
  return sampler;
}

/**
 * Runs one step until the gate advances or rolls back (the step deadline bounds it). Latency
 * histograms draw from `latencyRandom`, so the traffic drawn from `random` is the same with or
 * without them (the bench gives both policies the same traffic).
 */
export function simulateStep(
  setup: StepSetup,
  scenario: Scenario,
  random: Random,
  latencyRandom: Random = random,
): StepOutcome {
  const { gate, weight, holdSeconds, requestsPerSecond } = setup;
  const sigma = setup.latencySigma ?? 0.5;
  const health: TargetHealth = { healthy: setup.healthyTargets ?? 2, unhealthy: 0, transitioning: 0 };
  const histograms = setup.latencyHistograms ?? false;
  const blue = new ColorWindow(scenario.blueErrorRate, scenario.blueP99Ms, sigma, histograms);
  const green = new ColorWindow(scenario.greenErrorRate, scenario.greenP99Ms, sigma, histograms);
  const perInterval = Math.round(requestsPerSecond * gate.intervalSeconds);
  const deadlineAt = (holdSeconds + gate.stepTimeoutSeconds) * 1000;
  // The step as judge.ts places its looks (interim, final, last).
  const stepTiming = { index: 0, startedAt: 0, holdSeconds, deadlineAt, gate };
  const names = { candidate: 'green', baseline: 'blue' };
  const route = routeSampler(perInterval, weight / 100);
  let previousFailures = 0;
  for (let seconds = gate.intervalSeconds; ; seconds += gate.intervalSeconds) {
    const toGreen = route(random);
    green.add(random, toGreen, latencyRandom);
    blue.add(random, perInterval - toGreen, latencyRandom);
    // decide() waits on anything before a fixed window ends: skip evaluations it would ignore.
    if (gate.mode === 'fixed-window' && seconds < holdSeconds) continue;
    // The look as judge.ts takes it, the previous evaluation having read data up to one interval ago.
    const previous = {
      stepIndex: 0,
      phase: 'step',
      consecutiveFailures: previousFailures,
      dataUntil: (seconds - gate.intervalSeconds) * 1000,
    };
    const look = gateLook(
      stepTiming,
      'step',
      seconds * 1000,
      seconds > gate.intervalSeconds ? previous : null,
    );
    const verdict = evaluateGate(gate, green.snapshot(), health, { window: blue.snapshot(), names }, look);
    const observation = decide({
      gate,
      verdict,
      previousFailures,
      stepStartedAt: 0,
      holdSeconds,
      deadlineAt,
      now: seconds * 1000,
      finalLook: gate.mode === 'sequential' && decidesAtOnce(look),
    });
    if (observation.decision !== 'wait') {
      return {
        // No manual control in the simulation: promote never occurs.
        decision: observation.decision === 'rollback' ? 'rollback' : 'advance',
        greenRequests: green.requests,
        seconds,
        reasons: observation.reasons,
      };
    }
    previousFailures = observation.consecutiveFailures;
  }
}

/** A bake: 100 % on the new color, whose 5xx rate may change at `degradeAtSeconds`. */
export interface BakeScenario {
  errorRate: number;
  p99Ms: number;
  /** Seconds into the bake at which the error rate becomes `degradedErrorRate` (none: never). */
  degradeAtSeconds?: number;
  degradedErrorRate?: number;
}

export interface BakeSetup {
  gate: Gate;
  bakeSeconds: number;
  /** The spec's bakeWindowSeconds; null judges the whole bake only (no latest-window rule). */
  windowSeconds: number | null;
  requestsPerSecond: number;
}

export interface BakeOutcome {
  decision: 'advance' | 'rollback';
  seconds: number;
  /** 5xx answers the new color gave after the degradation began, until the decision. */
  errorsAfterOnset: number;
}

/**
 * Runs one bake as the workflow does: every interval, the whole bake so far and (with
 * `windowSeconds`) its latest window are judged, until it advances or rolls back. Latency is held
 * at the true p99 (the bake scenarios are about errors).
 */
export function simulateBake(setup: BakeSetup, scenario: BakeScenario, random: Random): BakeOutcome {
  const { gate, bakeSeconds, windowSeconds, requestsPerSecond } = setup;
  const health: TargetHealth = { healthy: 2, unhealthy: 0, transitioning: 0 };
  const perInterval = Math.round(requestsPerSecond * gate.intervalSeconds);
  const deadlineAt = (bakeSeconds + gate.stepTimeoutSeconds) * 1000;
  const whole = { requests: 0, errors: 0 };
  let latest = { requests: 0, errors: 0, from: 0 };
  let errorsAfterOnset = 0;
  let previousFailures = 0;
  const window = (w: { requests: number; errors: number }): TrafficWindow => ({
    ...w,
    p50Ms: w.requests > 0 ? scenario.p99Ms / 3 : null,
    p99Ms: w.requests > 0 ? scenario.p99Ms : null,
  });
  for (let seconds = gate.intervalSeconds; ; seconds += gate.intervalSeconds) {
    const degraded = scenario.degradeAtSeconds !== undefined && seconds > scenario.degradeAtSeconds;
    const rate = degraded ? (scenario.degradedErrorRate ?? scenario.errorRate) : scenario.errorRate;
    const errors = binomial(random, perInterval, rate);
    if (degraded) errorsAfterOnset += errors;
    const current =
      windowSeconds === null ? null : currentBakeWindow(0, deadlineAt, seconds * 1000, windowSeconds);
    if (current && current.from !== latest.from) latest = { requests: 0, errors: 0, from: current.from };
    whole.requests += perInterval;
    whole.errors += errors;
    latest.requests += perInterval;
    latest.errors += errors;
    const final = gate.mode === 'sequential' && seconds >= Math.max(bakeSeconds, gate.finalLookSeconds);
    const cumulative = evaluateGate(gate, window(whole), health, undefined, { final });
    const verdict = current
      ? combineVerdicts(cumulative, judgeBakeWindow(gate, current, window(latest)))
      : cumulative;
    const observation = decide({
      gate,
      verdict,
      previousFailures,
      stepStartedAt: 0,
      holdSeconds: bakeSeconds,
      deadlineAt,
      now: seconds * 1000,
      phase: 'bake',
      finalLook: final,
    });
    if (observation.decision !== 'wait') {
      return {
        decision: observation.decision === 'rollback' ? 'rollback' : 'advance',
        seconds,
        errorsAfterOnset,
      };
    }
    previousFailures = observation.consecutiveFailures;
  }
}
