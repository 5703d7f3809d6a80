/** Lambda entry of RetireOldColor: scale the old color down (serverless.yml `functions/deploy/lambda/retire.handler`). */
import { clock, fleet, logger, router, scaling, store } from '../aws';
import { createRetireHandler } from '../retire';

export const handler = createRetireHandler({
  router: router(),
  fleet: fleet(),
  scaling: scaling(),
  store: store(),
  clock,
  logger: logger(),
});
