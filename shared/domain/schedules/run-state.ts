/**
 * The state the scheduled-task workflow carries from step to step (statemachines/
 * scheduled-task.asl.json), as zod schemas: each step parses what it reads, so a malformed state
 * fails with the field named instead of a TypeError deep in a step.
 */
import { z } from 'zod';
import { RUN_OUTCOMES } from './attempt';
import { ScheduleSpecSchema } from './schedule-spec';

const ms = z.number().int().nonnegative();

export const RunTaskFailureSchema = z.object({
  reason: z.string(),
  arn: z.string().optional(),
  detail: z.string().optional(),
});

export const ContainerResultSchema = z.object({
  name: z.string(),
  exitCode: z.number().int().optional(),
  reason: z.string().optional(),
});

export const TaskViewSchema = z.object({
  taskArn: z.string(),
  lastStatus: z.string(),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  startedAt: ms.optional(),
  stoppedAt: ms.optional(),
  containers: z.array(ContainerResultSchema),
});

const VerdictSchema = z.object({
  kind: z.enum(['succeeded', 'failed', 'timed-out', 'start-failed', 'replaced', 'not-started']),
  capacity: z.boolean(),
  deciding: z.array(z.string()),
  failedContainers: z.array(ContainerResultSchema),
  summary: z.string(),
});

export const AttemptRecordSchema = z.object({
  number: z.number().int().min(1),
  requestedAt: ms,
  endedAt: ms,
  taskArn: z.string().optional(),
  failures: z.array(RunTaskFailureSchema),
  stopCode: z.string().optional(),
  stoppedReason: z.string().optional(),
  containers: z.array(ContainerResultSchema),
  verdict: VerdictSchema,
  taskDefinitionArn: z.string().optional(),
  logLinks: z.record(z.string(), z.string()).optional(),
});

export const RunDecisionSchema = z.discriminatedUnion('again', [
  z.object({
    again: z.literal(true),
    kind: z.enum(['capacity', 'application']),
    waitSeconds: z.number().int().nonnegative(),
    reason: z.string(),
  }),
  z.object({ again: z.literal(false), outcome: z.enum(RUN_OUTCOMES), reason: z.string() }),
]);

export const RunHistorySchema = z.object({
  attempts: z.array(AttemptRecordSchema),
  capacityRetries: z.number().int().nonnegative(),
  applicationRetries: z.number().int().nonnegative(),
  decision: RunDecisionSchema.optional(),
});

/** The run as BeginRun set it up. */
export const RunInfoSchema = z.object({
  schedule: z.string().min(1),
  runId: z.string().min(1),
  trigger: z.enum(['schedule', 'manual']),
  slotAt: ms,
  execution: z.string().min(1),
  cluster: z.string().min(1),
  startedAt: ms,
  expiresAt: ms,
  /** `duplicate`: another execution has this slot; `decided`: ended before any task (missed, suspended). */
  status: z.enum(['new', 'duplicate', 'decided']),
  pollSeconds: z.number().int().positive(),
  guardLeaseSeconds: z.number().int().positive(),
});
export type RunInfo = z.output<typeof RunInfoSchema>;

/** The current attempt: set by StartTask, refreshed by CheckTask, marked by a stop. */
export const AttemptStateSchema = z.object({
  number: z.number().int().min(1),
  requestedAt: ms,
  started: z.boolean(),
  /** The start was refused because another run holds the guard (it replaced this one). */
  guardLost: z.boolean().default(false),
  guardHolder: z.string().nullable().optional(),
  taskArn: z.string().optional(),
  taskDefinitionArn: z.string().optional(),
  failures: z.array(RunTaskFailureSchema).default([]),
  /** Past this instant the task is stopped (the run-time limit). */
  deadlineAt: ms,
  essentialContainers: z.array(z.string()).default([]),
  logLinks: z.record(z.string(), z.string()).default({}),
  /** RUNNING (not stopped yet), STOPPED, OVERDUE (past the limit, not yet asked to stop). */
  status: z.enum(['RUNNING', 'STOPPED', 'OVERDUE']).optional(),
  task: TaskViewSchema.nullable().optional(),
  /** ECS no longer describes the task. */
  lost: z.boolean().optional(),
  stop: z.object({ requestedAt: ms, kind: z.enum(['timeout', 'replaced', 'abandoned']) }).optional(),
});
export type AttemptState = z.output<typeof AttemptStateSchema>;

/** The core of the state every step after BeginRun can rely on. */
export const RunStateSchema = z.object({
  spec: ScheduleSpecSchema,
  run: RunInfoSchema,
  history: RunHistorySchema,
  attempt: AttemptStateSchema.optional(),
});
export type RunState = z.output<typeof RunStateSchema>;

/** A Catch's `ResultPath` value: Step Functions' `{Error, Cause}`. */
export const CaughtErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });
export type CaughtError = z.output<typeof CaughtErrorSchema>;
