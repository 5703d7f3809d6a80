/** Lambda entry of StartExternal: start (or adopt) the CodeDeploy / ECS deployment (serverless.yml `functions/deploy/lambda/start-external.handler`). */
import { startExternalEnv } from '../../../shared/config/env';
import { clock, controllers, logger, store } from '../aws';
import { createStartExternalHandler } from '../start-external';

export const handler = createStartExternalHandler({
  controllers: controllers({ ecsOtherHookRolePattern: startExternalEnv().ECS_OTHER_HOOK_ROLE_PATTERN }),
  store: store(),
  clock,
  logger: logger(),
});
