/** LaunchNewColor: bring the idle color up on the new revision, with no production traffic. */
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, slotOf, StepContextSchema, type DeployDeps } from './context';
import {
  gateTurn,
  PreviousTurnSchema,
  stageWeights,
  type HookProgress,
  type HookWaiting,
} from './user-hooks';

export interface LaunchState {
  /** When the launch began: check-launch counts the new color's task stops from then. */
  startedAt: number;
  deadlineAt: number;
  ready: boolean;
  deadlineExceeded: boolean;
  reason: string;
  /** The afterLaunch hook's progress while it answers `wait` (check-launch's loop carries it). */
  userHook?: HookProgress;
}

const InputSchema = StepContextSchema.extend({
  /** Prepare's null on the first turn; this Task's HookWaiting while beforeLaunch waits. */
  launch: PreviousTurnSchema,
});

type Deps = Pick<DeployDeps, 'fleet' | 'store' | 'clock' | 'logger' | 'userHooks'>;

export async function launch(deps: Deps, event: unknown): Promise<LaunchState | HookWaiting> {
  const { deployment, spec, launch: previous } = parseInput(InputSchema, event);
  const slot = slotOf(spec, deployment.newColor);
  // Nothing has changed on the service yet: a failing hook rolls back a no-op, and a waiting one
  // turns the BeforeLaunchHookWait loop with nothing launched.
  const waiting = await gateTurn(
    deps,
    { deployment, spec, stage: 'beforeLaunch', weights: stageWeights({ deployment, spec }, 0) },
    previous,
  );
  if (waiting) return waiting;
  // Before the update: a task may stop as soon as ECS starts it.
  const startedAt = deps.clock.now();
  await deps.fleet.deploy(slot, deployment.taskDefinition, deployment.desiredCount);
  await recordEvent(
    deps,
    deployment.id,
    'LAUNCHED',
    `${deployment.newColor} (${slot.service}) launching ${deployment.desiredCount} tasks`,
    {
      taskDefinition: deployment.taskDefinition,
    },
  );
  return {
    startedAt,
    deadlineAt: deps.clock.now() + spec.launch.timeoutSeconds * 1000,
    ready: false,
    deadlineExceeded: false,
    reason: 'launching',
  };
}

export const createLaunchHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => launch(deps, event));
