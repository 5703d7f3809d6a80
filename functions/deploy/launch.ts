/** LaunchNewColor: bring the idle color up on the new revision, with no production traffic. */
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, slotOf, StepContextSchema, type DeployDeps } from './context';
import { gateInTask, stageWeights, type HookProgress } from './user-hooks';

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

type Deps = Pick<DeployDeps, 'fleet' | 'store' | 'clock' | 'logger' | 'userHooks'>;

export async function launch(deps: Deps, event: unknown): Promise<LaunchState> {
  const { deployment, spec } = parseInput(StepContextSchema, event);
  const slot = slotOf(spec, deployment.newColor);
  // Nothing has changed on the service yet: a failing hook rolls back a no-op.
  await gateInTask(deps, {
    deployment,
    spec,
    stage: 'beforeLaunch',
    weights: stageWeights({ deployment, spec }, 0),
  });
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
