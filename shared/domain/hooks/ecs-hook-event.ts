/**
 * The event Amazon ECS sends a Lambda lifecycle hook of a built-in blue/green, linear or canary
 * deployment, and what the hook reads from it.
 *
 * Source: Amazon ECS Developer Guide, "Lambda hooks for Amazon ECS service deployments"
 * (docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html) and
 * "Lifecycle hooks for Amazon ECS service deployments" (.../deployment-lifecycle-hooks.html), and
 * the API reference's DeploymentLifecycleHook (lifecycleStages). The hook answers
 * `{hookStatus: SUCCEEDED | FAILED | IN_PROGRESS, callBackDelay?, hookDetails?}`: IN_PROGRESS makes
 * ECS invoke it again after callBackDelay seconds (default 30) with the hookDetails it returned;
 * no valid hookStatus, or a failed invocation, rolls the deployment back. The documented event is
 * `{executionId, lifecycleStage, resourceArn, executionDetails: {serviceArn,
 * targetServiceRevisionArn, testTrafficWeights, productionTrafficWeights}, hookDetails}`; the
 * "lifecycle payloads" page shows the same four fields at the top level (the flat shape), without a
 * stage. Weights map a service revision ARN to its percentage of that traffic, and are empty where
 * the stage moves none: that page's examples (and payloads AWS's launch blog logged) carry test
 * weights at TEST_TRAFFIC_SHIFT only, production weights at PRODUCTION_TRAFFIC_SHIFT only, and
 * `{}` at POST_TEST_TRAFFIC_SHIFT and POST_PRODUCTION_TRAFFIC_SHIFT, whose shares the page states
 * instead ("100% of test / production traffic moved towards the green service revision"). On
 * rollback, ECS runs the TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT hooks again, with the
 * weights reversed.
 *
 * Pure: no AWS SDK; the handler (functions/hooks) and `greenlight hooks explain` share it.
 */
import { z } from 'zod';

/** The stages a hook can be registered for (API reference, DeploymentLifecycleHook.lifecycleStages). */
export const ECS_LIFECYCLE_STAGES = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  // Listed by the API reference since the pause hooks (2026); runs before production traffic moves.
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
] as const;
export type EcsLifecycleStage = (typeof ECS_LIFECYCLE_STAGES)[number];

/** The stages ECS runs again, with reversed weights, when it rolls back. */
export const TRAFFIC_SHIFT_STAGES: readonly EcsLifecycleStage[] = [
  'TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
];

const ARN_MAX = 2048;
const serviceArn = z
  .string()
  .max(ARN_MAX)
  .regex(
    /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/[A-Za-z0-9_-]{1,255}\/[A-Za-z0-9_-]{1,255}$/,
    'expected a service ARN arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME',
  );
const revisionArn = z
  .string()
  .max(ARN_MAX)
  .regex(/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service-revision\/\S+$/, 'expected a service revision ARN');
const weights = z
  .record(revisionArn, z.number().min(0).max(100))
  .refine((w) => Object.keys(w).length <= 10, 'expected at most 10 service revisions');

const ExecutionDetailsSchema = z
  .object({
    serviceArn,
    targetServiceRevisionArn: revisionArn,
    testTrafficWeights: weights.default({}),
    productionTrafficWeights: weights.default({}),
  })
  .loose();

const stage = z.enum(ECS_LIFECYCLE_STAGES, {
  error: `expected one of ${ECS_LIFECYCLE_STAGES.join(', ')}`,
});
const hookDetails = z.record(z.string(), z.unknown()).nullish();

const NestedEventSchema = z
  .object({
    executionId: z.string().min(1).max(1024),
    lifecycleStage: stage,
    resourceArn: z.string().min(1).max(ARN_MAX).optional(),
    executionDetails: ExecutionDetailsSchema,
    hookDetails,
  })
  .loose();

const FlatEventSchema = ExecutionDetailsSchema.extend({
  executionId: z.string().min(1).max(1024).optional(),
  lifecycleStage: stage,
  resourceArn: z.string().min(1).max(ARN_MAX).optional(),
  hookDetails,
});

