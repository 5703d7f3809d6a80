/** Lambda entry point of the deploy HTTP API (serverless.yml: `functions/api/lambda/api.handler`). */
import { dynamoDocumentClient, sfnClient } from '../../../shared/aws/clients';
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
  // The API starts deployments on AWS: the rehearsal's lag-free metrics model is refused with a 400.
  metricsModelIssues: cloudWatchModelIssues,
  scheduling: scheduleApiDeps(),
});
