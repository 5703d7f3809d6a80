/** Evaluate / EvaluateBake: judge the new color since the step started and decide what comes next. */
import { greenlightParts } from '../../shared/domain/spec';
import { z } from 'zod';
import { manualControl } from '../../shared/domain/deployment';
import {
  gateMetricsModel,
  GateSchema,
  judgeBake,
  judgeStep,
  latestBakeWindow,
  loadBalancerBaselineWindow,
  readingWindows,
  type StepObservation,
} from '../../shared/domain/gate';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { HandlerMetrics } from '../../shared/observability/deployment-metrics';
import { recordObservation } from './record-observation';
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
      dataUntil: z.number().optional(),
    })
    .loose()
    .nullable(),
});

export type { StepObservation };

type Deps = Pick<
  DeployDeps,
  'alarms' | 'fleet' | 'metrics' | 'probe' | 'router' | 'store' | 'clock' | 'logger'
>;

export async function evaluate(deps: Deps, event: unknown): Promise<StepObservation> {
  const { deployment, spec, step, previous } = parseInput(InputSchema, event);
  const now = deps.clock.now();
  const { slots } = greenlightParts(spec);
  const targetGroups = { blue: slots.blue.targetGroup, green: slots.green.targetGroup };
  const windows = readingWindows(step, previous);
  const model = gateMetricsModel(spec);
  const baseline = loadBalancerBaselineWindow(deployment.startedAt, spec.metrics.periodSeconds);
  const judgesBalancer = step.gate.maxLoadBalancerErrorIncrease !== null;
  const [traffic, loadBalancer, health, alarmsFiring, record, probeResults, stoppedTasks] = await Promise.all(
    [
      deps.metrics.sample(targetGroups, windows.trafficSince, now, model, spec.gate.metrics),
      // The load balancer's own 5xx are always the ALB's CloudWatch metrics, timed by spec.metrics.
      judgesBalancer
        ? deps.metrics.sampleLoadBalancer(
            targetGroups,
            { since: windows.trafficSince, baseline },
            now,
            spec.metrics,
          )
        : null,
      deps.router.targetHealth(targetGroups[deployment.newColor]),
      spec.alarms.length > 0 ? deps.alarms.firing(spec.alarms) : Promise.resolve([]),
      // Manual commands (abort, promote, pause, approvals) live on the record.
      deps.store.getDeployment(deployment.id),
      spec.probes ? deps.probe.run(spec.probes) : Promise.resolve(null),
      deps.fleet.stoppedTasks(slotOf(spec, deployment.newColor), windows.stopsSince),
      renewLock(deps, spec, deployment.id, now),
    ],
  );
  // The bake's current window ends where its published data ends, so it is known only now.
  const bakeWindow = latestBakeWindow(step, traffic[deployment.newColor], spec.bakeWindowSeconds);
  const latestWindow = bakeWindow
    ? {
        window: bakeWindow,
        traffic: await deps.metrics.sample(targetGroups, bakeWindow.from, now, model, spec.gate.metrics),
      }
    : null;
  const input = {
    step,
    previous,
    now,
    colors: { live: deployment.liveColor, new: deployment.newColor, ...slotOf(spec, deployment.newColor) },
    probes: spec.probes,
    windows,
  };
  const readings = {
    traffic,
    loadBalancer,
    health,
    stoppedTasks,
    probeResults,
    alarmsFiring,
    control: manualControl(record, step),
  };
  const {
    observation,
    event: history,
    point,
  } = step.phase === 'bake'
    ? judgeBake({ ...input, readings: { ...readings, latestWindow } })
    : judgeStep({ ...input, readings });
  await recordObservation(deps, record, point);
  if (history) await recordEvent(deps, deployment.id, history.type, history.message, history.data);
  return observation;
}

export const createEvaluateHandler = (deps: Deps, observed?: HandlerMetrics) =>
  lambdaHandler(
    deps.logger,
    async (event: unknown) => {
      const observation = await evaluate(deps, event);
      // evaluate() has parsed the event: the step and its start are there.
      const { step } = event as { step: { startedAt: number } };
      observed?.deployment.gateEvaluated(
        observation.verdict,
        observation.decision,
        observation.at - step.startedAt,
      );
      return observation;
    },
    { metrics: observed?.metrics },
  );
