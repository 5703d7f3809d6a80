/**
 * Lambda entry point of the CodePipeline trigger (serverless.yml: `functions/pipeline/lambda/pipeline.handler`).
 * Production adapters and SDK clients are built once per container; the S3 client for artifacts is
 * the exception, built per job from the job's own credentials (S3Artifacts).
 */
import { codePipelineClient, dynamoDocumentClient, sfnClient } from '../../../shared/aws/clients';
import { CodePipelineJobs } from '../../../shared/aws/codepipeline-jobs';
import { DynamoStore } from '../../../shared/aws/dynamo-store';
import { S3Artifacts } from '../../../shared/aws/s3-artifacts';
import { SfnExecutions } from '../../../shared/aws/sfn-executions';
import { pipelineEnv } from '../../../shared/config/env';
import { createLogger } from '../../../shared/lambda';
import { systemClock } from '../../../shared/ports/clock';
import { cloudWatchModelIssues } from '../../../shared/domain/gate';
import { createPipelineJobHandler } from '../pipeline-job';

const env = pipelineEnv();

export const handler = createPipelineJobHandler({
  executions: new SfnExecutions({ client: sfnClient(), stateMachineArn: env.STATE_MACHINE_ARN }),
  store: new DynamoStore({ client: dynamoDocumentClient(), tableName: env.TABLE_NAME }),
  jobs: new CodePipelineJobs({ client: codePipelineClient() }),
  artifacts: new S3Artifacts(),
  clock: systemClock,
  logger: createLogger(),
  metricsModelIssues: cloudWatchModelIssues,
});
