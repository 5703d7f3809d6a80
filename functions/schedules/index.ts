/**
 * The scheduled-task steps by function key: the key is both the Serverless function name and the
 * name used in statemachines/scheduled-task.asl.json's `Fn::GetAtt` Task resources.
 */
import type { LambdaHandler } from '../../shared/lambda';
import { createBeginRunHandler } from './begin-run';
import { createCheckTaskHandler } from './check-task';
import type { ScheduleDeps } from './context';
import { createExamineRunHandler } from './examine-run';
import { createGuardHandler } from './guard';
import { createNotifyRunHandler } from './notify-run';
import { createRecordRunHandler } from './record-run';
import { createStartTaskHandler } from './start-task';
import { createStopTaskHandler } from './stop-task';

export type { ScheduleDeps } from './context';

export const scheduleStepFactories: Record<string, (deps: ScheduleDeps) => LambdaHandler<unknown, unknown>> =
  {
    'begin-run': createBeginRunHandler,
    'run-guard': createGuardHandler,
    'start-task': createStartTaskHandler,
    'check-task': createCheckTaskHandler,
    'stop-task': createStopTaskHandler,
    'examine-run': createExamineRunHandler,
    'record-run': createRecordRunHandler,
    'notify-run': createNotifyRunHandler,
  };

/** Builds every step's handler from one set of dependencies. */
export function createScheduleSteps(deps: ScheduleDeps): Record<string, LambdaHandler<unknown, unknown>> {
  return Object.fromEntries(
    Object.entries(scheduleStepFactories).map(([key, create]) => [key, create(deps)]),
  );
}
