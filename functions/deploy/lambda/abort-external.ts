/** Lambda entry of AbortExternal: stop the CodeDeploy / ECS deployment with its rollback (serverless.yml `functions/deploy/lambda/abort-external.handler`). */
import { clock, controllers, logger, store } from '../aws';
import { createAbortExternalHandler } from '../abort-external';

export const handler = createAbortExternalHandler({
  controllers: controllers(),
  store: store(),
  clock,
  logger: logger(),
});
