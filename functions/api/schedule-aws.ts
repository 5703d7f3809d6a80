/** The production adapters of the deploy API's schedule routes. */
import { dynamoDocumentClient, schedulerClient, sfnClient } from '../../shared/aws/clients';
import { DynamoRunLedger } from '../../shared/aws/dynamo-run-ledger';
import { EventBridgeSchedules } from '../../shared/aws/eventbridge-scheduler';
import { SfnExecutions } from '../../shared/aws/sfn-executions';
import { schedulesApiEnv } from '../../shared/config/schedules-env';
import type { ScheduleApiDeps } from './schedule-routes';

/** Built from the environment (validated here, so a missing variable stops the container at start). */
export function scheduleApiDeps(env: NodeJS.ProcessEnv = process.env): ScheduleApiDeps {
  const e = schedulesApiEnv(env);
  return {
    schedules: new EventBridgeSchedules({
      client: schedulerClient(),
      groupName: e.SCHEDULE_GROUP,
      stateMachineArn: e.SCHEDULED_TASK_STATE_MACHINE_ARN,
      roleArn: e.SCHEDULER_ROLE_ARN,
      deadLetterArn: e.SCHEDULES_DLQ_ARN,
    }),
    ledger: new DynamoRunLedger({ client: dynamoDocumentClient(), tableName: e.TABLE_NAME }),
    runs: new SfnExecutions({ client: sfnClient(), stateMachineArn: e.SCHEDULED_TASK_STATE_MACHINE_ARN }),
  };
}
