/**
 * One evaluation of a hook's watch with Greenlight's gate: the same judgeTestRound / judgeStep /
 * judgeBake as the Greenlight driver's Evaluate steps. Shared by the ECS hook (one evaluation per
 * invocation) and the CodeDeploy hook's gate-watch state machine (one per Evaluate state).
 *
 * Side signals read as the Greenlight driver reads them, with its rule (they can fail a watch,
 * never pass one): the load balancer's own 5xx (steps and bake; the baseline is the period before
 * the watch began, as a hook knows no deployment start), the CloudWatch alarms the hook spec names
 * and the new revision's task stops (every phase; each hook reads its own tasks: NewTaskStopsReader).
 * A side signal that cannot be read fails the evaluation (the error goes up: the ECS hook answers
 * FAILED, the gate-watch machine reports Failed), never passes it. Not read here: manual commands
 * (each controller has its own: PAUSE hooks and StopServiceDeployment, StopDeployment).
 */
import type { Color } from '../../shared/domain/colors';
import {
  judgeBake,
  judgeStep,
  judgeTestRound,
  latestBakeWindow,
  loadBalancerBaselineWindow,
  readingWindows,
  type JudgedStep,
  type PreviousEvaluation,
} from '../../shared/domain/gate';
import type { EcsHookSpec, JudgedPhase } from '../../shared/domain/hooks/ecs-hook-spec';
import type { WatchOutcome, WatchState } from '../../shared/domain/hooks/ecs-hook-watch';
import type { Alarms } from '../../shared/ports/alarms';
import type { Metrics } from '../../shared/ports/metrics';
import type { Probe } from '../../shared/ports/probe';
import type { Router } from '../../shared/ports/router';
import type { StoppedTask } from '../../shared/ports/fleet';

/**
 * The new revision's tasks that stopped at or after `sinceMs` (expected stops included: the
 * gate tells them apart), read the hook's own way: a service revision's, a task set's.
 */
export type NewTaskStopsReader = (sinceMs: number) => Promise<StoppedTask[]>;

export interface EvaluateWatchDeps {
  metrics: Metrics;
  router: Pick<Router, 'targetHealth'>;
  probe: Probe;
  /** Needed when the hook spec names alarms: without it such a watch fails (never passes unread). */
  alarms?: Pick<Alarms, 'firing'>;
}

/** The spec's alarms in ALARM now; an error when alarms are named and none can be read. */
function firingAlarms(deps: EvaluateWatchDeps, names: string[]): Promise<string[]> {
  if (names.length === 0) return Promise.resolve([]);
  if (!deps.alarms) return Promise.reject(new Error('alarms: named in the hook spec, but no alarm reader'));
  return deps.alarms.firing(names);
}

/** The watch as the judge needs it. */
export interface JudgedWatch {
  phase: JudgedPhase;
  spec: EcsHookSpec;
  holdSeconds: number;
  startedAt: number;
  deadlineAt: number;
  /** The watch's previous evaluation; null on its first. */
  previous: WatchState | null;
}

/** The new revision is "green" and the revision it replaces "blue", as the gate's reasons name them. */
const COLORS = { live: 'blue', new: 'green' } as const satisfies Record<string, Color>;

/** Reads the signals of `watch` and judges them once, at `now`. */
export async function evaluateWatch(
  deps: EvaluateWatchDeps,
  watch: JudgedWatch,
  targetGroups: Record<Color, string>,
  names: { cluster: string; service: string },
  now: number,
  stops: NewTaskStopsReader,
): Promise<WatchOutcome> {
  const { spec, previous } = watch;
  const colors = { ...COLORS, ...names };
  if (watch.phase === 'test') {
    if (!spec.probes) throw new Error('probes: required to judge the test round');
    const probes = spec.probes;
    const [probeResults, health, alarmsFiring, stoppedTasks] = await Promise.all([
      deps.probe.run(probes),
      deps.router.targetHealth(targetGroups.green),
      firingAlarms(deps, spec.alarms),
      // The round counts the stops since the watch began, as its observation says.
      stops(watch.startedAt),
    ]);
    const { observation } = judgeTestRound({
      phase: {
        holdSeconds: watch.holdSeconds,
        startedAt: watch.startedAt,
        deadlineAt: watch.deadlineAt,
        consecutiveFailures: spec.testTraffic.consecutiveFailures,
      },
      previousFailures: previous?.consecutiveFailures ?? 0,
      now,
      colors,
      gate: spec.gate,
      probes,
      // Manual control: see the module's comment.
      readings: { probeResults, health, stoppedTasks, alarmsFiring, control: {} },
    });
    return { ...observation, stopsSince: watch.startedAt };
  }
  const phase = watch.phase;
  const step: JudgedStep & { phase: 'step' | 'bake' } = {
    index: 0,
    phase,
    gate: spec.gate,
    holdSeconds: watch.holdSeconds,
    startedAt: watch.startedAt,
    deadlineAt: watch.deadlineAt,
  };
  const prior: PreviousEvaluation | null = previous
    ? {
        stepIndex: 0,
        phase,
        consecutiveFailures: previous.consecutiveFailures,
        at: previous.at,
        stopsSince: previous.stopsSince,
        dataUntil: previous.dataUntil,
      }
    : null;
  const windows = readingWindows(step, prior);
  const baseline = loadBalancerBaselineWindow(watch.startedAt, spec.metrics.periodSeconds);
  const [traffic, loadBalancer, health, probeResults, alarmsFiring, stoppedTasks] = await Promise.all([
    deps.metrics.sample(targetGroups, windows.trafficSince, now, spec.metrics),
    spec.gate.maxLoadBalancerErrorIncrease === null
      ? Promise.resolve(null)
      : deps.metrics.sampleLoadBalancer(
          targetGroups,
          { since: windows.trafficSince, baseline },
          now,
          spec.metrics,
        ),
    deps.router.targetHealth(targetGroups.green),
    spec.probes ? deps.probe.run(spec.probes) : Promise.resolve(null),
    firingAlarms(deps, spec.alarms),
    stops(windows.stopsSince),
  ]);
  const input = { step, previous: prior, now, colors, probes: spec.probes, windows };
  const readings = {
    traffic,
    loadBalancer,
    health,
    probeResults,
    stoppedTasks,
    alarmsFiring,
    control: {},
  };
  if (phase === 'bake') {
    const window = latestBakeWindow(step, traffic.green, spec.bakeWindowSeconds);
    const latestWindow = window
      ? { window, traffic: await deps.metrics.sample(targetGroups, window.from, now, spec.metrics) }
      : null;
    return judgeBake({ ...input, readings: { ...readings, latestWindow } }).observation;
  }
  return judgeStep({ ...input, readings }).observation;
}
