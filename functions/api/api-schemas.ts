/**
 * The deploy API's contract as zod schemas: the request parts each route validates (the very
 * schemas the handlers parse with) and the responses they send (the handlers type their bodies
 * with them through `respond`). functions/api/openapi.ts turns both into the OpenAPI document.
 */
import { z } from 'zod';
import { COLORS } from '../../shared/domain/colors';
import {
  CONTROL_ACTIONS,
  DeploymentIdSchema,
  type DeploymentRecord,
  type DeploymentEvent,
} from '../../shared/domain/deployment';
import type { DeploymentSpec } from '../../shared/domain/spec';
import type { DryRunPlan } from '../../shared/domain/dry-run';
import { ServiceNameSchema } from '../../shared/domain/spec';
import { DeploymentScalingSchema } from '../../shared/domain/scaling';
import { RUN_OUTCOMES, type AttemptRecord } from '../../shared/domain/schedules/attempt';
import { ScheduleNameSchema, ScheduleSpecSchema } from '../../shared/domain/schedules/schedule-spec';
import { StartRequestSchema } from '../deploy/start';
import { json, type ApiResult } from './http';

// ---- Requests: what the routes parse -------------------------------------------------------------

export const IdParams = z.object({ id: DeploymentIdSchema });
export const ControlParams = z.object({ id: DeploymentIdSchema, action: z.enum(CONTROL_ACTIONS) });
export const ServiceParams = z.object({ service: ServiceNameSchema });
export const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });
export const DeployHeaders = z.object({
  /** The same key (per service) always means the same deployment: clients retry with it safely. */
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,256}$/, 'expected 1–256 printable ASCII characters without spaces')
    .optional()
    .meta({
      description: 'The same key (per service) always means the same deployment: retry with it safely.',
    }),
});
export const NameParams = z.object({ name: ScheduleNameSchema });
export const RunsQuery = ListQuery;

/**
 * The body of POST /deployments as the API accepts it: the start request without `requestedBy`,
 * which the API sets from the caller's IAM identity and refuses in the body.
 */
export const DeployBodySchema = StartRequestSchema.omit({ requestedBy: true });

/** The body of PUT /schedules/{name}: a schedule spec; `name`, if given, must equal the path's. */
export const ScheduleBodySchema = ScheduleSpecSchema;

// ---- Responses -----------------------------------------------------------------------------------

const EpochMs = z.number().int().meta({ description: 'epoch milliseconds' });
const ColorSchema = z.enum(COLORS);
const StepSchema = z.object({
  phase: z.enum(['step', 'bake']),
  index: z.number().int(),
  weight: z.number(),
});

/** Every refusal and failure: `{error, message}`, with `issues` naming the fields of a 400. */
export const ErrorResponseSchema = z.object({
  error: z.string().meta({ description: 'the error class, e.g. InvalidInputError, ServiceBusyError' }),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** ServiceBusyError: the deployment holding the service's lock. */
  runningDeployment: z.string().optional(),
});

export const DeploymentLinksSchema = z.object({ self: z.string(), events: z.string() });

export const StartedResponseSchema = z.object({
  deploymentId: DeploymentIdSchema,
  outcome: z.enum(['started', 'existing']),
  links: DeploymentLinksSchema,
});

/** One gate evaluation kept on the record (shared/domain/observation-log.ts). */
const ObservationPointSchema = z.object({
  at: EpochMs,
  phase: z.enum(['test', 'step', 'bake']),
  step: z.number().int(),
  weights: z.object({ blue: z.number(), green: z.number() }).optional(),
  newColor: ColorSchema,
  colors: z.partialRecord(
    ColorSchema,
    z.object({
      requests: z.number(),
      errors: z.number(),
      p99Ms: z.number().nullable(),
      healthy: z.number().int().optional(),
      unhealthy: z.number().int().optional(),
      stops: z.number().int().optional(),
    }),
  ),
  verdict: z.enum(['pass', 'fail', 'inconclusive']),
  decision: z.enum(['advance', 'wait', 'rollback', 'promote']),
  alarms: z.array(z.string()).optional(),
  probes: z.object({ requests: z.number().int(), failed: z.number().int() }).optional(),
});

