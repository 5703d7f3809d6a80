/**
 * EvaluateTestTraffic: during the test-traffic phase (test listener on the new color, no production
 * traffic), judge one round of probes and the new color's targets, and decide: pass the phase,
 * wait, or roll back.
 */
import { z } from 'zod';
import type { Color } from '../../shared/domain/colors';
import { manualControl } from '../../shared/domain/deployment';
import { InvalidInputError } from '../../shared/domain/errors';
import {
  combineVerdicts,
  decide,
  type Decision,
  judgeProbes,
  judgeTargetHealth,
  judgeTaskStops,
  judgeUnhealthyTargets,
  type ProbeSummary,
  summarizeProbes,
  type TargetHealth,
  type Verdict,
} from '../../shared/domain/gate';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, renewLock, slotOf, StepContextSchema, type DeployDeps } from './context';

const InputSchema = StepContextSchema.extend({
  testTraffic: z
    .object({
      phase: z.literal('test'),
      holdSeconds: z.number().min(0),
      startedAt: z.number(),
      deadlineAt: z.number(),
      observation: z
        .object({ consecutiveFailures: z.number().int().min(0) })
        .loose()
        .nullable(),
    })
    .loose(),
});

export interface TestTrafficObservation {
  phase: 'test';
  decision: Decision;
  verdict: Verdict;
  consecutiveFailures: number;
  reasons: string[];
  at: number;
  probes: ProbeSummary;
  health: TargetHealth;
  color: Color;
}

type Deps = Pick<DeployDeps, 'alarms' | 'fleet' | 'probe' | 'router' | 'store' | 'clock' | 'logger'>;

export async function evaluateTestTraffic(deps: Deps, event: unknown): Promise<TestTrafficObservation> {
  const { deployment, spec, testTraffic } = parseInput(InputSchema, event);
  const { probes, testTraffic: test } = spec;
  if (!probes || !test) {
    throw new InvalidInputError('spec.testTraffic, spec.probes: both required for the test-traffic phase', [
      { path: 'spec.testTraffic', message: 'required' },
    ]);
  }
  const now = deps.clock.now();
  const newColor = { ...slotOf(spec, deployment.newColor), color: deployment.newColor };
  const [results, health, alarmsFiring, record, stoppedTasks] = await Promise.all([
    deps.probe.run(probes),
    deps.router.targetHealth(spec.slots[deployment.newColor].targetGroup),
    spec.alarms.length > 0 ? deps.alarms.firing(spec.alarms) : Promise.resolve([]),
    // Abort and pause act here too; no approval applies to this phase.
    deps.store.getDeployment(deployment.id),
    deps.fleet.stoppedTasks(newColor, testTraffic.startedAt),
    renewLock(deps, spec, deployment.id, now),
  ]);
  // Probes are the phase's traffic: they decide; target health and task stops can only fail the round.
  const verdict = combineVerdicts(
    judgeProbes(probes, results),
    judgeTargetHealth(health, spec.gate.minHealthyTargets),
    judgeUnhealthyTargets(spec.gate, health, deployment.newColor),
    judgeTaskStops(spec.gate, stoppedTasks, newColor),
  );
  const observation = decide({
    gate: { ...spec.gate, mode: 'sequential', consecutiveFailures: test.consecutiveFailures },
    verdict,
    previousFailures: testTraffic.observation?.consecutiveFailures ?? 0,
    stepStartedAt: testTraffic.startedAt,
    holdSeconds: testTraffic.holdSeconds,
    deadlineAt: testTraffic.deadlineAt,
    now,
    alarmsFiring,
    control: manualControl(record, { index: -1, phase: 'step' }),
    phase: 'step',
  });
  const summary = summarizeProbes(probes, results);
  if (observation.decision !== 'wait') {
    const outcome = { advance: 'passed', promote: 'promoted', rollback: 'failed' }[observation.decision];
    await recordEvent(
      deps,
      deployment.id,
      { advance: 'TEST_TRAFFIC_PASSED', promote: 'PROMOTED_EARLY', rollback: 'TEST_TRAFFIC_FAILED' }[
        observation.decision
      ],
      `test traffic ${outcome}: ${observation.reasons.join('; ')}`,
      { probes: summary, health },
    );
  }
  return {
    phase: 'test',
    decision: observation.decision,
    verdict: verdict.verdict,
    consecutiveFailures: observation.consecutiveFailures,
    reasons: observation.reasons,
    at: now,
    probes: summary,
    health,
    color: deployment.newColor,
  };
}

export const createEvaluateTestTrafficHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => evaluateTestTraffic(deps, event));
