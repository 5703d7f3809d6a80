/**
 * ExamineResult: the verdict on the attempt that just ended (pure rules of
 * shared/domain/schedules/attempt.ts) and the decision after it: retry (of which kind, after how
 * long) or end the run with an outcome.
 */
import { z } from 'zod';
import {
  judgeLostTask,
  judgeNotStarted,
  judgeRunTaskFailures,
  judgeStoppedTask,
  type AttemptRecord,
  type AttemptVerdict,
} from '../../shared/domain/schedules/attempt';
import { afterAttempt, type RunHistory } from '../../shared/domain/schedules/retry-policy';
import {
  AttemptStateSchema,
  RunHistorySchema,
  RunInfoSchema,
  type AttemptState,
} from '../../shared/domain/schedules/run-state';
import { ScheduleSpecSchema, type ScheduleSpec } from '../../shared/domain/schedules/schedule-spec';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { ScheduleDeps } from './context';

const ExamineInputSchema = z.object({
  spec: ScheduleSpecSchema,
  run: RunInfoSchema,
  history: RunHistorySchema,
  attempt: AttemptStateSchema,
});

type Deps = Pick<ScheduleDeps, 'clock' | 'logger'>;

/** The verdict on an attempt as the workflow left it. */
export function verdictOf(spec: ScheduleSpec, attempt: AttemptState): AttemptVerdict {
  if (!attempt.started) {
    return attempt.guardLost
      ? judgeNotStarted(attempt.guardHolder ?? null)
      : judgeRunTaskFailures(attempt.failures);
  }
  if (attempt.lost || !attempt.task) return judgeLostTask(attempt.taskArn ?? '(no task ARN)');
  return judgeStoppedTask(attempt.task, {
    ...(spec.verdictContainers ? { verdictContainers: spec.verdictContainers } : {}),
    essentialContainers: attempt.essentialContainers,
    successExitCodes: spec.successExitCodes,
    stoppedAtLimit: attempt.stop?.kind === 'timeout',
  });
}

/** The ledger's record of an attempt. */
export function attemptRecord(
  attempt: AttemptState,
  verdict: AttemptVerdict,
  endedAt: number,
): AttemptRecord {
  const task = attempt.task ?? undefined;
  return {
    number: attempt.number,
    requestedAt: attempt.requestedAt,
    endedAt: task?.stoppedAt ?? endedAt,
    ...(attempt.taskArn ? { taskArn: attempt.taskArn } : {}),
    failures: attempt.failures,
    ...(task?.stopCode ? { stopCode: task.stopCode } : {}),
    ...(task?.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    containers: task?.containers ?? [],
    verdict,
    ...(attempt.taskDefinitionArn ? { taskDefinitionArn: attempt.taskDefinitionArn } : {}),
    ...(attempt.taskArn ? { logLinks: attempt.logLinks } : {}),
  };
}

export async function examineRun(deps: Deps, event: unknown): Promise<RunHistory> {
  const { spec, run, history, attempt } = parseInput(ExamineInputSchema, event);
  const now = deps.clock.now();
  const verdict = verdictOf(spec, attempt);
  return afterAttempt(spec, history, attemptRecord(attempt, verdict, now), { now, slotMs: run.slotAt });
}

export const createExamineRunHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => examineRun(deps, event));
