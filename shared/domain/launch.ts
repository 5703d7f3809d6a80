/**
 * Bringing the new color up (LaunchNewColor / CheckNewColor): when it counts as ready, and how
 * the wait for it ends. The task stops seen meanwhile are judged by task-stops.ts.
 */

/** What CheckNewColor reads of the new color. */
export interface LaunchReading {
  /** The revision the new color must run. */
  taskDefinition: string;
  /** Tasks it must run: the live color's desired count. */
  desiredCount: number;
  /** The new color's service as ECS reports it. */
  service: {
    taskDefinition: string | null;
    steady: boolean;
    runningCount: number;
    /** Deployments ECS's circuit breaker marked `rolloutState: FAILED`. */
    failedRollouts?: { taskDefinition: string | null; reason: string }[] | undefined;
  };
  /** Healthy targets in the new color's target group. */
  healthy: number;
}

export interface LaunchReadiness {
  ready: boolean;
  /** What the launch looks like, e.g. `1/2 tasks running, 0 healthy in the target group`. */
  reason: string;
  /**
   * ECS's deployment circuit breaker gave up on the new revision (`rolloutState: FAILED`): it
   * will not get ready, so the launch fails now instead of at its deadline. ECS's reason; null otherwise.
   */
  rolloutFailed: string | null;
}

/**
 * The new color is ready when its service runs the new revision, its rollout is steady, and at
 * least as many targets as it must run tasks are healthy in its target group; never once ECS's
 * circuit breaker has failed the new revision's rollout.
 */
export function launchReadiness(reading: LaunchReading): LaunchReadiness {
  const { service, desiredCount, healthy } = reading;
  const onRevision = service.taskDefinition === reading.taskDefinition;
  // Only the new revision's rollout counts: an older FAILED deployment of this service is history.
  const failed = (service.failedRollouts ?? []).find((r) => r.taskDefinition === reading.taskDefinition);
  return {
    ready: !failed && onRevision && service.steady && healthy >= desiredCount,
    reason:
      `${service.runningCount}/${desiredCount} tasks running, ` +
      `${healthy} healthy in the target group${onRevision ? '' : ', service not yet on the new revision'}`,
    rolloutFailed: failed ? failed.reason : null,
  };
}

/**
 * When the launch began. An execution whose launch began before `startedAt` was recorded has only
 * its deadline, `timeoutSeconds` after the start.
 */
export function launchStartedAt(
  launch: { startedAt?: number | undefined; deadlineAt: number },
  timeoutSeconds: number,
): number {
  return launch.startedAt ?? launch.deadlineAt - timeoutSeconds * 1000;
}

export interface LaunchVerdict {
  ready: boolean;
  /** Not ready, and the deadline has come: the workflow rolls back. */
  deadlineExceeded: boolean;
  reason: string;
}

/**
 * How a check of the launch ends: ready, still waiting, or out of time. `stops` are the new
 * color's failed stops since the launch began, counted while it is not ready yet.
 */
export function launchVerdict(
  readiness: Pick<LaunchReadiness, 'ready' | 'reason'>,
  options: { now: number; deadlineAt: number; stops?: { failures: number; reason: string } },
): LaunchVerdict {
  const { ready } = readiness;
  const reason =
    !ready && options.stops && options.stops.failures > 0
      ? `${readiness.reason}; ${options.stops.reason}`
      : readiness.reason;
  const deadlineExceeded = !ready && options.now >= options.deadlineAt;
  return {
    ready,
    deadlineExceeded,
    reason: deadlineExceeded ? `launch deadline passed: ${reason}` : reason,
  };
}
