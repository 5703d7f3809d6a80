/** Lambda entry of ShiftTraffic / Promote / ShiftTestTraffic: set listener weights (serverless.yml `functions/deploy/lambda/set-weights.handler`). */
import { clock, logger, router, store, userHooks } from '../aws';
import { createSetWeightsHandler } from '../set-weights';

export const handler = createSetWeightsHandler({
  router: router(),
  store: store(),
  clock,
  logger: logger(),
  userHooks: userHooks(),
});
