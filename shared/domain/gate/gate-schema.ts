/** The gate's settings as users write them: the spec's `gate` and a step's overrides of it. */
import { z } from 'zod';
import { GateMetricsSchema } from './metrics-source';
import { DEFAULT_MAX_LOAD_BALANCER_ERROR_INCREASE } from './load-balancer-errors';

export const GateSchema = z
  .object({
    /** Highest acceptable share of 5xx responses on the new color (0–1). */
    maxErrorRate: z.number().min(0).max(1).default(0.01),
    /** Highest acceptable p99 latency on the new color. */
    maxP99Ms: z.number().positive().max(600_000).default(1000),
    /** Fewest healthy targets the new color may have. */
    minHealthyTargets: z.number().int().min(0).max(10_000).default(1),
    /**
     * New-color task stops with a failure (crash, out of memory, failed health checks, failed start)
     * allowed per step (and in the bake). Expected stops (scale-in, deployments, StopTask) never count.
     */
    maxTaskStops: z.number().int().min(0).max(10_000).default(0),
    /**
     * New-color tasks stopped by AWS's infrastructure (Fargate Spot interruptions, termination
     * notices, host retirement or maintenance, AZ rebalancing) allowed per step (and in the bake)
     * before a storm of them fails it; they never count towards maxTaskStops. null (the default):
     * no limit, since they say nothing about the release, and what they do to users (too few
     * healthy targets, errors, latency) fails the gate through its own rules.
     */
    maxInfrastructureStops: z.number().int().min(0).max(10_000).nullable().default(null),
    /**
     * Highest rise of the load balancer's own 5xx (ELB 502/503/504, HTTPCode_ELB_5XX_Count) while
     * the new color takes traffic, as a share of its requests (0.005 = +0.5 points) over their rate
     * before the deployment. CloudWatch has them per load balancer only, shared by both colors; a
     * color that resets or hangs connections shows nowhere else. null: not judged.
     */
    maxLoadBalancerErrorIncrease: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .default(DEFAULT_MAX_LOAD_BALANCER_ERROR_INCREASE),
    /** Most new-color targets that may be unhealthy in their target group at an evaluation. */
    maxUnhealthyTargets: z.number().int().min(0).max(10_000).default(0),
    /** Requests the new color must have served before any verdict other than inconclusive. */
    minRequests: z.number().int().min(1).max(10_000_000).default(20),
    /** Seconds between two evaluations. */
    intervalSeconds: z.number().int().min(1).max(300).default(10),
    /** Failing evaluations in a row that trigger a rollback. */
    consecutiveFailures: z.number().int().min(1).max(100).default(2),
    /** Longest a step may wait for a passing gate before rolling back. */
    stepTimeoutSeconds: z.number().int().min(1).max(86_400).default(900),
    /**
     * `sequential`: every evaluation, a sequential test against the live color and the limits,
     * deciding as soon as the evidence is enough. `fixed-window`: thresholds on the whole window,
     * judged once when the step's hold ends (CodeDeploy canary with a CloudWatch alarm).
     */
    mode: z.enum(['sequential', 'fixed-window']).default('sequential'),
    /** Sequential mode: highest chance of rolling back a new color that is as good as the live one (α). */
    falseRollbackRate: z.number().positive().max(0.2).default(0.01),
    /**
     * Sequential mode: highest chance of passing, before the final look, a new color at or above
     * maxErrorRate, or worse than the live color by minDetectableIncrease (β).
     */
    missRate: z.number().positive().max(0.5).default(0.01),
    /**
     * Sequential mode: a speed knob, not a threshold. The rise of the 5xx share (absolute, 0.02 = +2
     * points) over the limit and over the live color that the tests catch fastest, and the rise the
     * comparison must rule out before passing early. Smaller rises are still caught, more slowly
     * (see shared/domain/statistics).
     */
    minDetectableIncrease: z.number().min(0.001).max(0.5).default(0.02),
    /**
     * Sequential mode: the final look, in seconds from the step's start (the hold, when longer).
     * There the gate decides with the data it has: fail on evidence against a limit or the live
     * color, pass otherwise. Default 300 s, CodeDeploy's canary window.
     */
    finalLookSeconds: z.number().int().min(1).max(86_400).default(300),
    /**
     * Sequential mode, latency histograms only: the highest chance that a new-color request is slower
     * than a live-color one (0.5: the same distribution; Mann–Whitney effect size).
     */
    maxProbabilitySlower: z.number().min(0.5).max(1).default(0.55),
    /** Sequential mode: compare the new color with the live color's window (5xx share and p99). */
    compareWithBaseline: z.boolean().default(true),
    /** Sequential mode: highest new-color p99 as a multiple of the live color's p99 (plus p99ToleranceMs). */
    maxP99RatioToBaseline: z.number().min(1).max(100).default(1.5),
    /** Sequential mode: latency added to the live p99 × maxP99RatioToBaseline before the new color's p99 fails. */
    p99ToleranceMs: z.number().min(0).max(600_000).default(50),
    /** Where each color's traffic is read (metrics-source.ts): alb (absent), cloudwatch or prometheus. Spec-wide only. */
    metrics: GateMetricsSchema.optional(),
  })
  .strict();
export type Gate = z.output<typeof GateSchema>;

/** `shape`'s fields without their defaults, each optional. */
type Overridable<S extends Record<string, z.ZodType>> = {
  [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer T> ? T : S[K]>;
};

function overridable<S extends Record<string, z.ZodType>>(shape: S): Overridable<S> {
  return Object.fromEntries(
    Object.entries(shape).map(([key, field]) => [
      key,
      (field instanceof z.ZodDefault ? (field.removeDefault() as z.ZodType) : field).optional(),
    ]),
  ) as Overridable<S>;
}

/**
 * A step's gate overrides: GateSchema's fields without their defaults. (`GateSchema.partial()`
 * would still apply the defaults, so overriding one field would reset all the others.)
 */
export const GateOverridesSchema = z.object(overridable(GateSchema.shape)).strict();
export type GateOverrides = z.output<typeof GateOverridesSchema>;

/** `gate` with the fields a step sets; a field explicitly set to undefined keeps the spec's value. */
export function withGateOverrides(gate: Gate, overrides: GateOverrides = {}): Gate {
  const set = Object.entries(overrides).filter(([, value]) => value !== undefined);
  return { ...gate, ...Object.fromEntries(set) };
}
