/**
 * The production adapters of the scheduled-task steps, each built on first use; every step's
 * entry file in `lambda/` asks only for the adapters it calls (smaller bundles).
 */
import { dynamoDocumentClient, ecsClient, snsClient } from '../../shared/aws/clients';
import { DynamoRunLedger } from '../../shared/aws/dynamo-run-ledger';
import { EcsTaskDefinitions } from '../../shared/aws/ecs-task-definitions';
import { EcsTaskRunner } from '../../shared/aws/ecs-task-runner';
import { SnsNotifier } from '../../shared/aws/sns-notifier';
import { deployEnv } from '../../shared/config/env';
import { createLogger } from '../../shared/lambda';
import { systemClock } from '../../shared/ports/clock';

export const clock = systemClock;

export function logger() {
  return createLogger();
}

/** Same table as the deployments (TABLE_NAME), its own item keys. */
export function ledger() {
  return new DynamoRunLedger({ client: dynamoDocumentClient(), tableName: deployEnv().TABLE_NAME });
}

export function tasks() {
  return new EcsTaskRunner({ client: ecsClient() });
}

export function taskDefinitions() {
  return new EcsTaskDefinitions({ client: ecsClient() });
}

export function notifier() {
  return new SnsNotifier({ client: snsClient(), topicArn: deployEnv().TOPIC_ARN });
}
