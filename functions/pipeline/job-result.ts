/**
 * What a pipeline job answers for its deployment: still running (with a continuation token, so
 * CodePipeline asks again), succeeded, or failed with the reason — decided from the deployment
 * record alone, or, before the record exists, from the workflow execution's status.
 */
import { z } from 'zod';
import type { DeploymentRecord } from '../../shared/domain/deployment';
import { DeploymentIdSchema } from '../../shared/domain/deployment';
import { InvalidInputError } from '../../shared/domain/errors';
import { parseInput } from '../../shared/domain/validation';
import type { ExecutionStatus } from '../../shared/ports/executions';
import { bounded, JOB_LIMITS } from '../../shared/ports/pipeline-jobs';

const MAX_SUMMARY_LENGTH = JOB_LIMITS.summary;
const MAX_FAILURE_MESSAGE_LENGTH = JOB_LIMITS.failureMessage;

/**
 * What the job carries from one invocation to the next: the deployment it started, and when, so
 * a deployment that never shows up can be given up on without any state of our own.
 */
export interface JobContinuation {
  deploymentId: string;
  /** Epoch ms of the invocation that started the deployment. */
  startedAt: number;
}

const ContinuationSchema = z
  .object({ deploymentId: DeploymentIdSchema, startedAt: z.number().int().nonnegative() })
  .strict();

export function encodeContinuation(continuation: JobContinuation): string {
  return JSON.stringify({ deploymentId: continuation.deploymentId, startedAt: continuation.startedAt });
}

/** Reads a token written by encodeContinuation; throws an InvalidInputError naming the field. */
export function decodeContinuation(token: string): JobContinuation {
  let value: unknown;
  try {
    value = JSON.parse(token);
  } catch {
    // Said as what was expected: the token's text is not echoed (it is the pipeline's, not ours).
    throw new InvalidInputError(
      `continuationToken: expected the JSON object this action writes ({"deploymentId": ..., "startedAt": ...}), got ${token.length} characters that are not JSON`,
    );
  }
  return parseInput(ContinuationSchema, value, 'continuationToken');
}

export type JobResult =
  | { kind: 'running'; summary: string; percentComplete?: number }
  | { kind: 'succeeded'; summary: string }
  | { kind: 'failed'; message: string };

export interface JobStatusInput {
  deploymentId: string;
  record: DeploymentRecord | null;
  /** The execution's status: read only when there is no record yet. */
  execution?: ExecutionStatus;
  /** Time since the job started the deployment. */
  waitedMs: number;
  /** How long a deployment may have neither a record nor a running execution before the job fails. */
  vanishedAfterMs: number;
}

/** The job's answer for its deployment's current state. */
export function jobResultFor(input: JobStatusInput): JobResult {
  const { deploymentId: id, record } = input;
  if (!record) return withoutRecord(input);
  switch (record.status) {
    case 'IN_PROGRESS':
      return running(record);
    case 'PROMOTED':
      return {
        kind: 'succeeded',
        summary: bounded(
          `deployment ${id} promoted: ${record.image} serves 100 %${record.newColor ? ` on ${record.newColor}` : ''}` +
            (record.warning ? `; warning: ${record.warning}` : ''),
          MAX_SUMMARY_LENGTH,
        ),
      };
    case 'ROLLED_BACK':
      return failed(`deployment ${id} rolled back${where(record)}: ${cause(record)}`);
    case 'REJECTED':
      return failed(`deployment ${id} rejected before any change: ${cause(record)}`);
    case 'ROLLBACK_FAILED':
      return failed(
        `deployment ${id}: the rollback failed${where(record)}, traffic may not be on a healthy color and the service stays locked until a person repairs it: ${cause(record)}`,
      );
    default:
      return failed(`deployment ${id} has an unknown status "${String(record.status)}"`);
  }
}

function withoutRecord({
  deploymentId: id,
  execution,
  waitedMs,
  vanishedAfterMs,
}: JobStatusInput): JobResult {
  if (execution === 'RUNNING' || execution === 'PENDING_REDRIVE') {
    return { kind: 'running', summary: `deployment ${id} starting`, percentComplete: 0 };
  }
  // Just after the start, the execution and the record may not be readable yet.
  if (waitedMs < vanishedAfterMs) {
    return {
      kind: 'running',
      summary: `deployment ${id}: waiting for the workflow to start`,
      percentComplete: 0,
    };
  }
  const state =
    execution === undefined || execution === 'NOT_FOUND'
      ? 'no workflow execution by that name exists'
      : `its workflow execution ended ${execution}`;
  return failed(
    `deployment ${id} has no deployment record ${Math.round(waitedMs / 60_000)} min after it was started and ${state}; ` +
      `look up the execution named ${id} of the blue/green state machine`,
  );
}

function running(record: DeploymentRecord): JobResult {
  const steps = record.spec?.plan.steps;
  const step = record.currentStep as { phase: string; index: number; weight: number } | undefined;
  const on = record.newColor ?? 'the new color';
  let where: string;
  if (!step) where = `launching ${on}`;
  else if (step.phase === 'bake') where = `baking at 100 % on ${on}`;
  else if (step.phase === 'step')
    where = `step ${step.index + 1}${steps ? ` of ${steps.length}` : ''}, ${step.weight} % of traffic on ${on}`;
  else where = `${step.phase} phase on ${on}`;
  const notes = [
    ...(record.control?.action === 'pause' ? [`paused by ${record.control.by}`] : []),
    ...(step?.phase === 'step' &&
    steps?.[step.index]?.approval &&
    !(record.approvedSteps ?? []).includes(step.index)
      ? ['this step needs an approval']
      : []),
  ];
  const percentComplete = steps ? progress(steps.length, step) : undefined;
  return {
    kind: 'running',
    summary: bounded(
      `deployment ${record.id} (${record.image}): ${where}${notes.length ? `; ${notes.join('; ')}` : ''}`,
      MAX_SUMMARY_LENGTH,
    ),
    ...(percentComplete !== undefined ? { percentComplete } : {}),
  };
}

/**
 * Stages done out of launch + plan steps + bake. Time is no measure (a gate may decide in seconds
 * or wait out its timeout), stages are what the pipeline console can show honestly. Never 100
 * while running.
 */
function progress(stepCount: number, step: { phase: string; index: number } | undefined): number | undefined {
  const stages = stepCount + 2;
  let done: number;
  if (!step) done = 0;
  else if (step.phase === 'bake') done = stepCount + 1;
  else if (step.phase === 'step') done = step.index + 1;
  else return undefined;
  return Math.min(99, Math.round((100 * done) / stages));
}

function where(record: DeploymentRecord): string {
  const step = record.lastStep;
  if (!step) return '';
  return step.phase === 'bake'
    ? ' in the bake'
    : ` in step ${step.index + 1} (${step.weight} % of traffic on the new color)`;
}

function cause(record: DeploymentRecord): string {
  return record.error ? `${record.error.error}: ${record.error.cause}` : 'no cause was recorded';
}

function failed(message: string): JobResult {
  return { kind: 'failed', message: bounded(message, MAX_FAILURE_MESSAGE_LENGTH) };
}
