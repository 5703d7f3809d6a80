/** Lambda entry of the gate-watch machine's Evaluate state (serverless.yml `functions/hooks/lambda/gate-watch-evaluate.handler`). */
import { alarms, clock, history, logger, metrics, probe, router, taskStops } from '../aws';
import { createGateWatchEvaluateHandler } from '../gate-watch';

export const handler = createGateWatchEvaluateHandler({
  metrics: metrics(),
  alarms: alarms(),
  taskStops: taskStops(),
  router: router(),
  probe: probe(),
  clock,
  logger: logger(),
  history: history(),
});
