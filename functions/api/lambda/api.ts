/** Lambda entry point of the deploy HTTP API (serverless.yml: `functions/api/lambda/api.handler`). */
import { AlbRouter } from '../../../shared/aws/alb-router';
import { AppAutoScaling } from '../../../shared/aws/app-autoscaling';
import {
  appAutoScalingClient,
  cloudWatchClient,
  dynamoDocumentClient,
  ecsClient,
  elbv2Client,
  sfnClient,
} from '../../../shared/aws/clients';
import { CloudWatchAlarms } from '../../../shared/aws/cloudwatch-alarms';
import { EcsFleet } from '../../../shared/aws/ecs-fleet';
import { DynamoDeploymentLookup } from '../../../shared/aws/dynamo-deployment-lookup';
import { DynamoStore } from '../../../shared/aws/dynamo-store';
import { SfnExecutions } from '../../../shared/aws/sfn-executions';
import { apiEnv } from '../../../shared/config/env';
import { createLogger } from '../../../shared/lambda';
import { systemClock } from '../../../shared/ports/clock';
import { cloudWatchModelIssues } from '../../../shared/domain/gate';
import { createApiHandler } from '../api';
import { scheduleApiDeps } from '../schedule-aws';

const env = apiEnv();

export const handler = createApiHandler({
  executions: new SfnExecutions({ client: sfnClient(), stateMachineArn: env.STATE_MACHINE_ARN }),
  store: new DynamoStore({ client: dynamoDocumentClient(), tableName: env.TABLE_NAME }),
  deployments: new DynamoDeploymentLookup({
    client: dynamoDocumentClient(),
    tableName: env.TABLE_NAME,
    clock: systemClock,
  }),
  clock: systemClock,
  logger: createLogger(),
  // Dry runs: only the adapters' reads are reachable (DryRunDeps), and the role allows only those.
  dryRun: {
    alarms: new CloudWatchAlarms({ client: cloudWatchClient() }),
    router: new AlbRouter({ client: elbv2Client() }),
    fleet: new EcsFleet({ client: ecsClient() }),
    scaling: new AppAutoScaling({ client: appAutoScalingClient() }),
  },
  // The API starts deployments on AWS: the rehearsal's lag-free metrics model is refused with a 400.
  metricsModelIssues: cloudWatchModelIssues,
  scheduling: scheduleApiDeps(),
});
