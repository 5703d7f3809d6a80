/** Lambda entry of LaunchNewColor: bring the idle slot up on the new revision (serverless.yml `functions/deploy/lambda/launch.handler`). */
import { clock, fleet, logger, store, userHooks } from '../aws';
import { createLaunchHandler } from '../launch';

export const handler = createLaunchHandler({
  fleet: fleet(),
  store: store(),
  clock,
  logger: logger(),
  userHooks: userHooks(),
});