/** The event as the hook reads it, whichever shape it came in. */
export interface EcsHookEvent {
  shape: 'nested' | 'flat';
  executionId: string | null;
  stage: EcsLifecycleStage;
  /** The service deployment (or service) the hook runs for, when the event names it. */
  resourceArn: string | null;
  serviceArn: string;
  cluster: string;
  serviceName: string;
  targetRevisionArn: string;
  testWeights: Record<string, number>;
  productionWeights: Record<string, number>;
  /** What ECS passed: the hook's registration details, or what the last IN_PROGRESS answer returned. */
  hookDetails: Record<string, unknown>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** "executionDetails.serviceArn: expected a service ARN ..." for the first few issues. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 3)
    .map(
      (issue) =>
        `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(event)'}: ${issue.message}`,
    )
    .join('; ');
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses either documented shape; a malformed event is a reason naming the field, never a throw. */
export function parseEcsHookEvent(raw: unknown): Parsed<EcsHookEvent> {
  if (!isObject(raw)) return { ok: false, reason: '(event): expected a JSON object' };
  if ('executionDetails' in raw) {
    const parsed = NestedEventSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
    const e = parsed.data;
    return { ok: true, value: normalize('nested', e, e.executionDetails) };
  }
  if (!('serviceArn' in raw)) {
    return {
      ok: false,
      reason: 'executionDetails: required (or the flat shape with serviceArn at the top level)',
    };
  }
  const parsed = FlatEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
  return { ok: true, value: normalize('flat', parsed.data, parsed.data) };
}

function normalize(
  shape: 'nested' | 'flat',
  e: {
    executionId?: string | undefined;
    lifecycleStage: EcsLifecycleStage;
    resourceArn?: string | undefined;
    hookDetails?: Record<string, unknown> | null | undefined;
  },
  d: z.output<typeof ExecutionDetailsSchema>,
): EcsHookEvent {
  const [, cluster = '', serviceName = ''] =
    d.serviceArn.split(':service/')[1]?.match(/^([^/]+)\/(.+)$/) ?? [];
  return {
    shape,
    executionId: e.executionId ?? null,
    stage: e.lifecycleStage,
    resourceArn: e.resourceArn ?? null,
    serviceArn: d.serviceArn,
    cluster,
    serviceName,
    targetRevisionArn: d.targetServiceRevisionArn,
    testWeights: d.testTrafficWeights,
    productionWeights: d.productionTrafficWeights,
    hookDetails: e.hookDetails ?? {},
  };
}

/** The target (new) revision's share of test or production traffic as the event states it (0 when unnamed). */
export function targetWeight(event: EcsHookEvent, traffic: 'test' | 'production'): number {
  return namedWeight(event, traffic) ?? 0;
}

/** The target revision's share in the event's weights, or null when the weights do not name it. */
export function namedWeight(event: EcsHookEvent, traffic: 'test' | 'production'): number | null {
  const w = traffic === 'test' ? event.testWeights : event.productionWeights;
  return w[event.targetRevisionArn] ?? null;
}

/** Stages before any production traffic moves: the live revision serves all of it (the docs' stage descriptions). */
const BEFORE_PRODUCTION: readonly EcsLifecycleStage[] = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
];

/**
 * The target revision's share of test or production traffic at this stage: the event's weights
 * when they name it, else what the stage itself means (all test traffic after
 * POST_TEST_TRAFFIC_SHIFT's shift, all production traffic at POST_PRODUCTION_TRAFFIC_SHIFT, none of
 * production before its shift), else null (unknown).
 */
export function stageShare(event: EcsHookEvent, traffic: 'test' | 'production'): number | null {
  const named = namedWeight(event, traffic);
  if (named !== null) return named;
  if (traffic === 'test') return event.stage === 'POST_TEST_TRAFFIC_SHIFT' ? 100 : null;
  if (event.stage === 'POST_PRODUCTION_TRAFFIC_SHIFT') return 100;
  return BEFORE_PRODUCTION.includes(event.stage) ? 0 : null;
}

/**
 * Whether the event is ECS rolling back: a traffic-shift stage whose weights give the new revision
 * nothing of the traffic it moves while another revision gets some (the reversed weights). A forward
 * shift carries the weights it shifts to, so its new revision always has a share.
 */
export function isRollback(event: EcsHookEvent): boolean {
  if (!TRAFFIC_SHIFT_STAGES.includes(event.stage)) return false;
  const traffic = event.stage === 'TEST_TRAFFIC_SHIFT' ? 'test' : 'production';
  const w = traffic === 'test' ? event.testWeights : event.productionWeights;
  const others = Object.entries(w).filter(([arn]) => arn !== event.targetRevisionArn);
  return targetWeight(event, traffic) === 0 && others.some(([, share]) => share > 0);
}

/** The service revision ARN's last part (its id), for short log lines and state keys. */
export const revisionId = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
