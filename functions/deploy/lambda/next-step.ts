/** Lambda entry of NextStep / StartBake / StartTestTraffic: the next plan step (serverless.yml `functions/deploy/lambda/next-step.handler`). */
import { clock, logger, store, userHooks } from '../aws';
import { createNextStepHandler } from '../next-step';

export const handler = createNextStepHandler({
  store: store(),
  clock,
  logger: logger(),
  userHooks: userHooks(),
});
