/** Lambda entry of the gate-watch machine's Report states (serverless.yml `functions/hooks/lambda/gate-watch-report.handler`). */
import { clock, codeDeployHooks, history, logger } from '../aws';
import { createGateWatchReportHandler } from '../gate-watch';

export const handler = createGateWatchReportHandler({
  codeDeploy: codeDeployHooks(),
  logger: logger(),
  history: history(),
  clock,
});
