/**
 * Manual control of a running deployment: approve the step waiting for approval, promote (skip the
 * remaining steps), abort (roll back), pause or resume. Commands are written to the deployment
 * record; the workflow reads them at its next gate evaluation, so they act within one interval.
 */
import { z } from 'zod';
import { CONTROL_ACTIONS, DeploymentIdSchema, type DeploymentRecord } from '../../shared/domain/deployment';
import { InvalidInputError, ServiceStateError } from '../../shared/domain/errors';
import { parseInput } from '../../shared/domain/validation';
import { recordEvent, type DeployDeps } from './context';

export const ControlRequestSchema = z
  .object({
    deploymentId: DeploymentIdSchema,
    action: z.enum(CONTROL_ACTIONS),
    /** Who asked: kept in the history and named in the outcome. */
    by: z.string().min(1).max(256),
  })
  .strict();

type Deps = Pick<DeployDeps, 'store' | 'clock' | 'logger'>;

/** Applies one command; throws InvalidInputError for an unknown deployment, ServiceStateError for a finished one. */
export async function controlDeployment(deps: Deps, input: unknown): Promise<DeploymentRecord> {
  const { deploymentId, action, by } = parseInput(ControlRequestSchema, input);
  const record = await deps.store.getDeployment(deploymentId);
  if (!record) throw new InvalidInputError(`deploymentId: no deployment ${deploymentId}`);
  if (record.status !== 'IN_PROGRESS') {
    throw new ServiceStateError(
      `deployment ${deploymentId} has already ended (${record.status}): nothing to ${action}`,
    );
  }
  const now = deps.clock.now();
  if (action === 'approve') {
    const step = record.currentStep;
    if (!step || step.phase !== 'step') {
      throw new ServiceStateError(`deployment ${deploymentId} is not at a plan step: nothing to approve`);
    }
    // Approving a step that needs none would do nothing now and nothing later: say so instead.
    const steps = record.spec?.plan.steps;
    if (steps && !steps[step.index]?.approval) {
      const later = steps.flatMap((s, i) => (s.approval && i > step.index ? [i + 1] : []));
      throw new ServiceStateError(
        `deployment ${deploymentId} is at step ${step.index + 1}, which needs no approval` +
          (later.length > 0
            ? `; step ${later.join(', ')} will wait for one: approve when it does`
            : ': nothing to approve'),
      );
    }
    const approvedSteps = [...new Set([...(record.approvedSteps ?? []), step.index])];
    await deps.store.updateDeployment(deploymentId, { approvedSteps });
    await recordEvent(deps, deploymentId, 'APPROVED', `step ${step.index + 1} approved by ${by}`, { by });
  } else {
    await deps.store.updateDeployment(deploymentId, { control: { action, by, at: now } });
    await recordEvent(deps, deploymentId, `CONTROL_${action.toUpperCase()}`, `${action} requested by ${by}`, {
      by,
    });
  }
  return (await deps.store.getDeployment(deploymentId))!;
}
