/**
 * Rollback: all traffic back on the live color (read back) — production first, then the test
 * listener when the spec has one — and only then the new color held at 0 by Auto Scaling and
 * scaled to 0, and the live color's own scaling configuration given back. The workflow runs it
 * in two phases with a Wait between (Rollback, RollbackSettle, ScaleDownNewColor) so the load
 * balancer's nodes have applied the weights before the new color's tasks go away; without a
 * phase (older executions) both run at once.
 */
import { z } from 'zod';
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
  type StepContext,
} from './context';
import { holdAtZero, restoreLive } from './scaling';
import { assertWeights } from './verify-weights';
import { tellHook } from './user-hooks';

type Deps = Pick<DeployDeps, 'router' | 'fleet' | 'scaling' | 'store' | 'clock' | 'logger' | 'userHooks'>;

const InputSchema = StepContextSchema.extend({
  phase: z.enum(['restore-traffic', 'scale-down']).optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).loose().optional(),
});

export async function rollback(deps: Deps, event: unknown): Promise<{ weights: Weights }> {
  const { deployment, spec, phase, error } = parseInput(InputSchema, event);
  const route = routeOf(spec);
  const safe = weightsFor(deployment.newColor, 0);
  if (phase === 'scale-down') {
    // Never scale down on weights that changed since they were read back.
    const weights = await assertWeights(deps.router, route, safe);
    const testRoute = testRouteOf(spec);
    if (testRoute) await assertWeights(deps.router, testRoute, safe);
    await scaleDownNewColor(deps, deployment, spec, testRoute !== null);
    return { weights };
  }
  await deps.router.setWeights(route, safe);
  const weights = await assertWeights(deps.router, route, safe);
  await deps.store.updateDeployment(deployment.id, { lastWeight: 0 });
  // Setting it again when it never moved is harmless: a retried or early rollback stays simple.
  const testRoute = testRouteOf(spec);
  if (testRoute) {
    await deps.router.setWeights(testRoute, safe);
    await assertWeights(deps.router, testRoute, safe);
  }
  // Told only once all traffic is back on the live color: a hook never delays safety nor stops it.
  await tellHook(deps, {
    deployment,
    spec,
    stage: 'onRollback',
    weights: safe,
    cause: [error?.Error, error?.Cause].filter(Boolean).join(': ').slice(0, 1000) || 'unknown',
  });
  if (phase === 'restore-traffic') return { weights };
  // Only once no traffic can reach it is the new color scaled down.
  await scaleDownNewColor(deps, deployment, spec, testRoute !== null);
  return { weights };
}

async function scaleDownNewColor(
  deps: Deps,
  deployment: StepContext['deployment'],
  spec: StepContext['spec'],
  withTestRoute: boolean,
): Promise<void> {
  // Held at 0 first, so that no minimum of its scalable target brings it back.
  const slot = slotOf(spec, deployment.newColor);
  const held = await holdAtZero(deps, spec, deployment.scaling, deployment.newColor);
  await scaleToZero(deps.fleet, slot);
  // The live color kept its size through the deployment (scaling suspended); now it scales again.
  const restored = await restoreLive(
    deps,
    spec,
    deployment.scaling,
    deployment.liveColor,
    deployment.liveColor,
  );
  await recordEvent(
    deps,
    deployment.id,
    'ROLLBACK_DONE',
    `100 % on ${deployment.liveColor}${withTestRoute ? ' (production and test listeners)' : ''}; ${deployment.newColor} scaled to 0` +
      `${held ? ' and held there' : ''}${restored ? `; ${deployment.liveColor} scaling restored (${restored})` : ''}`,
  );
}

export const createRollbackHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => rollback(deps, event));
