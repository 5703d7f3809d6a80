/** Lambda entry of CheckNewColor: is the new color steady and healthy (serverless.yml `functions/deploy/lambda/check-launch.handler`). */
import { clock, fleet, logger, router, store, userHooks } from '../aws';
import { createCheckLaunchHandler } from '../check-launch';

export const handler = createCheckLaunchHandler({
  fleet: fleet(),
  router: router(),
  store: store(),
  clock,
  logger: logger(),
  userHooks: userHooks(),
});
