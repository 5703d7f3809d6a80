/** RetireOldColor: with 100 % read back on the new color, scale the old color to 0. */
import { weightsFor } from '../../shared/domain/colors';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, routeOf, slotOf, scaleToZero, StepContextSchema, type DeployDeps } from './context';
import { assertWeights } from './verify-weights';

type Deps = Pick<DeployDeps, 'router' | 'fleet' | 'store' | 'clock' | 'logger'>;

export async function retire(deps: Deps, event: unknown): Promise<{ retired: string }> {
  const { deployment, spec } = parseInput(StepContextSchema, event);
  // Never scale the old color down on weights that did not take effect.
  await assertWeights(deps.router, routeOf(spec), weightsFor(deployment.newColor, 100));
  const slot = slotOf(spec, deployment.liveColor);
  await scaleToZero(deps.fleet, slot);
  await recordEvent(
    deps,
    deployment.id,
    'OLD_COLOR_RETIRED',
    `${deployment.liveColor} (${slot.service}) scaled to 0`,
  );
  return { retired: deployment.liveColor };
}

export const createRetireHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => retire(deps, event));
