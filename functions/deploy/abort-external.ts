/**
 * AbortExternal: a step of an external deployment failed (its start, a poll). Whatever the
 * controller already took is stopped with its rollback, and the workflow follows the rollback to
 * its end; a start that never reached the controller changed nothing and ends at once.
 */
import { z } from 'zod';
import { describeStepError, StepErrorSchema } from '../../shared/domain/end-state';
import { maxDurationSeconds } from '../../shared/domain/plan';
import { SpecSchema } from '../../shared/domain/spec';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { externalDescription } from '../../shared/ports/controller';
import { recordEvent, type DeployDeps } from './context';
import {
  controllerFor,
  externalPollSeconds,
  ExternalDeploymentContextSchema,
  ExternalProgressSchema,
  outcomeError,
  type ExternalProgress,
} from './external';

type Deps = Pick<DeployDeps, 'controllers' | 'store' | 'clock' | 'logger'>;

const AbortInputSchema = z.object({
  deployment: ExternalDeploymentContextSchema,
  spec: SpecSchema,
  external: ExternalProgressSchema.nullable(),
  error: StepErrorSchema.nullable().optional(),
});

export async function abortExternal(deps: Deps, event: unknown): Promise<ExternalProgress> {
  const { deployment, spec, external, error } = parseInput(AbortInputSchema, event);
  const { target, controller } = controllerFor(deps, spec);
  const described = describeStepError(error ?? undefined);
  const why = described ? `${described.error}: ${described.cause}` : 'a step failed';
  const now = deps.clock.now();
  // A start that failed may still have reached the controller: its id kept, or found as a retry would.
  const kept = (await deps.store.getDeployment(deployment.id))?.external;
  const id =
    external?.deploymentId ??
    (kept?.controller === target.controller ? kept.deploymentId : null) ??
    (
      await controller.findStarted?.(target.target, {
        cluster: spec.cluster,
        taskDefinitionArn: deployment.taskDefinition,
        container: spec.container,
        description: externalDescription(deployment.id, deployment.image),
      })
    )?.deploymentId ??
    null;
  const base: ExternalProgress = external ?? {
    controller: target.controller,
    deploymentId: id,
    state: 'not-started',
    controllerStatus: 'not started',
    pollSeconds: externalPollSeconds(spec),
    deadline: deployment.startedAt + maxDurationSeconds(spec) * 1000,
    aborted: false,
  };
  if (!id) {
    await recordEvent(
      deps,
      deployment.id,
      'EXTERNAL_NOT_STARTED',
      `${why}; no ${target.controller} deployment was started`,
    );
    return {
      ...base,
      state: 'not-started',
      aborted: true,
      abortReason: why,
      error: outcomeError('not-started', base.controllerStatus, undefined, why),
    };
  }
  // Kept before the stop: a retried AbortExternal then finds the id here, where a search (for
  // running deployments only) would no longer find the stopped one and end "not started".
  if (kept?.deploymentId !== id || kept.abortedAt === undefined) {
    await deps.store.updateDeployment(deployment.id, {
      external: {
        ...(kept?.deploymentId === id ? kept : {}),
        controller: target.controller,
        deploymentId: id,
        abortedAt: now,
        abortReason: why,
      },
    });
  }
  await controller.abort(id);
  await recordEvent(
    deps,
    deployment.id,
    'EXTERNAL_ABORTED',
    `${why}: ${target.controller} deployment ${id} stopped with rollback`,
    { externalId: id },
  );
  return {
    ...base,
    deploymentId: id,
    state: base.state === 'not-started' ? 'in-progress' : base.state,
    aborted: true,
    abortedAt: now,
    abortReason: why,
  };
}

export const createAbortExternalHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => abortExternal(deps, event));
