/** Lambda entry of StartExternal: start (or adopt) the CodeDeploy / ECS deployment (serverless.yml `functions/deploy/lambda/start-external.handler`). */
import { clock, controllers, logger, store } from '../aws';
import { createStartExternalHandler } from '../start-external';

export const handler = createStartExternalHandler({
  controllers: controllers(),
  store: store(),
  clock,
  logger: logger(),
});
