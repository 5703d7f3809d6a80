/** The gate's verdicts: what the readings of one evaluation say, before any decision. */
import type { Gate } from './gate-schema';
import { evaluateFixedWindow } from './fixed-window';
import { evaluateSequential } from './sequential';
import type { LatencyHistogram } from '../statistics/latency-rank';

export type { LatencyHistogram } from '../statistics/latency-rank';

/** Traffic served by one target group over a window. */
export interface TrafficWindow {
  requests: number;
  /** Responses with a 5xx status from the targets, plus requests the balancer failed. */
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Latency bucket counts, when the metric source has them (Prometheus histograms): judged as a distribution. */
  latencyHistogram?: LatencyHistogram | undefined;
}

export interface TargetHealth {
  healthy: number;
  unhealthy: number;
  /** Registering (initial) or deregistering (draining) targets. */
  transitioning: number;
}

/** The live color's traffic, to judge the new color against. */
export interface Baseline {
  /** The live color's window: the same window as the new color's during a step (an earlier one during the bake). */
  window: TrafficWindow;
  /** Names used in reasons; default "the new color" and "the live color". */
  names?: { candidate: string; baseline: string };
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** Which look at the data an evaluation is. */
export interface GateLook {
  /**
   * The final look (the step has run max(hold, finalLookSeconds)): the sequential gate decides with
   * the data it has, never inconclusive but for too few requests.
   */
  final: boolean;
  /**
   * The interim look of the 5xx limit (judge.ts interimLookAt): one exact test at α/2 on the
   * window then, whose failure rolls back at once. Taken once per step. Default false.
   */
  interim?: boolean;
  /**
   * The last look (judge.ts lastLookAt), default `final`: a final look that found the observed 5xx
   * rate above the limit on too few requests to say so waits for more, up to here, then passes.
   */
  last?: boolean;
  /**
   * An evaluation after the final look, before the last, of a step the final look left undecided
   * (judge.ts gateLook): only the always-valid tests can fail then, and a 5xx rate back within the
   * limit passes. Default false.
   */
  extended?: boolean;
}

export interface GateVerdict {
  verdict: Verdict;
  /** Human-readable reasons, each naming the rule and the numbers. */
  reasons: string[];
  /** A failure at a single look of a group-sequential design (the interim look): rolls back at once. */
  atOnce?: boolean;
}

/**
 * Judges the new color's window: sequentially against the live color's `baseline` and the hard
 * limits (mode `sequential`, see ./sequential.ts), or against the thresholds only
 * (mode `fixed-window`, the baseline unused). Too little traffic never passes.
 */
export function evaluateGate(
  gate: Gate,
  traffic: TrafficWindow,
  health: TargetHealth,
  baseline?: Baseline,
  look?: GateLook,
): GateVerdict {
  return gate.mode === 'sequential'
    ? evaluateSequential(gate, traffic, health, baseline, look)
    : evaluateFixedWindow(gate, traffic, health);
}

/**
 * Several signals' verdicts as one: any failure fails (with every failing signal's reasons);
 * otherwise `primary` (the traffic verdict) decides, so a side signal that looks fine (probes,
 * task stops) never passes a step the traffic has not passed.
 */
export function combineVerdicts(primary: GateVerdict, ...others: GateVerdict[]): GateVerdict {
  const all = [primary, ...others];
  const failing = all.filter((v) => v.verdict === 'fail');
  if (failing.length > 0) {
    const atOnce = failing.some((v) => v.atOnce);
    return { verdict: 'fail', reasons: failing.flatMap((v) => v.reasons), ...(atOnce ? { atOnce } : {}) };
  }
  return { verdict: primary.verdict, reasons: all.flatMap((v) => v.reasons) };
}
