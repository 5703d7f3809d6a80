/**
 * Rollback: all traffic back on the live color (read back) — production first, then the test
 * listener when the spec has one — and only then the new color scaled to 0.
 */
import { weightsFor, type Weights } from '../../shared/domain/colors';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import {
  recordEvent,
  routeOf,
  slotOf,
  scaleToZero,
  StepContextSchema,
  testRouteOf,
  type DeployDeps,
} from './context';
import { assertWeights } from './verify-weights';

type Deps = Pick<DeployDeps, 'router' | 'fleet' | 'store' | 'clock' | 'logger'>;

export async function rollback(deps: Deps, event: unknown): Promise<{ weights: Weights }> {
  const { deployment, spec } = parseInput(StepContextSchema, event);
  const route = routeOf(spec);
  const safe = weightsFor(deployment.newColor, 0);
  await deps.router.setWeights(route, safe);
  const weights = await assertWeights(deps.router, route, safe);
  await deps.store.updateDeployment(deployment.id, { lastWeight: 0 });
  // Setting it again when it never moved is harmless: a retried or early rollback stays simple.
  const testRoute = testRouteOf(spec);
  if (testRoute) {
    await deps.router.setWeights(testRoute, safe);
    await assertWeights(deps.router, testRoute, safe);
  }
  // Only once no traffic can reach it is the new color scaled down.
  const slot = slotOf(spec, deployment.newColor);
  await scaleToZero(deps.fleet, slot);
  await recordEvent(
    deps,
    deployment.id,
    'ROLLBACK_DONE',
    `100 % on ${deployment.liveColor}${testRoute ? ' (production and test listeners)' : ''}; ${deployment.newColor} scaled to 0`,
  );
  return { weights };
}

export const createRollbackHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => rollback(deps, event));