export const DeploymentRecordSchema = z.object({
  id: z.string(),
  service: z.string(),
  cluster: z.string(),
  image: z.string(),
  requestedBy: z.string(),
  // UNOBSERVED: a hook-only deployment whose hook stopped being called before any verdict of it
  // ended the deployment; ECS or CodeDeploy knows how it ended.
  status: z.enum(['IN_PROGRESS', 'PROMOTED', 'ROLLED_BACK', 'REJECTED', 'ROLLBACK_FAILED', 'UNOBSERVED']),
  liveColor: ColorSchema.optional(),
  newColor: ColorSchema.optional(),
  taskDefinition: z.string().optional(),
  startedAt: EpochMs,
  endedAt: EpochMs.optional(),
  scaling: DeploymentScalingSchema.optional(),
  // The spec after validation (defaults applied, the plan expanded into steps): its shape is the
  // output of a transform, which JSON Schema cannot express; the request side documents it.
  spec: z
    .custom<DeploymentSpec>((v) => typeof v === 'object' && v !== null)
    .meta({
      type: 'object',
      description: 'the validated spec (defaults applied, plan expanded into steps)',
    })
    .optional(),
  lastWeight: z.number().optional(),
  lastStep: StepSchema.optional(),
  error: z.object({ error: z.string(), cause: z.string() }).optional(),
  warning: z.string().optional(),
  currentStep: StepSchema.optional(),
  control: z
    .object({ action: z.enum(['promote', 'abort', 'pause', 'resume']), by: z.string(), at: EpochMs })
    .optional(),
  approvedSteps: z.array(z.number().int()).optional(),
  observations: z.array(ObservationPointSchema).optional(),
  // The ECS or CodeDeploy deployment: started by Greenlight (controller ecs | codedeploy), or only
  // watched by Greenlight's lifecycle hook (hookOnly: no lock, no execution).
  external: z
    .object({
      controller: z.enum(['ecs', 'codedeploy']),
      deploymentId: z.string(),
      hookOnly: z.boolean().optional(),
      controlAt: EpochMs.optional(),
      abortedAt: EpochMs.optional(),
      abortReason: z.string().optional(),
      deadlinePassedAt: EpochMs.optional(),
    })
    .optional(),
  // A hook-only deployment's end notification: PENDING until a send succeeds, or GAVE_UP.
  endNotice: z
    .object({
      state: z.enum(['PENDING', 'SENT', 'GAVE_UP']),
      attempts: z.number().int(),
      lastError: z.string().optional(),
    })
    .optional(),
});

/** GET /deployments/{id}: the record, or what the execution says before the record exists. */
export const DeploymentResponseSchema = z.union([
  DeploymentRecordSchema.extend({
    // Only while the current step needs an approval not given yet.
    awaitingApproval: z.literal(true).optional(),
  }),
  z.object({
    id: z.string(),
    status: z.enum(['STARTING', 'NOT_RECORDED']),
    execution: z.string(),
  }),
]);

