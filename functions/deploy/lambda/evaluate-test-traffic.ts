/** Lambda entry of EvaluateTestTraffic: probes on the test listener (serverless.yml `functions/deploy/lambda/evaluate-test-traffic.handler`). */
import { alarms, clock, fleet, logger, probe, router, store, userHooks } from '../aws';
import { createEvaluateTestTrafficHandler } from '../evaluate-test-traffic';

export const handler = createEvaluateTestTrafficHandler({
  alarms: alarms(),
  fleet: fleet(),
  probe: probe(),
  router: router(),
  store: store(),
  clock,
  logger: logger(),
  userHooks: userHooks(),
});
