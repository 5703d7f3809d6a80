/**
 * New-color task stops as a gate signal. A stop is a failure (out of memory, an essential container
 * exiting, failed health checks, a failed start, ...), an infrastructure stop (a Fargate Spot
 * interruption, a termination notice, host retirement or maintenance, AZ rebalancing: AWS took the
 * task away, the release did nothing wrong) or expected (scale-in, ECS replacing tasks during a
 * deployment, a person's StopTask, a job's exit 0): the stopped-task alerts' classification decides
 * (../alerts/classify.ts, stopCause), so the gate and the alerts never disagree on what a stop was.
 * Pure: the Fleet port lists the stops, these functions judge them.
 */
import { CATEGORY_INFO, classifyStop, stopCause, type Classification } from '../alerts/classify';
import type { TaskStop } from '../alerts/task-event';
import type { GateVerdict } from './verdict';
import type { Gate } from './gate-schema';

/** A container of a stopped task. */
export interface StoppedContainer {
  name: string;
  exitCode?: number;
  reason?: string;
}

/** A task of a slot that stopped, as the Fleet port reports it. */
export interface StoppedTask {
  /** Task ARN on ECS, task id locally. */
  id: string;
  /** When the task stopped (or, still stopping, began to), epoch ms. */
  stoppedAt: number;
  stopCode?: string;
  stoppedReason?: string;
  containers: StoppedContainer[];
}

/** Which tasks: the slot's ECS service, and the color name used in reasons. */
export interface StopScope {
  cluster: string;
  service: string;
  color: string;
}

export interface JudgedStop {
  task: StoppedTask;
  classification: Classification;
}

/** The stops split by cause (failures, infrastructure, expected), each in the order given. */
export function classifyTaskStops(
  stops: StoppedTask[],
  scope: Pick<StopScope, 'cluster' | 'service'>,
): { failures: JudgedStop[]; infrastructure: JudgedStop[]; expected: JudgedStop[] } {
  const judged = stops.map((task) => ({ task, classification: classifyStop(asTaskStop(task, scope)) }));
  const by = (cause: ReturnType<typeof stopCause>) =>
    judged.filter((j) => stopCause(j.classification) === cause);
  return { failures: by('failure'), infrastructure: by('infrastructure'), expected: by('expected') };
}

/** The task stops' verdict, with the infrastructure stops counted apart for the observation. */
export interface TaskStopsVerdict extends GateVerdict {
  /** New-color tasks AWS's infrastructure stopped in the window (Spot, host retirement, AZ rebalancing). */
  infrastructureStops: number;
}

/**
 * Fails when more new-color tasks stopped on a failure than `maxTaskStops` allows, or when more
 * were stopped by the infrastructure than `maxInfrastructureStops` allows (a storm; null: no limit).
 * Expected stops never count, and infrastructure stops never count as failures. Never
 * inconclusive: no stop is evidence too (the traffic verdict decides the pass).
 */
