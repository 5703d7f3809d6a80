/** The deployment spec: what a user writes to describe a service and how to deploy it. */
import { z } from 'zod';
import { HISTORY_EVENT_BUDGET, maxHistoryEvents } from './plan';

/** ECS/ELB names and ARNs: printable, no spaces. */
const resourceName = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9_.:/@+=,-]+$/, 'expected a name or ARN (letters, digits and _.:/@+=,- only)');

const seconds = (max: number) => z.number().int().min(0).max(max);

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
    /** Sequential mode: highest chance of passing a new color worse by minDetectableIncrease (β). */
    missRate: z.number().positive().max(0.5).default(0.01),
    /** Sequential mode: the smallest rise of the 5xx share (absolute, 0.02 = +2 points) caught with 1 − missRate. */
    minDetectableIncrease: z.number().min(0.001).max(0.5).default(0.02),
    /** Sequential mode: compare the new color with the live color's window (5xx share and p99). */
    compareWithBaseline: z.boolean().default(true),
    /** Sequential mode: highest new-color p99 as a multiple of the live color's p99 (plus p99ToleranceMs). */
    maxP99RatioToBaseline: z.number().min(1).max(100).default(1.5),
    /** Sequential mode: latency added to the live p99 × maxP99RatioToBaseline before the new color's p99 fails. */
    p99ToleranceMs: z.number().min(0).max(600_000).default(50),
  })
  .strict();
export type Gate = z.output<typeof GateSchema>;

/**
 * A step's gate overrides: GateSchema's fields without their defaults. (`GateSchema.partial()`
 * would still apply the defaults, so overriding one field would reset all the others.)
 */
const GateOverridesSchema = z
  .object({
    maxErrorRate: GateSchema.shape.maxErrorRate.removeDefault().optional(),
    maxP99Ms: GateSchema.shape.maxP99Ms.removeDefault().optional(),
    minHealthyTargets: GateSchema.shape.minHealthyTargets.removeDefault().optional(),
    maxTaskStops: GateSchema.shape.maxTaskStops.removeDefault().optional(),
    maxUnhealthyTargets: GateSchema.shape.maxUnhealthyTargets.removeDefault().optional(),
    minRequests: GateSchema.shape.minRequests.removeDefault().optional(),
    intervalSeconds: GateSchema.shape.intervalSeconds.removeDefault().optional(),
    consecutiveFailures: GateSchema.shape.consecutiveFailures.removeDefault().optional(),
    stepTimeoutSeconds: GateSchema.shape.stepTimeoutSeconds.removeDefault().optional(),
    mode: GateSchema.shape.mode.removeDefault().optional(),
    falseRollbackRate: GateSchema.shape.falseRollbackRate.removeDefault().optional(),
    missRate: GateSchema.shape.missRate.removeDefault().optional(),
    minDetectableIncrease: GateSchema.shape.minDetectableIncrease.removeDefault().optional(),
    compareWithBaseline: GateSchema.shape.compareWithBaseline.removeDefault().optional(),
    maxP99RatioToBaseline: GateSchema.shape.maxP99RatioToBaseline.removeDefault().optional(),
    p99ToleranceMs: GateSchema.shape.p99ToleranceMs.removeDefault().optional(),
  })
  .strict();

export const StepSchema = z
  .object({
    /** Percent of production traffic on the new color during this step (promotion to 100 follows the last step). */
    weight: z
      .number()
      .int()
      .min(1, 'expected 1 to 99 (promotion to 100 follows the last step)')
      .max(99, 'expected 1 to 99 (promotion to 100 follows the last step)'),
    /** Least time at this weight, even when the gate passes earlier. */
    holdSeconds: seconds(86_400).default(0),
    /** Gate settings that differ from the spec's gate for this step. */
    gate: GateOverridesSchema.optional(),
    /** Once the gate has passed and the hold elapsed, wait for a person to approve this step. */
    approval: z.boolean().optional(),
  })
  .strict();

/** Discriminated on `preset` (absent: custom) so a bad plan's issues name the field, not just `plan`. */
const PlanSchema = z.discriminatedUnion('preset', [
  z.object({ preset: z.literal('all-at-once') }).strict(),
  /** CodeDeployDefault.ECSCanary10Percent5Minutes: 10 % for 5 minutes judged at the end (fixed window), then 100 %. */
  z.object({ preset: z.literal('codedeploy-canary-10-5') }).strict(),
  z
    .object({
      preset: z.literal('canary'),
      weights: z.array(z.number().int().min(1).max(99)).min(1).max(20).default([5, 25]),
      holdSeconds: seconds(86_400).default(60),
    })
    .strict(),
  z
    .object({
      preset: z.literal('linear'),
      /** Equal increments up to 100 %, e.g. 4 → 25, 50, 75, then promotion. */
      increments: z.number().int().min(2).max(20).default(4),
      holdSeconds: seconds(86_400).default(60),
    })
    .strict(),
  z
    .object({
      preset: z.literal('custom').optional(),
      steps: z.array(StepSchema).max(50),
    })
    .strict(),
]);
export type PlanInput = z.input<typeof PlanSchema>;

