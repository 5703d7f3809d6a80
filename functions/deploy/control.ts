/**
 * Manual control of a running deployment: approve the step waiting for approval, promote (skip the
 * remaining steps), abort (roll back), pause or resume. Commands are written to the deployment
 * record; the workflow reads them at its next gate evaluation, so they act within one interval.
 */
import { z } from 'zod';
import {
  CONTROL_ACTIONS,
  DeploymentIdSchema,
  RequesterSchema,
  type DeploymentRecord,
} from '../../shared/domain/deployment';
import { controlRefusal, withApproval } from '../../shared/domain/control';
import { InvalidInputError, ServiceStateError } from '../../shared/domain/errors';
import { parseInput } from '../../shared/domain/validation';
import { recordEvent, type DeployDeps } from './context';

export const ControlRequestSchema = z
  .object({
    deploymentId: DeploymentIdSchema,
    action: z.enum(CONTROL_ACTIONS),
    /** Who asked: kept in the history and named in the outcome. */
    by: RequesterSchema,
  })
  .strict();

type Deps = Pick<DeployDeps, 'store' | 'clock' | 'logger'>;

/** Applies one command; throws InvalidInputError for an unknown deployment, ServiceStateError for a finished one. */
export async function controlDeployment(deps: Deps, input: unknown): Promise<DeploymentRecord> {
  const { deploymentId, action, by } = parseInput(ControlRequestSchema, input);
  const record = await deps.store.getDeployment(deploymentId);
  if (!record) throw new InvalidInputError(`deploymentId: no deployment ${deploymentId}`);
  const refusal = controlRefusal(record, action);
  if (refusal) throw new ServiceStateError(refusal);
  const now = deps.clock.now();
  if (action === 'approve') {
    // Refused above unless the deployment is at a plan step.
    const step = record.currentStep!;
    await deps.store.updateDeployment(deploymentId, {
      approvedSteps: withApproval(record.approvedSteps, step.index),
    });
    await recordEvent(deps, deploymentId, 'APPROVED', `step ${step.index + 1} approved by ${by}`, { by });
  } else {
    await deps.store.updateDeployment(deploymentId, { control: { action, by, at: now } });
    await recordEvent(deps, deploymentId, `CONTROL_${action.toUpperCase()}`, `${action} requested by ${by}`, {
      by,
    });
  }
  return (await deps.store.getDeployment(deploymentId))!;
}
