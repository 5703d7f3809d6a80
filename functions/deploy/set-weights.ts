/** ShiftTraffic / Promote / ShiftTestTraffic: set a route's weights for the new color's share. */
import { z } from 'zod';
import { weightsFor, type Weights } from '../../shared/domain/colors';
import { InvalidInputError } from '../../shared/domain/errors';
import type { DeploymentSpec } from '../../shared/domain/spec';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { RouteRef } from '../../shared/ports/router';
import { recordEvent, routeOf, StepContextSchema, testRouteOf, type DeployDeps } from './context';
import { gateTurn, PreviousTurnSchema, type HookWaiting } from './user-hooks';

export const WeightInputSchema = StepContextSchema.extend({
  weight: z.number().int().min(0).max(100),
  /** `production`: the spec's traffic route; `test`: its testTraffic route. */
  route: z.enum(['production', 'test']).default('production'),
  /** Promote only: its previous turn (Prepare's null, a step's weights, or its HookWaiting). */
  weights: PreviousTurnSchema,
});

type Deps = Pick<DeployDeps, 'router' | 'store' | 'clock' | 'logger' | 'userHooks'>;

/** The route a weights step acts on; `test` needs the spec's testTraffic. */
export function routeNamed(spec: DeploymentSpec, route: 'production' | 'test'): RouteRef {
  if (route === 'production') return routeOf(spec);
  const test = testRouteOf(spec);
  if (!test) {
    throw new InvalidInputError('spec.testTraffic: required to set the test route', [
      { path: 'spec.testTraffic', message: 'required' },
    ]);
  }
  return test;
}

export async function setWeights(deps: Deps, event: unknown): Promise<Weights | HookWaiting> {
  const { deployment, spec, weight, route, weights: previous } = parseInput(WeightInputSchema, event);
  const weights = weightsFor(deployment.newColor, weight);
  // Promote: 100 % of production traffic (plan steps stop at 99; beforeStep is NextStep's, so a
  // step's hold starts after its hook). A waiting hook turns the BeforePromoteHookWait loop with
  // the weights untouched.
  if (route === 'production' && weight === 100) {
    const waiting = await gateTurn(deps, { deployment, spec, stage: 'beforePromote', weights }, previous);
    if (waiting) return waiting;
  }
  await deps.router.setWeights(routeNamed(spec, route), weights);
  // lastWeight is production traffic's; the test listener carries none.
  if (route === 'production') await deps.store.updateDeployment(deployment.id, { lastWeight: weight });
  await recordEvent(
    deps,
    deployment.id,
    route === 'production' ? 'WEIGHTS_SET' : 'TEST_WEIGHTS_SET',
    `${route === 'production' ? 'weights' : 'test listener weights'} blue ${weights.blue} % / green ${weights.green} %`,
    {
      weights,
    },
  );
  return weights;
}

export const createSetWeightsHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => setWeights(deps, event));
