/**
 * CheckTask: one look at the running attempt (DescribeTasks). STOPPED goes on to the verdict,
 * OVERDUE (past the run-time limit, not yet asked to stop) to StopTask, RUNNING back to the wait.
 */
import { z } from 'zod';
import { AttemptStateSchema, type AttemptState } from '../../shared/domain/schedules/run-state';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { ScheduleDeps } from './context';

/** DescribeTasks is eventually consistent: a task just started may not be described yet. */
export const MISSING_GRACE_MS = 2 * 60_000;
/**
 * A stop we asked for that has not finished after this long is judged as it stands: ECS's
 * stopTimeout is at most 120 s, so a longer wait means the task (or its agent) is stuck.
 */
export const STOP_WAIT_MS = 10 * 60_000;

const CheckTaskInputSchema = z.object({ cluster: z.string().min(1), attempt: AttemptStateSchema });

type Deps = Pick<ScheduleDeps, 'tasks' | 'clock' | 'logger'>;

export async function checkTask(deps: Deps, event: unknown): Promise<AttemptState> {
  const { cluster, attempt } = parseInput(CheckTaskInputSchema, event);
  if (!attempt.taskArn) return { ...attempt, status: 'STOPPED', task: null, lost: true };
  const task = await deps.tasks.describe(cluster, attempt.taskArn);
  const now = deps.clock.now();
  if (!task) {
    if (now - attempt.requestedAt < MISSING_GRACE_MS) return { ...attempt, status: 'RUNNING', task: null };
    return { ...attempt, status: 'STOPPED', task: null, lost: true };
  }
  if (task.lastStatus === 'STOPPED') return { ...attempt, status: 'STOPPED', task };
  if (attempt.stop) {
    const stuck = now - attempt.stop.requestedAt > STOP_WAIT_MS;
    if (stuck)
      deps.logger.warn('task still not stopped long after StopTask; judged as it stands', {
        taskArn: attempt.taskArn,
      });
    return { ...attempt, status: stuck ? 'STOPPED' : 'RUNNING', task };
  }
  return { ...attempt, status: now > attempt.deadlineAt ? 'OVERDUE' : 'RUNNING', task };
}

export const createCheckTaskHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => checkTask(deps, event));
