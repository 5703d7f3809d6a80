/**
 * RetireOldColor: with 100 % read back on the new color, hold the old color's scalable target at
 * 0 (so Auto Scaling never raises it back to a minimum) and scale the old color to 0.
 */
import { weightsFor } from '../../shared/domain/colors';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, routeOf, slotOf, scaleToZero, StepContextSchema, type DeployDeps } from './context';
import { holdAtZero } from './scaling';
import { assertWeights } from './verify-weights';

type Deps = Pick<DeployDeps, 'router' | 'fleet' | 'scaling' | 'store' | 'clock' | 'logger'>;

export async function retire(deps: Deps, event: unknown): Promise<{ retired: string }> {
  const { deployment, spec } = parseInput(StepContextSchema, event);
  // Never scale the old color down on weights that did not take effect.
  await assertWeights(deps.router, routeOf(spec), weightsFor(deployment.newColor, 100));
  const slot = slotOf(spec, deployment.liveColor);
  // Held first: the hold itself brings the desired count to 0, and nothing can raise it after.
  const held = await holdAtZero(deps, spec, deployment.scaling, deployment.liveColor);
  await scaleToZero(deps.fleet, slot);
  await recordEvent(
    deps,
    deployment.id,
    'OLD_COLOR_RETIRED',
    `${deployment.liveColor} (${slot.service}) scaled to 0${held ? ', its scalable target held at min 0 / max 0' : ''}`,
  );
  return { retired: deployment.liveColor };
}

export const createRetireHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => retire(deps, event));
