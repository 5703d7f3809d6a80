/** Lambda entry of StopTimedOutTask / StopPreviousRun / CleanUpAfterError: StopTask. */
import { clock, logger, tasks } from '../aws';
import { createStopTaskHandler } from '../stop-task';

export const handler = createStopTaskHandler({ tasks: tasks(), clock, logger: logger() });
