/** Lambda entry of the CodeDeploy ECS deployments' lifecycle hook (serverless.yml `functions/hooks/lambda/codedeploy-hook.handler`). */
import { codeDeployHookEnv } from '../../../shared/config/hooks-env';
import { clock, codeDeployHooks, gateWatches, history, logger } from '../aws';
import { createCodeDeployHookHandler } from '../codedeploy-hook';

const env = codeDeployHookEnv();

export const handler = createCodeDeployHookHandler({
  codeDeploy: codeDeployHooks(),
  watches: gateWatches(env.gateWatchArn),
  specs: env.specs,
  clock,
  logger: logger(),
  history: history(),
});
