/**
 * PollExternal: where the controller's deployment is, and what people asked of it since the last
 * poll. An abort request (or the deadline passing) stops it with the controller's rollback; a
 * promote request ends the wait it is held at. Each change of state is one history event, not
 * each poll. The workflow decides on `state`: terminal ends it, anything else polls again.
 */
import { z } from 'zod';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { DeploymentController } from '../../shared/ports/controller';
import { recordEvent, renewLock, type DeployDeps } from './context';
import {
  ABORT_GRACE_MS,
  controllerFor,
  ExternalDeploymentContextSchema,
  ExternalProgressSchema,
  isTerminal,
  outcomeError,
  type ExternalProgress,
} from './external';
import { SpecSchema } from '../../shared/domain/spec';

type Deps = Pick<DeployDeps, 'controllers' | 'store' | 'clock' | 'logger'>;

const PollInputSchema = z.object({
  deployment: ExternalDeploymentContextSchema,
  spec: SpecSchema,
  external: ExternalProgressSchema,
});

export async function pollExternal(deps: Deps, event: unknown): Promise<ExternalProgress> {
  const { deployment, spec, external } = parseInput(PollInputSchema, event);
  const { controller } = controllerFor(deps, spec);
  const id = external.deploymentId;
  if (!id) return external;
  let progress: ExternalProgress = { ...external };
  const status = await controller.status(id);
  const now = deps.clock.now();
  const changed = status.state !== external.state || status.controllerStatus !== external.controllerStatus;
  progress = {
    ...progress,
    state: status.state,
    controllerStatus: status.controllerStatus,
    ...(status.reason ? { reason: status.reason } : {}),
  };
  if (changed) {
    await recordEvent(
      deps,
      deployment.id,
      'EXTERNAL_STATUS',
      `${external.controller} deployment ${id} is ${status.controllerStatus}${status.reason ? ` (${status.reason})` : ''}`,
      { externalId: id, state: status.state, controllerStatus: status.controllerStatus },
    );
  }
  if (isTerminal(status.state)) return ended(progress);

  if (!progress.aborted) progress = await applyControl(deps, controller, deployment.id, progress, now);
  if (!progress.aborted && now > progress.deadline) {
    progress = await abortNow(
      deps,
      controller,
      deployment.id,
      progress,
      now,
      `the deployment passed its deadline (${new Date(progress.deadline).toISOString()})`,
    );
  }
  if (progress.aborted && progress.abortedAt !== undefined && now > progress.abortedAt + ABORT_GRACE_MS) {
    // The controller was asked to roll back and never said it had: a person must look.
    return ended({
      ...progress,
      state: 'failed',
      reason: `no end reported ${ABORT_GRACE_MS / 60_000} minutes after the abort`,
    });
  }
  // Kept while the controller works, so no other deployment of the service starts meanwhile.
  await renewLock(deps, spec, deployment.id, now);
  return progress;
}

/** A terminal state gets the error Finish records (none for a success). */
function ended(progress: ExternalProgress): ExternalProgress {
  if (progress.state === 'succeeded') return progress;
  return {
    ...progress,
    error: outcomeError(progress.state, progress.controllerStatus, progress.reason, progress.abortReason),
  };
}

/** Acts once on each control request newer than the last one acted on. */
async function applyControl(
  deps: Deps,
  controller: DeploymentController<unknown>,
  deploymentId: string,
  progress: ExternalProgress,
  now: number,
): Promise<ExternalProgress> {
  const control = (await deps.store.getDeployment(deploymentId))?.control;
  if (!control || control.at === progress.controlAt) return progress;
  const acted = { ...progress, controlAt: control.at };
  if (control.action === 'abort') {
    return abortNow(deps, controller, deploymentId, acted, now, `aborted by ${control.by}`);
  }
  if (control.action === 'promote') {
    const outcome = await controller.promote(progress.deploymentId!);
    await recordEvent(
      deps,
      deploymentId,
      outcome.continued ? 'EXTERNAL_PROMOTED' : 'EXTERNAL_PROMOTE_REFUSED',
      outcome.continued
        ? `promote by ${control.by}: ${progress.controller} continued past its wait`
        : `promote by ${control.by} did nothing: ${outcome.reason}`,
      { by: control.by },
    );
    return acted;
  }
  // pause / resume: neither CodeDeploy nor ECS can hold a deployment that is not at a wait.
  await recordEvent(
    deps,
    deploymentId,
    'EXTERNAL_CONTROL_IGNORED',
    `${control.action} by ${control.by} is not supported by ${progress.controller}: only abort and promote act on it`,
    { by: control.by },
  );
  return acted;
}

async function abortNow(
  deps: Deps,
  controller: DeploymentController<unknown>,
  deploymentId: string,
  progress: ExternalProgress,
  now: number,
  why: string,
): Promise<ExternalProgress> {
  await controller.abort(progress.deploymentId!);
  await recordEvent(
    deps,
    deploymentId,
    'EXTERNAL_ABORTED',
    `${why}: ${progress.controller} deployment ${progress.deploymentId} stopped with rollback`,
    { externalId: progress.deploymentId },
  );
  return { ...progress, aborted: true, abortedAt: now, abortReason: why };
}

export const createPollExternalHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => pollExternal(deps, event));
