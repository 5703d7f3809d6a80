/** Lambda entry of PollExternal: follow the CodeDeploy / ECS deployment, pass abort and promote on (serverless.yml `functions/deploy/lambda/poll-external.handler`). */
import { clock, controllers, logger, store } from '../aws';
import { createPollExternalHandler } from '../poll-external';

export const handler = createPollExternalHandler({
  controllers: controllers(),
  store: store(),
  clock,
  logger: logger(),
});
