/**
 * Lambda entry point of the final-tally sweeper (serverless.yml: `functions/alerts/lambda/final-tallies.handler`,
 * on a schedule). Production adapters and SDK clients are built once per container, at cold start.
 */
import { dynamoDocumentClient, snsClient } from '../../../shared/aws/clients';
import { DynamoAlertStore } from '../../../shared/aws/dynamo-alert-store';
import { SnsNotifier } from '../../../shared/aws/sns-notifier';
import { alertPolicy, alertsEnv } from '../../../shared/config/alerts-env';
import { createLogger } from '../../../shared/lambda';
import { systemClock } from '../../../shared/ports/clock';
import { createFinalTalliesHandler } from '../final-tallies';

const env = alertsEnv();

export const handler = createFinalTalliesHandler({
  alerts: new DynamoAlertStore({ client: dynamoDocumentClient(), tableName: env.TABLE_NAME }),
  notifier: new SnsNotifier({ client: snsClient(), topicArn: env.TOPIC_ARN }),
  clock: systemClock,
  logger: createLogger({ serviceName: 'greenlight-alerts' }),
  policy: alertPolicy(env),
});
