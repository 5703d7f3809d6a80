/** NextStep / StartBake: the next plan step (or the bake) with its weight, hold, gate and deadline. */
import { z } from 'zod';
import { bakeStep, nextStep, type StepCursor } from '../../shared/domain/plan';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, StepContextSchema, type DeployDeps } from './context';

const InputSchema = StepContextSchema.extend({
  step: z
    .object({ index: z.number().int().min(0) })
    .loose()
    .nullable(),
  phase: z.enum(['step', 'bake']),
});

type Deps = Pick<DeployDeps, 'store' | 'clock' | 'logger'>;

export async function advance(deps: Deps, event: unknown): Promise<StepCursor> {
  const { deployment, spec, step, phase } = parseInput(InputSchema, event);
  const now = deps.clock.now();
  const cursor = phase === 'bake' ? bakeStep(spec, now) : nextStep(spec, step?.index ?? null, now);
  if (!cursor.done) {
    // The current step on the record: what an approval applies to, and what alerts show.
    await deps.store.updateDeployment(deployment.id, {
      currentStep: { phase: cursor.phase, index: cursor.index, weight: cursor.weight },
    });
    const what =
      cursor.phase === 'bake'
        ? `bake for ${cursor.holdSeconds} s at 100 %`
        : `step ${cursor.index + 1} of ${spec.plan.steps.length}: ${cursor.weight} % to ${deployment.newColor}`;
    await recordEvent(deps, deployment.id, cursor.phase === 'bake' ? 'BAKE_STARTED' : 'STEP_STARTED', what, {
      index: cursor.index,
      weight: cursor.weight,
      holdSeconds: cursor.holdSeconds,
    });
  }
  return cursor;
}

export const createNextStepHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => advance(deps, event));
