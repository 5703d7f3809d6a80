/** Lambda entry of Evaluate / EvaluateBake: the health gate (serverless.yml `functions/deploy/lambda/evaluate.handler`). */
import { handlerMetrics } from '../../../shared/observability/deployment-metrics';
import { alarms, clock, fleet, logger, metrics, probe, router, store } from '../aws';
import { createEvaluateHandler } from '../evaluate';

export const handler = createEvaluateHandler(
  {
    alarms: alarms(),
    fleet: fleet(),
    metrics: metrics(),
    probe: probe(),
    router: router(),
    store: store(),
    clock,
    logger: logger(),
  },
  handlerMetrics(),
);
