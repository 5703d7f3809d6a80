/**
 * The deployment spec: what a user writes to describe a service and how to deploy it. Its parts
 * have their own modules: the gate's and the probes' settings (gate/gate-schema.ts,
 * gate/probes-schema.ts), the plan (plan-schema.ts, expanded by plan-expansion.ts) and the
 * history and execution-time budgets the whole spec must fit (history-budget.ts).
 */
import { z } from 'zod';
import { InvalidInputError } from './errors';
import { controllerPlanIssues } from './controllers/controller-issues';
import {
  CONTROLLERS,
  CodeDeployControllerSchema,
  controllerSectionIssues,
  EcsControllerSchema,
} from './controllers/controller-spec';
import { GateSchema } from './gate/gate-schema';
import { ProbesSchema } from './gate/probes-schema';
import { gateMetricsModel, isDefaultMetricsModel } from './gate/metrics-source';
import { DEFAULT_METRICS_MODEL, MetricsSchema, metricsTimingIssues } from './gate/published-data';
import { executionTimeIssue, HISTORY_EVENT_BUDGET, maxHistoryEvents } from './history-budget';
import { expandPlan, planWeights, stepFieldPaths } from './plan-expansion';
import { PlanSchema } from './plan-schema';
import { lockKeyProblem } from './request-limits';
import { UserHooksSchema } from './user-hooks';
import { secondsSchema } from './validation';

