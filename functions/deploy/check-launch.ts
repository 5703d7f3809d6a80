/** CheckNewColor: is the new color steady on the new revision and healthy in its target group? */
import { greenlightParts } from '../../shared/domain/spec';
import { z } from 'zod';
import { GreenlightError } from '../../shared/domain/errors';
import { judgeLaunchStops } from '../../shared/domain/gate';
import { launchReadiness, launchStartedAt, launchVerdict } from '../../shared/domain/launch';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, slotOf, StepContextSchema, type DeployDeps } from './context';
import type { LaunchState } from './launch';
import { gateInLoop, HookProgressSchema, stageWeights } from './user-hooks';

/**
 * The new color's tasks keep stopping on failures while it launches: waiting for the launch
 * deadline would only repeat the crash, so the launch fails now (and the workflow rolls back).
 */
export class NewColorCrashLoopError extends GreenlightError {}

/**
 * ECS's deployment circuit breaker failed the new revision's rollout (`rolloutState: FAILED`):
 * ECS itself has given up (and may be rolling the service back), so the launch fails now.
 */
export class NewColorRolloutFailedError extends GreenlightError {}

const InputSchema = StepContextSchema.extend({
  // An execution whose launch began before `startedAt` was recorded has only its deadline.
  launch: z
    .object({
      deadlineAt: z.number(),
      startedAt: z.number().optional(),
      userHook: HookProgressSchema.optional(),
    })
    .loose(),
});

type Deps = Pick<DeployDeps, 'fleet' | 'router' | 'store' | 'clock' | 'logger' | 'userHooks'>;

export async function checkLaunch(deps: Deps, event: unknown): Promise<LaunchState> {
  const { deployment, spec, launch } = parseInput(InputSchema, event);
  const slot = slotOf(spec, deployment.newColor);
  const startedAt = launchStartedAt(launch, spec.launch.timeoutSeconds);
  const service = await deps.fleet.describe(slot);
  const health = await deps.router.targetHealth(greenlightParts(spec).slots[deployment.newColor].targetGroup);
  const readiness = launchReadiness({
    taskDefinition: deployment.taskDefinition,
    desiredCount: deployment.desiredCount,
    service,
    healthy: health.healthy,
  });
  if (readiness.rolloutFailed !== null) {
    const message = `${deployment.newColor} (${slot.service}): ECS's deployment circuit breaker failed the rollout of ${deployment.taskDefinition}: ${readiness.rolloutFailed}`;
    await recordEvent(deps, deployment.id, 'NEW_COLOR_ROLLOUT_FAILED', message);
    throw new NewColorRolloutFailedError(message);
  }
  let stops: ReturnType<typeof judgeLaunchStops> | undefined;
  if (!readiness.ready) {
    // Only while waiting: a color that became steady and healthy goes on, and the gate watches
    // its stops from the first step (as ECS's circuit breaker forgets failures once a task is healthy).
    stops = judgeLaunchStops(
      await deps.fleet.stoppedTasks(slot, startedAt),
      { ...slot, color: deployment.newColor },
      deployment.desiredCount,
    );
    if (stops.crashLoop) {
      const message = `${deployment.newColor} (${slot.service}) is crash-looping: ${stops.reason}`;
      await recordEvent(deps, deployment.id, 'NEW_COLOR_CRASH_LOOP', message);
      throw new NewColorCrashLoopError(message);
    }
  }
  const verdict = launchVerdict(readiness, {
    now: deps.clock.now(),
    deadlineAt: launch.deadlineAt,
    ...(stops ? { stops } : {}),
  });
  if (verdict.ready && !launch.userHook)
    await recordEvent(
      deps,
      deployment.id,
      'NEW_COLOR_READY',
      `${deployment.newColor} ready: ${verdict.reason}`,
    );
  if (verdict.ready) {
    // The afterLaunch hook gates the ready color; a `wait` turns this loop again (WaitForNewColor),
    // still bounded by the launch deadline as well as the hook's own.
    const hook = await gateInLoop(
      deps,
      { deployment, spec, stage: 'afterLaunch', weights: stageWeights({ deployment, spec }, 0) },
      launch.userHook,
    );
    if (!hook.done) {
      // The launch deadline bounds this wait too (the history budget counts on it).
      const late = deps.clock.now() >= launch.deadlineAt;
      const waiting = `ready, waiting for user hook "${spec.hooks?.afterLaunch?.name ?? ''}" (afterLaunch)`;
      return {
        startedAt,
        deadlineAt: launch.deadlineAt,
        ...verdict,
        ready: false,
        deadlineExceeded: late,
        reason: late ? `launch deadline passed: ${waiting}` : waiting,
        userHook: hook.progress,
      };
    }
  }
  return { startedAt, deadlineAt: launch.deadlineAt, ...verdict };
}

export const createCheckLaunchHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => checkLaunch(deps, event));
