/** LaunchNewColor: bring the idle color up on the new revision, with no production traffic. */
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, slotOf, StepContextSchema, type DeployDeps } from './context';

export interface LaunchState {
  /** When the launch began: check-launch counts the new color's task stops from then. */
  startedAt: number;
  deadlineAt: number;
  ready: boolean;
  deadlineExceeded: boolean;
  reason: string;
}

type Deps = Pick<DeployDeps, 'fleet' | 'store' | 'clock' | 'logger'>;

export async function launch(deps: Deps, event: unknown): Promise<LaunchState> {
  const { deployment, spec } = parseInput(StepContextSchema, event);
  const slot = slotOf(spec, deployment.newColor);
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
