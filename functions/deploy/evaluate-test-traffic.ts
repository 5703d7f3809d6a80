/**
 * EvaluateTestTraffic: during the test-traffic phase (test listener on the new color, no production
 * traffic), judge one round of probes and the new color's targets, and decide: pass the phase,
 * wait, or roll back.
 */
import { greenlightParts } from '../../shared/domain/spec';
import { z } from 'zod';
import { InvalidInputError } from '../../shared/domain/errors';
import { judgeTestRound, testRoundControl, type TestTrafficObservation } from '../../shared/domain/gate';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordObservation } from './record-observation';
import { recordEvent, renewLock, slotOf, StepContextSchema, type DeployDeps } from './context';
import { gateInLoop, HookProgressSchema, stageWeights, type HookProgress } from './user-hooks';

const InputSchema = StepContextSchema.extend({
  testTraffic: z
    .object({
      phase: z.literal('test'),
      holdSeconds: z.number().min(0),
      startedAt: z.number(),
      deadlineAt: z.number(),
      observation: z
        .object({ consecutiveFailures: z.number().int().min(0), userHook: HookProgressSchema.optional() })
        .loose()
        .nullable(),
    })
    .loose(),
});

export type { TestTrafficObservation };

type Deps = Pick<
  DeployDeps,
  'alarms' | 'fleet' | 'probe' | 'router' | 'store' | 'clock' | 'logger' | 'userHooks'
>;

export async function evaluateTestTraffic(
  deps: Deps,
  event: unknown,
): Promise<TestTrafficObservation & { userHook?: HookProgress }> {
  const { deployment, spec, testTraffic } = parseInput(InputSchema, event);
  const { probes, testTraffic: test } = spec;
  if (!probes || !test) {
    throw new InvalidInputError('spec.testTraffic, spec.probes: both required for the test-traffic phase', [
      { path: 'spec.testTraffic', message: 'required' },
    ]);
  }
  const now = deps.clock.now();
  const slot = slotOf(spec, deployment.newColor);
  const [probeResults, health, alarmsFiring, record, stoppedTasks] = await Promise.all([
    deps.probe.run(probes),
    deps.router.targetHealth(greenlightParts(spec).slots[deployment.newColor].targetGroup),
    spec.alarms.length > 0 ? deps.alarms.firing(spec.alarms) : Promise.resolve([]),
    // Abort and pause act here too; no approval applies to this phase.
    deps.store.getDeployment(deployment.id),
    deps.fleet.stoppedTasks(slot, testTraffic.startedAt),
    renewLock(deps, spec, deployment.id, now),
  ]);
  const {
    observation,
    event: history,
    point,
  } = judgeTestRound({
    phase: {
      holdSeconds: testTraffic.holdSeconds,
      startedAt: testTraffic.startedAt,
      deadlineAt: testTraffic.deadlineAt,
      consecutiveFailures: test.consecutiveFailures,
    },
    previousFailures: testTraffic.observation?.consecutiveFailures ?? 0,
    now,
    colors: { live: deployment.liveColor, new: deployment.newColor, ...slot },
    gate: spec.gate,
    probes,
    readings: { probeResults, health, stoppedTasks, alarmsFiring, control: testRoundControl(record) },
  });
  await recordObservation(deps, record, point);
  if (history) await recordEvent(deps, deployment.id, history.type, history.message, history.data);
  if (observation.decision !== 'advance') return observation;
  // The phase passed: the afterTestTraffic hook gates it. A `wait` probes another round
  // (TestTrafficWait), bounded by the phase's deadline as well as the hook's own.
  const hook = await gateInLoop(
    deps,
    { deployment, spec, stage: 'afterTestTraffic', weights: stageWeights({ deployment, spec }, 0) },
    testTraffic.observation?.userHook,
  );
  if (hook.done) return observation;
  const waiting = `probes passed, waiting for user hook "${spec.hooks?.afterTestTraffic?.name ?? ''}" (afterTestTraffic)`;
  if (deps.clock.now() >= testTraffic.deadlineAt) {
    return { ...observation, decision: 'rollback', reasons: [`test-traffic deadline passed: ${waiting}`] };
  }
  return {
    ...observation,
    decision: 'wait',
    reasons: [...observation.reasons, waiting],
    userHook: hook.progress,
  };
}

export const createEvaluateTestTrafficHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => evaluateTestTraffic(deps, event));