export const DeploymentEventSchema = z.object({
  at: EpochMs,
  type: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const EventsResponseSchema = z.object({
  deploymentId: z.string(),
  events: z.array(DeploymentEventSchema),
});

export const ControlResponseSchema = z.object({
  deploymentId: z.string(),
  action: z.enum(CONTROL_ACTIONS),
  by: z.string(),
  deployment: DeploymentRecordSchema,
  links: DeploymentLinksSchema,
});

export const ServiceDeploymentsResponseSchema = z.object({
  service: z.string(),
  /** Newest first: ids and start times (GET /deployments/{id} has the rest). */
  deployments: z.array(z.object({ id: z.string(), startedAt: EpochMs })),
});

const ScheduleLinksSchema = z.object({ self: z.string(), runs: z.string() });
const RunStatusSchema = z.enum(['RUNNING', ...RUN_OUTCOMES]);

export const ScheduleWriteResponseSchema = z.object({
  name: z.string(),
  outcome: z.enum(['created', 'updated', 'unchanged']),
  fields: z.array(z.string()).meta({ description: 'what an update changed' }),
  links: ScheduleLinksSchema,
});

/** A run as a schedule lists it (its last run): the record without the attempts. */
export const RunSummarySchema = z.object({
  runId: z.string(),
  trigger: z.enum(['schedule', 'manual']),
  slotAt: EpochMs,
  startedAt: EpochMs,
  status: RunStatusSchema,
  outcome: z.enum(RUN_OUTCOMES).optional(),
  reason: z.string().optional(),
  endedAt: EpochMs.optional(),
  durationMs: z.number().optional(),
});

export const ScheduleResponseSchema = z.object({
  name: z.string(),
  state: z.enum(['ENABLED', 'DISABLED']),
  spec: ScheduleSpecSchema.nullable(),
  problem: z.string().optional(),
  drift: z.array(z.string()),
  lastModified: EpochMs.optional(),
  lastRun: RunSummarySchema.nullable(),
  links: ScheduleLinksSchema,
});

export const ScheduleListResponseSchema = z.object({ schedules: z.array(ScheduleResponseSchema) });

export const ScheduleDeletedResponseSchema = z.object({
  name: z.string(),
  deleted: z.literal(true),
  links: z.object({ runs: z.string() }),
});

export const ManualRunResponseSchema = z.object({
  schedule: z.string(),
  runId: z.string(),
  execution: z.string(),
  requestedAt: EpochMs,
  requestedBy: z.string(),
  links: z.object({ runs: z.string() }),
});

const RunTaskFailureSchema = z.object({
  reason: z.string(),
  arn: z.string().optional(),
  detail: z.string().optional(),
});

export const RunRecordSchema = RunSummarySchema.extend({
  schedule: z.string(),
  execution: z.string(),
  cluster: z.string(),
  expiresAt: EpochMs,
  attempts: z.array(
    z
      .custom<AttemptRecord>((v) => typeof v === 'object' && v !== null)
      .meta({
        type: 'object',
        description: 'one attempt: RunTask call, task, containers and verdict',
      }),
  ),
  taskArns: z.array(z.string()),
  exitCodes: z.record(z.string(), z.number().int().nullable()),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  failures: z.array(RunTaskFailureSchema),
  logLinks: z.record(z.string(), z.string()),
  taskDefinition: z.string().optional(),
});

export const RunsResponseSchema = z.object({ schedule: z.string(), runs: z.array(RunRecordSchema) });

/** The OpenAPI document itself (GET /openapi.json). */
const WeightsSchema = z.object({ blue: z.number(), green: z.number() });

/** POST /deployments with `"dryRun": true`: what Prepare would decide (shared/domain/dry-run.ts). */
export const DryRunResponseSchema = z.object({
  dryRun: z.literal(true),
  plan: z.object({
    service: z.string(),
    cluster: z.string(),
    image: z.string(),
    wouldStart: z.boolean(),
    refusals: z.array(z.string()),
    liveColor: ColorSchema.nullable(),
    newColor: ColorSchema.nullable(),
    weights: WeightsSchema.nullable(),
    testWeights: WeightsSchema.nullable(),
    alarms: z.array(z.object({ name: z.string(), state: z.enum(['ALARM', 'not in ALARM', 'missing']) })),
    slots: z.partialRecord(
      ColorSchema,
      z.object({
        service: z.string(),
        desiredCount: z.number().int(),
        runningCount: z.number().int(),
        taskDefinition: z.string().nullable(),
      }),
    ),
    desiredCount: z.number().int().nullable(),
    taskDefinition: z
      .object({
        from: z.string(),
        changes: z.array(
          z.object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() }),
        ),
      })
      .nullable(),
    scaling: z.partialRecord(ColorSchema, z.string()),
    steps: z.array(
      z.object({
        phase: z.enum(['step', 'bake']),
        number: z.number().int(),
        weight: z.number(),
        holdSeconds: z.number(),
        approval: z.boolean(),
        gate: z.object({
          mode: z.string(),
          intervalSeconds: z.number(),
          stepTimeoutSeconds: z.number(),
          maxErrorRate: z.number(),
          maxP99Ms: z.number().nullable(),
          minRequests: z.number(),
          consecutiveFailures: z.number().int(),
          minHealthyTargets: z.number().int(),
        }),
      }),
    ),
    worstCaseSeconds: z.number(),
    executionBudgetSeconds: z.number(),
    lockLeaseSeconds: z.number(),
    historyEvents: z.object({ worstCase: z.number().int(), budget: z.number().int() }),
  }),
});

/** POST /deployments answers 200 for a repeated request and for a dry run. */
export const StartedOrPlannedResponseSchema = z.union([StartedResponseSchema, DryRunResponseSchema]);

/** GET /deployments/{id}/report: the page as text/html (functions/api/report.ts). */
export const ReportPageSchema = z.string().meta({ description: 'a self-contained HTML page' });

export const OpenApiResponseSchema = z
  .object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }).loose() })
  .loose();

/**
 * A JSON response whose body has the shape `schema` documents: the compiler checks the body
 * against the schema, and the API tests check the sent JSON against the OpenAPI document built
 * from it.
 */
export function respond<S extends z.ZodType>(
  _schema: S,
  statusCode: number,
  body: z.output<S>,
  headers: Record<string, string> = {},
): ApiResult {
  return json(statusCode, body, headers);
}

// The domain's types must fit the documented shapes; a field the schemas do not know is caught by
// the API tests (the document's objects admit no unknown properties).
const _recordFits = (r: DeploymentRecord): z.output<typeof DeploymentRecordSchema> => r;
const _eventFits = (e: DeploymentEvent): z.output<typeof DeploymentEventSchema> => e;
const _planFits = (p: DryRunPlan): z.output<typeof DryRunResponseSchema>['plan'] => p;
void _recordFits;
void _eventFits;
void _planFits;
