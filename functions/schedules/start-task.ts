/**
 * StartTask: one attempt's RunTask. The task definition is resolved (a service's current revision)
 * and described first, so its essential containers and log settings are known before anything
 * runs; under a guard the run first checks it still holds it (a replacing run may have taken it).
 * ECS refusing to place the task (`failures[]`) is a result the workflow judges, not an error.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ThrottlingError } from '../../shared/domain/errors';
import { abandonedStopReason, replacedStopReason } from '../../shared/domain/schedules/attempt';
import { taskLogLinks } from '../../shared/domain/schedules/run-record';
import { RunHistorySchema, RunInfoSchema, type AttemptState } from '../../shared/domain/schedules/run-state';
import { ScheduleSpecSchema } from '../../shared/domain/schedules/schedule-spec';
import { buildTaskRequest } from '../../shared/domain/schedules/task-request';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { ScheduleDeps } from './context';

const StartTaskInputSchema = z.object({
  spec: ScheduleSpecSchema,
  run: RunInfoSchema,
  history: RunHistorySchema,
});

type Deps = Pick<ScheduleDeps, 'ledger' | 'tasks' | 'taskDefinitions' | 'clock' | 'logger'>;

/** RunTask's idempotency token (at most 64 characters): one per attempt of one run. */
export const clientTokenOf = (runId: string, attempt: number) =>
  createHash('sha256').update(`${runId}#${attempt}`).digest('hex').slice(0, 64);

export async function startTask(deps: Deps, event: unknown): Promise<AttemptState> {
  const { spec, run, history } = parseInput(StartTaskInputSchema, event);
  const now = deps.clock.now();
  const attempt: AttemptState = {
    number: history.attempts.length + 1,
    requestedAt: now,
    started: false,
    guardLost: false,
    failures: [],
    deadlineAt: now + spec.timeoutSeconds * 1000,
    essentialContainers: [],
    logLinks: {},
  };
  const guarded = spec.overlap !== 'allow';
  if (guarded && !(await deps.ledger.holdsGuard(run.schedule, run.runId, now))) {
    return { ...attempt, guardLost: true, guardHolder: null };
  }

  const reference =
    typeof spec.taskDefinition === 'string'
      ? spec.taskDefinition
      : await deps.tasks.serviceTaskDefinition(spec.cluster, spec.taskDefinition.service);
  // Describing resolves a bare family to its latest ACTIVE revision, which every later call pins.
  const definition = await deps.taskDefinitions.describe(reference);
  const taskDefinition = definition?.taskDefinitionArn ?? reference;
  const essentialContainers = (definition?.containers ?? []).filter((c) => c.essential).map((c) => c.name);

  const result = await deps.tasks.start(
    buildTaskRequest(spec, {
      taskDefinition,
      runId: run.runId,
      clientToken: clientTokenOf(run.runId, attempt.number),
    }),
  );
  if (!result.started) {
    return { ...attempt, taskDefinitionArn: taskDefinition, essentialContainers, failures: result.failures };
  }
  const started: AttemptState = {
    ...attempt,
    started: true,
    status: 'RUNNING',
    taskArn: result.taskArn,
    taskDefinitionArn: result.taskDefinitionArn ?? taskDefinition,
    essentialContainers,
    logLinks: definition ? taskLogLinks(result.taskArn, definition) : {},
  };
  if (guarded && !(await noteUnderGuard(deps, spec.cluster, run, result.taskArn))) {
    // Replaced between the check and the start: this task must not run beside the new run's.
    await deps.tasks.stop(spec.cluster, result.taskArn, replacedStopReason('(a newer run)'));
    return { ...started, stop: { requestedAt: deps.clock.now(), kind: 'replaced' } };
  }
  return started;
}

/**
 * Notes the task under the guard, so a replacing run can stop it. If that fails for a reason the
 * workflow does not retry, the task is stopped before the error goes on: the error path cannot
 * know its ARN, and a task not noted under the guard would outlive the run unwatched. Throttling
 * is retried by the workflow, whose repeated RunTask (same idempotency token) finds this task.
 */
async function noteUnderGuard(
  deps: Deps,
  cluster: string,
  run: { schedule: string; runId: string },
  taskArn: string,
): Promise<boolean> {
  try {
    return await deps.ledger.setGuardTask(run.schedule, run.runId, taskArn, deps.clock.now());
  } catch (error) {
    if (!(error instanceof ThrottlingError)) {
      await deps.tasks.stop(cluster, taskArn, abandonedStopReason(run.runId)).catch((stopError: unknown) =>
        deps.logger.error('task started but neither noted under the guard nor stopped', {
          taskArn,
          error: stopError instanceof Error ? stopError.message : String(stopError),
        }),
      );
    }
    throw error;
  }
}

export const createStartTaskHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => startTask(deps, event));