export interface PlanStep {
  weight: number;
  holdSeconds: number;
  gate: Gate;
  approval?: true;
}

/** Longest a round of probes may take, so one fits in an evaluation (its Lambda times out at 30 s). */
export const MAX_PROBE_ROUND_MS = 20_000;

/** Synthetic HTTP probes: requests Greenlight sends itself, judged on status, body and latency. */
export const ProbesSchema = z
  .object({
    /** What to request, e.g. the test listener's address and a path (`http://...:8443/health/deep`). */
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).max(2048),
    /** Statuses that count as a passing probe. */
    expectStatus: z.array(z.number().int().min(100).max(599)).min(1).max(20).default([200]),
    /** Text the response body must contain (first 64 KiB). */
    bodyContains: z.string().min(1).max(1024).optional(),
    /** Slowest passing response, headers and body. */
    maxLatencyMs: z.number().int().min(1).max(60_000).default(2000),
    /** Probes per evaluation; fewer results than this is inconclusive. */
    requests: z.number().int().min(1).max(100).default(10),
    /** Probes in flight at once. */
    concurrency: z.number().int().min(1).max(10).default(2),
    /** Time allowed to each probe before it counts as failed. */
    timeoutMs: z.number().int().min(100).max(MAX_PROBE_ROUND_MS).default(3000),
    /** Failed probes an evaluation tolerates before it fails. */
    maxFailures: z.number().int().min(0).max(99).default(0),
  })
  .strict()
  .superRefine((probes, ctx) => {
    const roundMs = Math.ceil(probes.requests / probes.concurrency) * probes.timeoutMs;
    if (roundMs > MAX_PROBE_ROUND_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeoutMs'],
        message: `a round of probes must fit in ${MAX_PROBE_ROUND_MS} ms, got ceil(${probes.requests} requests / ${probes.concurrency} concurrency) × ${probes.timeoutMs} ms = ${roundMs} ms: lower requests or timeoutMs, or raise concurrency`,
      });
    }
    if (probes.maxFailures >= probes.requests) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxFailures'],
        message: `must be less than requests (${probes.requests}), or no probe could ever fail an evaluation`,
      });
    }
  });
export type ProbesConfig = z.output<typeof ProbesSchema>;

/**
 * The test-traffic phase: before any production traffic, the test listener (or rule) sends all its
 * traffic to the new color while probes judge it.
 */
export const TestTrafficSchema = z
  .object({
    listener: resourceName,
    /** When set, the test weights live on this listener rule instead of the listener's default action. */
    rule: resourceName.optional(),
    /** Least time on test traffic, even when the probes pass earlier. */
    holdSeconds: seconds(86_400).default(60),
    /** Seconds between two rounds of probes. */
    intervalSeconds: z.number().int().min(1).max(300).default(10),
    /** Failing rounds in a row that roll back. */
    consecutiveFailures: z.number().int().min(1).max(100).default(2),
    /** Longest the phase may wait for passing probes after its hold before rolling back. */
    timeoutSeconds: z.number().int().min(1).max(86_400).default(300),
  })
  .strict();
export type TestTraffic = z.output<typeof TestTrafficSchema>;

/** A logical service name: the lock key, the service index's key, the name in history and notifications. */
export const ServiceNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'expected 1–128 letters, digits, _ . -');

