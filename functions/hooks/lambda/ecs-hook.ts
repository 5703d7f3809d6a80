/** Lambda entry of the ECS built-in deployments' lifecycle hook (serverless.yml `functions/hooks/lambda/ecs-hook.handler`). */
import { alarms, blueGreen, clock, history, logger, metrics, probe, router, taskStops } from '../aws';
import { createEcsHookHandler } from '../ecs-hook';

export const handler = createEcsHookHandler({
  blueGreen: blueGreen(),
  metrics: metrics(),
  alarms: alarms(),
  taskStops: taskStops(),
  router: router(),
  probe: probe(),
  clock,
  logger: logger(),
  history: history(),
});
