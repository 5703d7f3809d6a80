/** CheckNewColor: is the new color steady on the new revision and healthy in its target group? */
import { z } from 'zod';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, slotOf, StepContextSchema, type DeployDeps } from './context';
import type { LaunchState } from './launch';

const InputSchema = StepContextSchema.extend({ launch: z.object({ deadlineAt: z.number() }).loose() });

type Deps = Pick<DeployDeps, 'fleet' | 'router' | 'store' | 'clock' | 'logger'>;

export async function checkLaunch(deps: Deps, event: unknown): Promise<LaunchState> {
  const { deployment, spec, launch } = parseInput(InputSchema, event);
  const status = await deps.fleet.describe(slotOf(spec, deployment.newColor));
  const health = await deps.router.targetHealth(spec.slots[deployment.newColor].targetGroup);
  const onRevision = status.taskDefinition === deployment.taskDefinition;
  const ready = onRevision && status.steady && health.healthy >= deployment.desiredCount;
  const reason =
    `${status.runningCount}/${deployment.desiredCount} tasks running, ` +
    `${health.healthy} healthy in the target group${onRevision ? '' : ', service not yet on the new revision'}`;
  const deadlineExceeded = !ready && deps.clock.now() >= launch.deadlineAt;
  if (ready)
    await recordEvent(deps, deployment.id, 'NEW_COLOR_READY', `${deployment.newColor} ready: ${reason}`);
  return {
    deadlineAt: launch.deadlineAt,
    ready,
    deadlineExceeded,
    reason: deadlineExceeded ? `launch deadline passed: ${reason}` : reason,
  };
}

export const createCheckLaunchHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => checkLaunch(deps, event));