export const SpecSchema = z
  .object({
    /** Logical service name: the lock key and the name in history and notifications. */
    service: ServiceNameSchema,
    cluster: resourceName,
    slots: z
      .object({
        blue: z.object({ service: resourceName, targetGroup: resourceName }).strict(),
        green: z.object({ service: resourceName, targetGroup: resourceName }).strict(),
      })
      .strict(),
    traffic: z.object({ listener: resourceName, rule: resourceName.optional() }).strict(),
    container: z
      .object({ name: z.string().min(1).max(255), port: z.number().int().min(1).max(65_535) })
      .strict(),
    plan: PlanSchema.default({ preset: 'canary', weights: [5, 25], holdSeconds: 60 }),
    gate: GateSchema.default(GateSchema.parse({})),
    launch: z
      .object({
        timeoutSeconds: z.number().int().min(1).max(86_400).default(600),
        pollSeconds: z.number().int().min(1).max(300).default(10),
      })
      .strict()
      .default({ timeoutSeconds: 600, pollSeconds: 10 }),
    /** CloudWatch alarms (names) watched for the whole deployment: any in ALARM rolls back at once. */
    alarms: z.array(z.string().min(1).max(255)).max(100).default([]),
    /** Time at 100 % with the old color still at full size and the gate still watching. */
    bakeSeconds: seconds(86_400).default(300),
    /**
     * The bake is also judged window by window (fresh evidence each window), so a release that
     * degrades late in a long bake is caught as fast as one that starts bad (see domain/gate/bake-window.ts).
     */
    bakeWindowSeconds: z.number().int().min(10).max(86_400).default(60),
    /** Synthetic HTTP probes, judged at every evaluation: they can fail a step, never pass one alone. */
    probes: ProbesSchema.optional(),
    /** An optional phase before production traffic: the test listener sends all it carries to the new color. */
    testTraffic: TestTrafficSchema.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.testTraffic && !spec.probes) {
      ctx.addIssue({
        code: 'custom',
        path: ['probes'],
        message: 'required when testTraffic is set: probes are the only traffic the test listener carries',
      });
    }
    if (
      spec.testTraffic &&
      spec.testTraffic.listener === spec.traffic.listener &&
      spec.testTraffic.rule === spec.traffic.rule
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['testTraffic', spec.testTraffic.rule ? 'rule' : 'listener'],
        message:
          'must differ from the production route (traffic.listener / traffic.rule): test traffic must never move production traffic',
      });
    }
    if (spec.slots.blue.service === spec.slots.green.service) {
      ctx.addIssue({
        code: 'custom',
        path: ['slots', 'green', 'service'],
        message: 'must differ from slots.blue.service',
      });
    }
    if (spec.slots.blue.targetGroup === spec.slots.green.targetGroup) {
      ctx.addIssue({
        code: 'custom',
        path: ['slots', 'green', 'targetGroup'],
        message: 'must differ from slots.blue.targetGroup',
      });
    }
    const weights = planWeights(spec.plan);
    weights.forEach((w, i) => {
      if (i > 0 && w <= weights[i - 1]!) {
        const path = 'steps' in spec.plan ? ['plan', 'steps', i, 'weight'] : ['plan', 'weights', i];
        ctx.addIssue({
          code: 'custom',
          path,
          message: `must be greater than the previous step's ${weights[i - 1]}`,
        });
      }
    });
  })
  .transform((spec) => ({ ...spec, plan: { steps: expandPlan(spec.plan, spec.gate) } }))
  .superRefine((spec, ctx) => {
    const events = maxHistoryEvents(spec);
    if (events > HISTORY_EVENT_BUDGET) {
      ctx.addIssue({
        code: 'custom',
        path: ['gate', 'intervalSeconds'],
        message:
          `the plan's longest run would write about ${events} Step Functions history events ` +
          `(budget ${HISTORY_EVENT_BUDGET} of the 25,000 an execution may hold): ` +
          'raise gate.intervalSeconds (or launch.pollSeconds, testTraffic.intervalSeconds), or shorten holds, stepTimeoutSeconds, bakeSeconds or testTraffic.timeoutSeconds',
      });
    }
  });

/** The validated spec with the plan expanded into explicit steps. */
export type DeploymentSpec = z.output<typeof SpecSchema>;
export type DeploymentSpecInput = z.input<typeof SpecSchema>;

type ParsedPlan = z.output<typeof PlanSchema>;

/** The CodeDeploy canary's one step: its weight and its window, judged once at the end. */
const CODEDEPLOY_CANARY_10_5 = { weight: 10, holdSeconds: 300 } as const;

function planWeights(plan: ParsedPlan): number[] {
  if ('steps' in plan) return plan.steps.map((s) => s.weight);
  switch (plan.preset) {
    case 'all-at-once':
      return [];
    case 'codedeploy-canary-10-5':
      return [CODEDEPLOY_CANARY_10_5.weight];
    case 'canary':
      return plan.weights;
    case 'linear':
      return Array.from({ length: plan.increments - 1 }, (_, i) =>
        Math.round(((i + 1) * 100) / plan.increments),
      );
  }
}

function expandPlan(plan: ParsedPlan, gate: Gate): PlanStep[] {
  if ('steps' in plan) {
    return plan.steps.map((s) => ({
      weight: s.weight,
      holdSeconds: s.holdSeconds,
      gate: withOverrides(gate, s.gate),
      ...(s.approval ? { approval: true as const } : {}),
    }));
  }
  if (plan.preset === 'codedeploy-canary-10-5') {
    const { weight, holdSeconds } = CODEDEPLOY_CANARY_10_5;
    return [{ weight, holdSeconds, gate: { ...gate, mode: 'fixed-window' } }];
  }
  const holdSeconds = plan.preset === 'all-at-once' ? 0 : plan.holdSeconds;
  return planWeights(plan).map((weight) => ({ weight, holdSeconds, gate }));
}

/** `gate` with the fields a step sets; a field explicitly set to undefined keeps the spec's value. */
function withOverrides(gate: Gate, overrides: Partial<Gate> = {}): Gate {
  const set = Object.entries(overrides).filter(([, value]) => value !== undefined);
  return { ...gate, ...Object.fromEntries(set) };
}
