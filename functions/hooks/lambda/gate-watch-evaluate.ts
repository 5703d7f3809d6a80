/** Lambda entry of the gate-watch machine's Evaluate state (serverless.yml `functions/hooks/lambda/gate-watch-evaluate.handler`). */
import { alarms, clock, history, logger, metrics, probe, router } from '../aws';
import { createGateWatchEvaluateHandler } from '../gate-watch';

export const handler = createGateWatchEvaluateHandler({
  metrics: metrics(),
  alarms: alarms(),
  router: router(),
  probe: probe(),
  clock,
  logger: logger(),
  history: history(),
});
