/** Lambda entry of StartTask: one attempt's RunTask. */
import { clock, ledger, logger, taskDefinitions, tasks } from '../aws';
import { createStartTaskHandler } from '../start-task';

export const handler = createStartTaskHandler({
  ledger: ledger(),
  tasks: tasks(),
  taskDefinitions: taskDefinitions(),
  clock,
  logger: logger(),
});
