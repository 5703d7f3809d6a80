/** A schedule spec as one RunTask request: what ECS is asked to start for each attempt. */
import type { TaskRequest } from '../../ports/task-runner';
import { ecsContainerOverrides, type ScheduleSpec } from './schedule-spec';

/** Tag keys on every scheduled task: alerts and people find the schedule and run of a task by them. */
export const SCHEDULE_TAG = 'greenlight:schedule';
export const RUN_TAG = 'greenlight:run';

/**
 * The task's `startedBy` (ECS: up to 128 of letters, digits, `-`, `_`, `/`):
 * `greenlight/schedule/<name>`, the name's dots written as `_` (the tags carry it exactly).
 */
export function scheduledStartedBy(schedule: string): string {
  return `greenlight/schedule/${schedule.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 128);
}

/** True when a task's startedBy says a Greenlight schedule started it. */
export const isScheduledStartedBy = (startedBy: string | undefined) =>
  startedBy?.startsWith('greenlight/schedule/') ?? false;

/** The RunTask request of one attempt of `runId`, with `taskDefinition` already resolved. */
export function buildTaskRequest(
  spec: ScheduleSpec,
  options: { taskDefinition: string; runId: string; clientToken: string },
): TaskRequest {
  const overrides = ecsContainerOverrides(spec.overrides);
  return {
    cluster: spec.cluster,
    taskDefinition: options.taskDefinition,
    ...(spec.launchType ? { launchType: spec.launchType } : {}),
    ...(spec.capacityProviderStrategy ? { capacityProviderStrategy: spec.capacityProviderStrategy } : {}),
    ...(spec.network ? { network: spec.network } : {}),
    ...(spec.placement && spec.placement.strategy.length > 0
      ? { placementStrategy: spec.placement.strategy }
      : {}),
    ...(spec.placement && spec.placement.constraints.length > 0
      ? { placementConstraints: spec.placement.constraints }
      : {}),
    ...(overrides.containerOverrides.length > 0 ? { overrides } : {}),
    startedBy: scheduledStartedBy(spec.name),
    clientToken: options.clientToken,
    tags: [
      { key: SCHEDULE_TAG, value: spec.name },
      { key: RUN_TAG, value: options.runId },
    ],
  };
}
