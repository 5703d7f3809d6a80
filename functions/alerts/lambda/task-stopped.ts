/**
 * Lambda entry point of stopped-task alerts (serverless.yml: `functions/alerts/lambda/task-stopped.handler`).
 * Production adapters and SDK clients are built once per container, at cold start.
 */
import { dynamoDocumentClient, ecsClient, snsClient } from '../../../shared/aws/clients';
import { DynamoAlertStore } from '../../../shared/aws/dynamo-alert-store';
import { DynamoDeploymentLookup } from '../../../shared/aws/dynamo-deployment-lookup';
import { EcsTaskDefinitions } from '../../../shared/aws/ecs-task-definitions';
import { SnsNotifier } from '../../../shared/aws/sns-notifier';
import { alertPolicy, alertsEnv } from '../../../shared/config/alerts-env';
import { createLogger } from '../../../shared/lambda';
import { systemClock } from '../../../shared/ports/clock';
import { createTaskStoppedHandler } from '../task-stopped';

const env = alertsEnv();
const tableName = env.TABLE_NAME;

export const handler = createTaskStoppedHandler({
  alerts: new DynamoAlertStore({ client: dynamoDocumentClient(), tableName }),
  notifier: new SnsNotifier({ client: snsClient(), topicArn: env.TOPIC_ARN }),
  taskDefinitions: new EcsTaskDefinitions({ client: ecsClient() }),
  deployments: new DynamoDeploymentLookup({ client: dynamoDocumentClient(), tableName, clock: systemClock }),
  clock: systemClock,
  logger: createLogger({ serviceName: 'greenlight-alerts' }),
  policy: alertPolicy(env),
});
