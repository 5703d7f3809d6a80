/**
 * NextStep / StartBake / StartTestTraffic: the next plan step (or the bake) with its weight, hold,
 * gate and deadline; or the test-traffic phase with its hold, interval and deadline.
 */
import { z } from 'zod';
import { InvalidInputError } from '../../shared/domain/errors';
import {
  bakeStep,
  nextStep,
  testTrafficPhase,
  type StepCursor,
  type TestTrafficCursor,
} from '../../shared/domain/plan';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, StepContextSchema, type DeployDeps } from './context';
import { gateTurn, HookProgressSchema, stageWeights, type HookWaiting } from './user-hooks';

const InputSchema = StepContextSchema.extend({
  /** The step that ended, or this Task's BeforeStepWaiting while the next step's beforeStep hook waits. */
  step: z
    .object({
      index: z.number().int().min(0),
      hookWaiting: z.literal(true).optional(),
      userHook: HookProgressSchema.optional(),
    })
    .loose()
    .nullable(),
  phase: z.enum(['step', 'bake', 'test']),
});

/** NextStep's answer while the beforeStep hook of step `index` waits: the step has not started. */
export type BeforeStepWaiting = HookWaiting & { done: false; index: number; weight: number };

/** The test-traffic phase as the workflow carries it: no round of probes judged yet. */
export type TestTrafficState = TestTrafficCursor & { observation: null };

type Deps = Pick<DeployDeps, 'store' | 'clock' | 'logger' | 'userHooks'>;

export async function advance(
  deps: Deps,
  event: unknown,
): Promise<StepCursor | TestTrafficState | BeforeStepWaiting> {
  const { deployment, spec, step, phase } = parseInput(InputSchema, event);
  let now = deps.clock.now();
  if (phase === 'test') return startTestTraffic(deps, deployment.id, spec, now);
  // While a beforeStep hook waits, `step` is the waiting step itself, not the one that ended.
  const waitingAt = step?.hookWaiting ? step.index : null;
  const previousIndex = waitingAt !== null ? (waitingAt === 0 ? null : waitingAt - 1) : (step?.index ?? null);
  let cursor = phase === 'bake' ? bakeStep(spec, now) : nextStep(spec, previousIndex, now);
  if (!cursor.done && cursor.phase === 'step' && spec.hooks?.beforeStep) {
    const { index, weight } = cursor;
    const waiting = await gateTurn(
      deps,
      {
        deployment,
        spec,
        stage: 'beforeStep',
        weights: stageWeights({ deployment, spec }, weight),
        step: { index, weight },
      },
      // A hook's progress belongs to its step: the next step's hook starts afresh.
      waitingAt === index ? step : null,
    );
    if (waiting) return { ...waiting, done: false, index, weight };
    // The step's hold and deadline start once its hook has passed.
    now = deps.clock.now();
    cursor = nextStep(spec, previousIndex, now);
  }
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

async function startTestTraffic(
  deps: Deps,
  deploymentId: string,
  spec: z.output<typeof InputSchema>['spec'],
  now: number,
): Promise<TestTrafficState> {
  const cursor = testTrafficPhase(spec, now);
  if (!cursor) {
    throw new InvalidInputError('spec.testTraffic: required for the test-traffic phase', [
      { path: 'spec.testTraffic', message: 'required' },
    ]);
  }
  await recordEvent(
    deps,
    deploymentId,
    'TEST_TRAFFIC_STARTED',
    `test traffic: ${spec.testTraffic!.listener} on the new color for at least ${cursor.holdSeconds} s, probes every ${cursor.intervalSeconds} s`,
    { holdSeconds: cursor.holdSeconds, deadlineAt: cursor.deadlineAt },
  );
  return { ...cursor, observation: null };
}

export const createNextStepHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => advance(deps, event));
