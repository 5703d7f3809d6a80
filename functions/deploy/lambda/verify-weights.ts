/** Lambda entry of VerifyTraffic / VerifyPromotion / VerifyTestTraffic: read the weights back (serverless.yml `functions/deploy/lambda/verify-weights.handler`). */
import { logger, router } from '../aws';
import { createVerifyWeightsHandler } from '../verify-weights';

export const handler = createVerifyWeightsHandler({ router: router(), logger: logger() });
