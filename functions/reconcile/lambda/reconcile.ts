/** Lambda entry point of the scheduled reconcile (serverless.yml: `functions/reconcile/lambda/reconcile.handler`). */
import { AlbRouter } from '../../../shared/aws/alb-router';
import { AppAutoScaling } from '../../../shared/aws/app-autoscaling';
import {
  appAutoScalingClient,
  dynamoDocumentClient,
  ecsClient,
  elbv2Client,
  sfnClient,
  snsClient,
} from '../../../shared/aws/clients';
import { DynamoStore } from '../../../shared/aws/dynamo-store';
import { EcsFleet } from '../../../shared/aws/ecs-fleet';
import { SfnExecutions } from '../../../shared/aws/sfn-executions';
import { SnsNotifier } from '../../../shared/aws/sns-notifier';
import { reconcileEnv } from '../../../shared/config/env';
import { createLogger } from '../../../shared/lambda';
import { systemClock } from '../../../shared/ports/clock';
import { createReconcileHandler } from '../reconcile';

const env = reconcileEnv();

export const handler = createReconcileHandler({
  fleet: new EcsFleet({ client: ecsClient() }),
  router: new AlbRouter({ client: elbv2Client() }),
  scaling: new AppAutoScaling({ client: appAutoScalingClient() }),
  store: new DynamoStore({ client: dynamoDocumentClient(), tableName: env.TABLE_NAME }),
  notifier: new SnsNotifier({ client: snsClient(), topicArn: env.TOPIC_ARN }),
  executions: new SfnExecutions({ client: sfnClient(), stateMachineArn: env.STATE_MACHINE_ARN }),
  clock: systemClock,
  logger: createLogger(),
});
