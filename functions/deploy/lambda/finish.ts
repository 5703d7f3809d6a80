/** Lambda entry of Promoted / RolledBack / Rejected: record, release the lock, notify (serverless.yml `functions/deploy/lambda/finish.handler`). */
import { handlerMetrics } from '../../../shared/observability/deployment-metrics';
import { clock, logger, notifier, scaling, store, userHooks } from '../aws';
import { createFinishHandler } from '../finish';

export const handler = createFinishHandler(
  {
    scaling: scaling(),
    store: store(),
    notifier: notifier(),
    clock,
    logger: logger(),
    userHooks: userHooks(),
  },
  handlerMetrics(),
);
