/** What the scheduled-task steps depend on: the run ledger, ECS, task definitions, the notifier, a clock. */
import type { Logger } from '../../shared/lambda';
import type { Clock, Notifier } from '../../shared/ports';
import type { RunLedger } from '../../shared/ports/run-ledger';
import type { TaskDefinitions } from '../../shared/ports/task-definitions';
import type { TaskRunner } from '../../shared/ports/task-runner';

export interface ScheduleDeps {
  ledger: RunLedger;
  tasks: TaskRunner;
  taskDefinitions: TaskDefinitions;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
}
