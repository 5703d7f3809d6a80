/**
 * The blue/green steps by function key: the key is both the Serverless function name and the
 * name used in the state machine's `Fn::GetAtt` Task resources.
 */
import type { LambdaHandler } from '../../shared/lambda';
import { createAbortExternalHandler } from './abort-external';
import { createCheckLaunchHandler } from './check-launch';
import type { DeployDeps } from './context';
import { createEvaluateHandler } from './evaluate';
import { createEvaluateTestTrafficHandler } from './evaluate-test-traffic';
import { createFinishHandler } from './finish';
import { createLaunchHandler } from './launch';
import { createNextStepHandler } from './next-step';
import { createPollExternalHandler } from './poll-external';
import { createPrepareHandler } from './prepare';
import { createRetireHandler } from './retire';
import { createRollbackHandler } from './rollback';
import { createSetWeightsHandler } from './set-weights';
import { createStartExternalHandler } from './start-external';
import { createVerifyWeightsHandler } from './verify-weights';

export type { DeployDeps } from './context';

export const deployStepFactories: Record<string, (deps: DeployDeps) => LambdaHandler<unknown, unknown>> = {
  prepare: createPrepareHandler,
  launch: createLaunchHandler,
  'check-launch': createCheckLaunchHandler,
  'next-step': createNextStepHandler,
  'set-weights': createSetWeightsHandler,
  'verify-weights': createVerifyWeightsHandler,
  evaluate: createEvaluateHandler,
  'evaluate-test-traffic': createEvaluateTestTrafficHandler,
  retire: createRetireHandler,
  rollback: createRollbackHandler,
  finish: createFinishHandler,
  'start-external': createStartExternalHandler,
  'poll-external': createPollExternalHandler,
  'abort-external': createAbortExternalHandler,
};

/** Builds every step's handler from one set of dependencies. */
export function createDeploySteps(deps: DeployDeps): Record<string, LambdaHandler<unknown, unknown>> {
  return Object.fromEntries(Object.entries(deployStepFactories).map(([key, create]) => [key, create(deps)]));
}
