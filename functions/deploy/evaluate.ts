/** Evaluate / EvaluateBake: judge the new color since the step started and decide what comes next. */
import { z } from 'zod';
import type { Color } from '../../shared/domain/colors';
import {
  decide,
  evaluateGate,
  type Decision,
  type TargetHealth,
  type TrafficWindow,
  type Verdict,
} from '../../shared/domain/gate';
import { manualControl } from '../../shared/domain/deployment';
import { GateSchema } from '../../shared/domain/spec';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, renewLock, StepContextSchema, type DeployDeps } from './context';

const InputSchema = StepContextSchema.extend({
  step: z
    .object({
      index: z.number().int().min(0),
      phase: z.enum(['step', 'bake']),
      weight: z.number(),
      holdSeconds: z.number(),
      gate: GateSchema,
      startedAt: z.number(),
      deadlineAt: z.number(),
      approval: z.boolean().optional(),
    })
    .loose(),
  previous: z
    .object({ stepIndex: z.number(), phase: z.string(), consecutiveFailures: z.number().int().min(0) })
    .loose()
    .nullable(),
});

export interface Observation {
  stepIndex: number;
  phase: 'step' | 'bake';
  decision: Decision;
  verdict: Verdict;
  consecutiveFailures: number;
  reasons: string[];
  at: number;
  traffic: Record<Color, TrafficWindow>;
  health: TargetHealth;
}

type Deps = Pick<DeployDeps, 'alarms' | 'metrics' | 'router' | 'store' | 'clock' | 'logger'>;

export async function evaluate(deps: Deps, event: unknown): Promise<Observation> {
  const { deployment, spec, step, previous } = parseInput(InputSchema, event);
  const now = deps.clock.now();
  const targetGroups = { blue: spec.slots.blue.targetGroup, green: spec.slots.green.targetGroup };
  const [traffic, health, alarmsFiring, record] = await Promise.all([
    deps.metrics.sample(targetGroups, step.startedAt, now),
    deps.router.targetHealth(targetGroups[deployment.newColor]),
    spec.alarms.length > 0 ? deps.alarms.firing(spec.alarms) : Promise.resolve([]),
    // Manual commands (abort, promote, pause, approvals) live on the record.
    deps.store.getDeployment(deployment.id),
    renewLock(deps, spec, deployment.id, now),
  ]);
  const live = deployment.liveColor;
  // During steps the live color serving the same window is the baseline. In the bake it serves
  // nothing (metric buckets may still hold a few earlier requests), so the limits alone judge.
  const baseline =
    step.phase === 'step'
      ? { window: traffic[live], names: { candidate: deployment.newColor, baseline: live } }
      : undefined;
  const verdict = evaluateGate(step.gate, traffic[deployment.newColor], health, baseline);
  const sameStep = previous !== null && previous.stepIndex === step.index && previous.phase === step.phase;
  const observation = decide({
    gate: step.gate,
    verdict,
    previousFailures: sameStep ? previous.consecutiveFailures : 0,
    stepStartedAt: step.startedAt,
    holdSeconds: step.holdSeconds,
    deadlineAt: step.deadlineAt,
    now,
    alarmsFiring,
    control: manualControl(record, step),
    phase: step.phase,
  });
  if (observation.decision !== 'wait') {
    const label = step.phase === 'bake' ? 'bake' : `step ${step.index + 1}`;
    const outcome = { advance: 'passed', promote: 'promoted', rollback: 'failed' }[observation.decision];
    await recordEvent(
      deps,
      deployment.id,
      { advance: 'GATE_PASSED', promote: 'PROMOTED_EARLY', rollback: 'GATE_FAILED' }[observation.decision],
      `${label} ${outcome}: ${observation.reasons.join('; ')}`,
      {
        traffic,
        health,
      },
    );
  }
  return {
    stepIndex: step.index,
    phase: step.phase,
    decision: observation.decision,
    verdict: verdict.verdict,
    consecutiveFailures: observation.consecutiveFailures,
    reasons: observation.reasons,
    at: now,
    traffic,
    health,
  };
}

export const createEvaluateHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => evaluate(deps, event));