/** ECS/ELB names and ARNs: printable, no spaces. */
const resourceName = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9_.:/@+=,-]+$/, 'expected a name or ARN (letters, digits and _.:/@+=,- only)');

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
    holdSeconds: secondsSchema(86_400).default(60),
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
    /** Greenlight's two services: required when controller is greenlight, unused otherwise. */
    slots: z
      .object({
        blue: z.object({ service: resourceName, targetGroup: resourceName }).strict(),
        green: z.object({ service: resourceName, targetGroup: resourceName }).strict(),
      })
      .strict()
      .optional(),
    /** The production route Greenlight shifts: required when controller is greenlight, unused otherwise. */
    traffic: z.object({ listener: resourceName, rule: resourceName.optional() }).strict().optional(),
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
    /**
     * Seconds between weights read back and scaling down the color they took traffic from
     * (Rollback; RetireOldColor after a bake shorter than this). A read-back answers from the
     * listener's configuration while the load balancer's nodes apply a change on their own
     * schedule, which AWS does not state; a node still sending a request to a scaled-down color
     * would fail it.
     */
    trafficSettleSeconds: z.number().int().min(0).max(300).default(15),
    /** Time at 100 % with the old color still at full size and the gate still watching. */
    bakeSeconds: secondsSchema(86_400).default(300),
    /**
     * The bake is also judged window by window (fresh evidence each window), so a release that
     * degrades late in a long bake is caught as fast as one that starts bad (see domain/gate/bake-window.ts).
     */
    bakeWindowSeconds: z.number().int().min(10).max(86_400).default(60),
    /**
     * The metric data the gate is judged on (default CloudWatch's ALB metrics: 60-s periods, read
     * 120 s after they end): only complete, published periods are judged (see gate/published-data.ts).
     * The timing of the alb source; the other sources of gate.metrics carry their own.
     */
    metrics: MetricsSchema.default(DEFAULT_METRICS_MODEL),
    /** Synthetic HTTP probes, judged at every evaluation: they can fail a step, never pass one alone. */
    probes: ProbesSchema.optional(),
    /** An optional phase before production traffic: the test listener sends all it carries to the new color. */
    testTraffic: TestTrafficSchema.optional(),
    /**
     * Who shifts the traffic: Greenlight's two services (default), CodeDeploy or ECS's built-in
     * strategies with Greenlight's gate as their hook (see domain/controllers/).
     */
    controller: z.enum(CONTROLLERS).default('greenlight'),
    /** The CodeDeploy application and deployment group: required when controller is codedeploy. */
    codedeploy: CodeDeployControllerSchema.optional(),
    /** The ECS-controlled service and the hook to register: required when controller is ecs. */
    ecs: EcsControllerSchema.optional(),
    /** User hooks (Lambda functions or webhooks) that gate or are told of a deployment's stages (see user-hooks.ts). */
    hooks: UserHooksSchema.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    for (const issue of controllerSectionIssues(spec)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of controllerPlanIssues(
      { ...spec, plan: { steps: expandPlan(spec.plan, spec.gate) } },
      spec.plan,
    )) {
      ctx.addIssue({ code: 'custom', ...issue });
    }
    // The lock key is a DynamoDB partition key: a spec whose lock cannot be stored cannot be deployed.
    const lockProblem = lockKeyProblem(spec.cluster, spec.service);
    if (lockProblem) ctx.addIssue({ code: 'custom', path: ['cluster'], message: lockProblem });
    if (spec.testTraffic && !spec.probes) {
      ctx.addIssue({
        code: 'custom',
        path: ['probes'],
        message: 'required when testTraffic is set: probes are the only traffic the test listener carries',
      });
    }
    // Greenlight's own path calls user hooks at its stages; a driven deployment has none of those
    // stages, so hooks there would be skipped without a word.
    if (spec.controller !== 'greenlight' && spec.hooks !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['hooks'],
        message: `not allowed when controller is ${spec.controller}: driven deployments use the controller's own hooks (the AppSpec's or the service deployment's lifecycle hooks)`,
      });
    }
    // Greenlight's own path moves these; CodeDeploy and ECS move their own listeners and services.
    if (spec.controller === 'greenlight') {
      for (const field of ['slots', 'traffic'] as const) {
        if (spec[field] === undefined) {
          ctx.addIssue({ code: 'custom', path: [field], message: 'required when controller is greenlight' });
        }
      }
    }
    if (
      spec.testTraffic &&
      spec.traffic &&
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
    if (spec.slots && spec.slots.blue.service === spec.slots.green.service) {
      ctx.addIssue({
        code: 'custom',
        path: ['slots', 'green', 'service'],
        message: 'must differ from slots.blue.service',
      });
    }
    if (spec.slots && spec.slots.blue.targetGroup === spec.slots.green.targetGroup) {
      ctx.addIssue({
        code: 'custom',
        path: ['slots', 'green', 'targetGroup'],
        message: 'must differ from slots.blue.targetGroup',
      });
    }
    const source = spec.gate.metrics?.source ?? 'alb';
    if (source !== 'alb' && !isDefaultMetricsModel(spec.metrics)) {
      ctx.addIssue({
        code: 'custom',
        path: ['metrics'],
        message: `describes the alb source only; with gate.metrics.source ${source}, set periodSeconds and publishDelaySeconds in gate.metrics`,
      });
    }
    // The metric source is the deployment's: a step may repeat it (an expanded plan does), never switch it.
    if ('steps' in spec.plan) {
      spec.plan.steps.forEach((step, i) => {
        const own = step.gate?.metrics;
        if (own !== undefined && JSON.stringify(own) !== JSON.stringify(spec.gate.metrics)) {
          ctx.addIssue({
            code: 'custom',
            path: ['plan', 'steps', i, 'gate', 'metrics'],
            message: 'the metric source is the whole deployment’s: set it in gate.metrics',
          });
        }
      });
    }
    for (const issue of metricsTimingIssues({
      metrics: gateMetricsModel(spec),
      plan: { steps: expandPlan(spec.plan, spec.gate) },
      gate: spec.gate,
      bakeSeconds: spec.bakeSeconds,
      bakeWindowSeconds: spec.bakeWindowSeconds,
      customSteps: 'steps' in spec.plan,
    })) {
      ctx.addIssue({ code: 'custom', ...issue });
    }
    const tooLong = executionTimeIssue(
      { ...spec, plan: { steps: expandPlan(spec.plan, spec.gate) } },
      stepFieldPaths(spec.plan),
    );
    if (tooLong) ctx.addIssue({ code: 'custom', ...tooLong });
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
          'raise gate.intervalSeconds (or launch.pollSeconds, testTraffic.intervalSeconds), or shorten holds, stepTimeoutSeconds, bakeSeconds, testTraffic.timeoutSeconds ' +
          'or the deadlineSeconds of the beforeLaunch, beforeStep and beforePromote hooks',
      });
    }
  });

/** The validated spec with the plan expanded into explicit steps. */
export type DeploymentSpec = z.output<typeof SpecSchema>;
export type DeploymentSpecInput = z.input<typeof SpecSchema>;

/** Greenlight's two services and production route: what its own path shifts. */
export type GreenlightParts = Required<Pick<DeploymentSpec, 'slots' | 'traffic'>>;

/**
 * The slots and route of a spec Greenlight itself shifts. A spec from SpecSchema with controller
 * greenlight always has them; one without them (another controller's) reaching Greenlight's path
 * is refused, naming the field, rather than moving traffic it does not own.
 */
export function greenlightParts(spec: Pick<DeploymentSpec, 'slots' | 'traffic'>): GreenlightParts {
  const { slots, traffic } = spec;
  if (!slots || !traffic) {
    const path = slots ? 'spec.traffic' : 'spec.slots';
    throw new InvalidInputError(
      `${path}: required for Greenlight's own deployments (controller greenlight)`,
      [{ path, message: "required for Greenlight's own deployments (controller greenlight)" }],
    );
  }
  return { slots, traffic };
}

// Kept for importers of the spec's parts from here (the rehearsal's memory ports).
export type { ProbesConfig } from './gate/probes-schema';
