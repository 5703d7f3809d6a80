/** Lambda entry of CheckTask: DescribeTasks on the running attempt. */
import { clock, logger, tasks } from '../aws';
import { createCheckTaskHandler } from '../check-task';

export const handler = createCheckTaskHandler({ tasks: tasks(), clock, logger: logger() });
