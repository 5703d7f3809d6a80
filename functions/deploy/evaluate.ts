/** Evaluate / EvaluateBake: judge the new color since the step started and decide what comes next. */
import { z } from 'zod';
import type { Color } from '../../shared/domain/colors';
import {
  combineVerdicts,
  currentBakeWindow,
  decide,
  type Decision,
  evaluateGate,
  judgeBakeWindow,
  judgeProbes,
  judgeTaskStops,
  judgeUnhealthyTargets,
  type ProbeSummary,
  summarizeProbes,
  type TargetHealth,
  type TrafficWindow,
  type Verdict,
} from '../../shared/domain/gate';
import { manualControl } from '../../shared/domain/deployment';
import { GateSchema } from '../../shared/domain/gate';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, renewLock, slotOf, StepContextSchema, type DeployDeps } from './context';

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
    .object({
      stepIndex: z.number(),
      phase: z.string(),
      consecutiveFailures: z.number().int().min(0),
      at: z.number().optional(),
      stopsSince: z.number().optional(),
    })
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
  /** Start of the window in which the new color's task stops were counted (see stopsWindowStart). */
  stopsSince: number;
  /** The round of probes judged with the traffic, when the spec has probes. */
  probes?: ProbeSummary;
}

type Deps = Pick<
  DeployDeps,
  'alarms' | 'fleet' | 'metrics' | 'probe' | 'router' | 'store' | 'clock' | 'logger'
>;

export async function evaluate(deps: Deps, event: unknown): Promise<Observation> {
  const { deployment, spec, step, previous } = parseInput(InputSchema, event);
  const now = deps.clock.now();
  const targetGroups = { blue: spec.slots.blue.targetGroup, green: spec.slots.green.targetGroup };
  const stopsSince = stopsWindowStart(step, previous);
  // Windows split the sequential test's α; a fixed-window gate (CodeDeploy-like) keeps its one window.
  const bakeWindow =
    step.phase === 'bake' && step.gate.mode === 'sequential'
      ? currentBakeWindow(step.startedAt, step.deadlineAt, now, spec.bakeWindowSeconds)
      : null;
  const [traffic, health, alarmsFiring, record, probeResults, stoppedTasks, latest] = await Promise.all([
    deps.metrics.sample(targetGroups, step.startedAt, now),
    deps.router.targetHealth(targetGroups[deployment.newColor]),
    spec.alarms.length > 0 ? deps.alarms.firing(spec.alarms) : Promise.resolve([]),
    // Manual commands (abort, promote, pause, approvals) live on the record.
    deps.store.getDeployment(deployment.id),
    spec.probes ? deps.probe.run(spec.probes) : Promise.resolve(null),
    deps.fleet.stoppedTasks(slotOf(spec, deployment.newColor), stopsSince),
    bakeWindow ? deps.metrics.sample(targetGroups, bakeWindow.from, now) : Promise.resolve(null),
    renewLock(deps, spec, deployment.id, now),
  ]);
  const live = deployment.liveColor;
  // During steps the live color serving the same window is the baseline. In the bake it serves
  // nothing (metric buckets may still hold a few earlier requests), so the limits alone judge.
  const baseline =
    step.phase === 'step'
      ? { window: traffic[live], names: { candidate: deployment.newColor, baseline: live } }
      : undefined;
  const newColor = { ...slotOf(spec, deployment.newColor), color: deployment.newColor };
  // The traffic verdict decides; every other signal can fail the evaluation, never pass it: the
  // bake's latest window (a late degradation shows there long before in the whole bake), a
  // new-color task stopping on a failure, a target the balancer marked unhealthy, failing probes.
  const verdict = combineVerdicts(
    evaluateGate(step.gate, traffic[deployment.newColor], health, baseline),
    ...(bakeWindow && latest ? [judgeBakeWindow(step.gate, bakeWindow, latest[deployment.newColor])] : []),
    judgeTaskStops(step.gate, stoppedTasks, newColor),
    judgeUnhealthyTargets(step.gate, health, deployment.newColor),
    ...(spec.probes && probeResults ? [judgeProbes(spec.probes, probeResults)] : []),
  );
  const probes = spec.probes && probeResults ? summarizeProbes(spec.probes, probeResults) : undefined;
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
        ...(probes ? { probes } : {}),
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
    stopsSince,
    ...(probes ? { probes } : {}),
  };
}

/**
 * Where the count of new-color task stops starts. Not at the launch: it handed over a steady,
 * healthy color, and check-launch fails fast on a crash loop. Within a step (or the bake), at the
 * step's first window, so maxTaskStops is a budget per step. A new step's (or the bake's) window
 * starts at the previous step's last evaluation rather than at its own start, so a task stopping
 * during the calls in between (next step, promotion) is still judged.
 */
function stopsWindowStart(
  step: { index: number; phase: string; startedAt: number },
  previous: { stepIndex: number; phase: string; at?: number; stopsSince?: number } | null,
): number {
  if (previous === null) return step.startedAt;
  if (previous.stepIndex === step.index && previous.phase === step.phase) {
    return previous.stopsSince ?? step.startedAt;
  }
  return Math.min(step.startedAt, previous.at ?? step.startedAt);
}

export const createEvaluateHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => evaluate(deps, event));