export function judgeTaskStops(
  gate: Pick<Gate, 'maxTaskStops'> & Partial<Pick<Gate, 'maxInfrastructureStops'>>,
  stops: StoppedTask[],
  scope: StopScope,
): TaskStopsVerdict {
  const { failures, infrastructure, expected } = classifyTaskStops(stops, scope);
  const infrastructureStops = infrastructure.length;
  const infraMax = gate.maxInfrastructureStops ?? null;
  const storm = infraMax !== null && infrastructureStops > infraMax;
  const aside = [
    infrastructureStops === 0 || storm
      ? ''
      : `${infrastructureStops} infrastructure stop${infrastructureStops === 1 ? '' : 's'}` +
        `${infraMax === null ? '' : ` ≤ ${infraMax} allowed`}: ${summarise(infrastructure)}`,
    expected.length === 0
      ? ''
      : `${expected.length} expected stop${expected.length === 1 ? '' : 's'}: ${summarise(expected)}`,
  ].filter(Boolean);
  const alsoSeen = aside.length === 0 ? '' : ` (${aside.join('; ')})`;
  const reasons: string[] = [];
  let failed = storm;
  if (failures.length === 0) {
    const reason =
      infrastructureStops === 0 && expected.length === 0
        ? `no ${scope.color} task stopped`
        : `no ${scope.color} task stopped with a failure`;
    reasons.push(`${reason}${alsoSeen}`);
  } else {
    const max = gate.maxTaskStops;
    const counted = `${failures.length} ${scope.color} task${failures.length === 1 ? '' : 's'} stopped with a failure`;
    const over = failures.length > max;
    failed ||= over;
    const comparison = over ? `> ${max} allowed` : `≤ ${max} allowed`;
    reasons.push(`${counted} ${comparison}: ${summarise(failures)}${alsoSeen}`);
  }
  if (storm) {
    reasons.push(
      `${infrastructureStops} ${scope.color} task${infrastructureStops === 1 ? '' : 's'} stopped by the infrastructure ` +
        `> ${infraMax} allowed (maxInfrastructureStops): ${summarise(infrastructure)}`,
    );
  }
  return { verdict: failed ? 'fail' : 'pass', reasons, infrastructureStops };
}

/**
 * Failing stops during a launch that make it a crash loop, not a slow start: the ECS deployment
 * circuit breaker's default threshold (half the desired count, at least 3, at most 200), so
 * Greenlight gives up where ECS itself would.
 */
export function crashLoopThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount / 2)));
}

/**
 * Judges the new color's stops since its launch began: a crash loop once the failing stops reach
 * the circuit breaker's threshold (infrastructure stops are not the release's: they never count).
 * The reason names the count, the threshold and the causes.
 */
export function judgeLaunchStops(
  stops: StoppedTask[],
  scope: StopScope,
  desiredCount: number,
): { crashLoop: boolean; failures: number; reason: string } {
  const { failures } = classifyTaskStops(stops, scope);
  const threshold = crashLoopThreshold(desiredCount);
  if (failures.length === 0) {
    return { crashLoop: false, failures: 0, reason: `no ${scope.color} task stopped with a failure` };
  }
  const crashLoop = failures.length >= threshold;
  const counted = `${failures.length} ${scope.color} task${failures.length === 1 ? '' : 's'} stopped with a failure`;
  const comparison = crashLoop ? `≥ ${threshold}` : `< ${threshold}`;
  return {
    crashLoop,
    failures: failures.length,
    reason: `${counted} since the launch began (${comparison}, the crash-loop threshold for ${desiredCount} task${desiredCount === 1 ? '' : 's'}): ${summarise(failures)}`,
  };
}

/** "2× essential container exited (exit 1), 1× out of memory (exit 137)": most frequent first. */
function summarise(stops: JudgedStop[]): string {
  const counts = new Map<string, number>();
  for (const { classification } of stops) {
    const label = CATEGORY_INFO[classification.category].label;
    const text = classification.exitCode === undefined ? label : `${label} (exit ${classification.exitCode})`;
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  // Map keeps first-seen order, and sort is stable: ties stay in the order they happened.
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([text, n]) => `${n}× ${text}`)
    .join(', ');
}

/** The stop in the alerts' shape; `service` set, since a service's task exiting 0 is not a finished job. */
function asTaskStop(task: StoppedTask, scope: Pick<StopScope, 'cluster' | 'service'>): TaskStop {
  return {
    taskArn: task.id,
    taskId: task.id.slice(task.id.lastIndexOf('/') + 1) || task.id,
    cluster: scope.cluster,
    service: scope.service,
    group: `service:${scope.service}`,
    ...(task.stopCode === undefined ? {} : { stopCode: task.stopCode }),
    ...(task.stoppedReason === undefined ? {} : { stoppedReason: task.stoppedReason }),
    stoppedAt: new Date(task.stoppedAt).toISOString(),
    containers: task.containers.map((c) => ({
      name: c.name,
      ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }),
      ...(c.reason === undefined ? {} : { reason: c.reason }),
    })),
    environment: [],
  };
}
