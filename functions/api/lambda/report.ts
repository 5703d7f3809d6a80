/** Lambda entry point of the report route (serverless.yml: `functions/api/lambda/report.handler`). */
import { dynamoDocumentClient } from '../../../shared/aws/clients';
import { DynamoStore } from '../../../shared/aws/dynamo-store';
import { reportEnv } from '../../../shared/config/env';
import { createLogger } from '../../../shared/lambda';
import { createReportHandler } from '../report';

const env = reportEnv();

export const handler = createReportHandler({
  store: new DynamoStore({ client: dynamoDocumentClient(), tableName: env.TABLE_NAME }),
  logger: createLogger(),
});
