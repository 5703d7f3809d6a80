/** VerifyTraffic / VerifyPromotion / VerifyTestTraffic: read the weights back; a mismatch is retried by the state machine. */
import { weightsFor, type Weights } from '../../shared/domain/colors';
import { WeightsMismatchError } from '../../shared/domain/errors';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { DeployDeps } from './context';
import { routeNamed, WeightInputSchema } from './set-weights';
import type { RouteRef } from '../../shared/ports/router';

type Deps = Pick<DeployDeps, 'router' | 'logger'>;

/** Reads the route's weights and throws WeightsMismatchError unless they equal `expected`. */
export async function assertWeights(
  router: DeployDeps['router'],
  route: RouteRef,
  expected: Weights,
): Promise<Weights> {
  const actual = await router.getWeights(route);
  if (actual.blue !== expected.blue || actual.green !== expected.green) {
    throw new WeightsMismatchError(
      `load balancer reports blue ${actual.blue} % / green ${actual.green} %, expected blue ${expected.blue} % / green ${expected.green} %`,
    );
  }
  return actual;
}

export async function verifyWeights(deps: Deps, event: unknown): Promise<Weights> {
  const { deployment, spec, weight, route } = parseInput(WeightInputSchema, event);
  return assertWeights(deps.router, routeNamed(spec, route), weightsFor(deployment.newColor, weight));
}

export const createVerifyWeightsHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => verifyWeights(deps, event));
