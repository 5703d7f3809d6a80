/** Lambda entry of Rollback: 100 % on the live color, then the new one to 0 (serverless.yml `functions/deploy/lambda/rollback.handler`). */
import { clock, fleet, logger, router, scaling, store, userHooks } from '../aws';
import { createRollbackHandler } from '../rollback';

export const handler = createRollbackHandler({
  router: router(),
  fleet: fleet(),
  scaling: scaling(),
  store: store(),
  clock,
  logger: logger(),
  userHooks: userHooks(),
});
