/** ShiftTraffic / Promote: set the listener's weights for the new color's share. */
import { z } from 'zod';
import { weightsFor, type Weights } from '../../shared/domain/colors';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, routeOf, StepContextSchema, type DeployDeps } from './context';

export const WeightInputSchema = StepContextSchema.extend({ weight: z.number().int().min(0).max(100) });

type Deps = Pick<DeployDeps, 'router' | 'store' | 'clock' | 'logger'>;

export async function setWeights(deps: Deps, event: unknown): Promise<Weights> {
  const { deployment, spec, weight } = parseInput(WeightInputSchema, event);
  const weights = weightsFor(deployment.newColor, weight);
  await deps.router.setWeights(routeOf(spec), weights);
  await deps.store.updateDeployment(deployment.id, { lastWeight: weight });
  await recordEvent(
    deps,
    deployment.id,
    'WEIGHTS_SET',
    `weights blue ${weights.blue} % / green ${weights.green} %`,
    {
      weights,
    },
  );
  return weights;
}

export const createSetWeightsHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => setWeights(deps, event));
