/** Lambda entry of the missed-run reconcile (scheduled): slots that never ran, recorded and announced. */
import { dynamoDocumentClient, schedulerClient, snsClient } from '../../../shared/aws/clients';
import { DynamoRunLedger } from '../../../shared/aws/dynamo-run-ledger';
import { EventBridgeSchedules } from '../../../shared/aws/eventbridge-scheduler';
import { SnsNotifier } from '../../../shared/aws/sns-notifier';
import { missedRunsEnv } from '../../../shared/config/schedules-env';
import { clock, logger } from '../aws';
import { createReconcileMissedHandler } from '../reconcile-missed';

const env = missedRunsEnv();

export const handler = createReconcileMissedHandler({
  schedules: new EventBridgeSchedules({
    client: schedulerClient(),
    groupName: env.SCHEDULE_GROUP,
    stateMachineArn: env.SCHEDULED_TASK_STATE_MACHINE_ARN,
    roleArn: env.SCHEDULER_ROLE_ARN,
    deadLetterArn: env.SCHEDULES_DLQ_ARN,
  }),
  ledger: new DynamoRunLedger({ client: dynamoDocumentClient(), tableName: env.TABLE_NAME }),
  notifier: new SnsNotifier({ client: snsClient(), topicArn: env.TOPIC_ARN }),
  clock,
  logger: logger(),
});
