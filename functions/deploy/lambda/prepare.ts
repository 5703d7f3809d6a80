/** Lambda entry of Prepare: validate, lock, find the live color, register the revision (serverless.yml `functions/deploy/lambda/prepare.handler`). */
import { handlerMetrics } from '../../../shared/observability/deployment-metrics';
import { alarms, clock, controllers, fleet, logger, notifier, router, scaling, store } from '../aws';
import { cloudWatchModelIssues } from '../../../shared/domain/gate';
import { createPrepareHandler } from '../prepare';

export const handler = createPrepareHandler(
  {
    alarms: alarms(),
    fleet: fleet(),
    router: router(),
    scaling: scaling(),
    store: store(),
    notifier: notifier(),
    clock,
    logger: logger(),
    metricsModelIssues: cloudWatchModelIssues,
    controllers: controllers(),
  },
  handlerMetrics(),
);
