/**
 * StopTask, for three reasons: the attempt reached its run-time limit (`timeout`), a newer run
 * replaces the guard's holder (`replace`), or the workflow failed while a task ran (`cleanup`:
 * a task nobody watches must not outlive its run's guard).
 */
import { z } from 'zod';
import {
  abandonedStopReason,
  replacedStopReason,
  timeoutStopReason,
} from '../../shared/domain/schedules/attempt';
import { AttemptStateSchema } from '../../shared/domain/schedules/run-state';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { ScheduleDeps } from './context';

const StopTaskInputSchema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('timeout'),
    cluster: z.string().min(1),
    taskArn: z.string().min(1),
    timeoutSeconds: z.number().int().positive(),
  }),
  z.object({
    mode: z.literal('replace'),
    cluster: z.string().min(1),
    /** The holder's task; null when it has not started one yet. */
    taskArn: z.string().nullable(),
    runId: z.string().min(1),
  }),
  z.object({
    mode: z.literal('cleanup'),
    /** The whole workflow state, as the Catch left it. */
    state: z
      .object({
        spec: z.object({ cluster: z.string() }).passthrough().optional(),
        run: z.object({ runId: z.string() }).passthrough().optional(),
        attempt: z.unknown().optional(),
      })
      .passthrough(),
  }),
]);

export type StopTaskOutput =
  { requestedAt: number; kind: 'timeout' } | { stopped: boolean; taskArn: string | null };

type Deps = Pick<ScheduleDeps, 'tasks' | 'clock' | 'logger'>;

export async function stopTask(deps: Deps, event: unknown): Promise<StopTaskOutput> {
  const input = parseInput(StopTaskInputSchema, event);
  switch (input.mode) {
    case 'timeout':
      await deps.tasks.stop(input.cluster, input.taskArn, timeoutStopReason(input.timeoutSeconds));
      return { requestedAt: deps.clock.now(), kind: 'timeout' };
    case 'replace':
      if (input.taskArn) await deps.tasks.stop(input.cluster, input.taskArn, replacedStopReason(input.runId));
      return { stopped: input.taskArn !== null, taskArn: input.taskArn };
    case 'cleanup': {
      const { spec, run } = input.state;
      const attempt = AttemptStateSchema.safeParse(input.state.attempt);
      const running = attempt.success && attempt.data.started && attempt.data.status !== 'STOPPED';
      if (!running || !spec || !run || !attempt.data.taskArn) return { stopped: false, taskArn: null };
      await deps.tasks.stop(spec.cluster, attempt.data.taskArn, abandonedStopReason(run.runId));
      return { stopped: true, taskArn: attempt.data.taskArn };
    }
  }
}

export const createStopTaskHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => stopTask(deps, event));
