/**
 * StartExternal: hand the registered revision to the spec's controller (CodeDeploy or ECS's
 * built-in strategies). Step Functions may run it twice (a retry after a timeout); CodeDeploy's
 * CreateDeployment takes no client token, so a deployment already started for this Greenlight
 * deployment (its id kept on the record, else found by the controller) is adopted, never doubled.
 * The deadline counts the controller's own waits (a CodeDeploy group's ready and termination
 * waits), so PollExternal does not abort a deployment that only does what its group says.
 */
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { externalDescription } from '../../shared/ports/controller';
import { recordEvent, type DeployDeps } from './context';
import { controllerFor, externalTiming, ExternalStepSchema, type ExternalProgress } from './external';

type Deps = Pick<DeployDeps, 'controllers' | 'store' | 'clock' | 'logger'>;

export async function startExternal(deps: Deps, event: unknown): Promise<ExternalProgress> {
  const { deployment, spec } = parseInput(ExternalStepSchema, event);
  const { target, controller } = controllerFor(deps, spec, deployment.id);
  const request = {
    cluster: spec.cluster,
    taskDefinitionArn: deployment.taskDefinition,
    container: spec.container,
    description: externalDescription(deployment.id, deployment.image),
  };
  // Read on every path (started, adopted): a retry's deadline is the first try's.
  const timing = externalTiming(spec, deployment.startedAt, await controller.waitsOf?.(target.target));
  const timingData = {
    deadline: new Date(timing.deadline).toISOString(),
    ...(timing.waitSeconds > 0 ? { controllerWaitSeconds: timing.waitSeconds } : {}),
    ...(timing.capped ? { deadlineCapped: true } : {}),
  };
  const kept = (await deps.store.getDeployment(deployment.id))?.external;
  const found =
    kept?.controller === target.controller
      ? { deploymentId: kept.deploymentId, how: 'kept' as const }
      : await adopt(controller.findStarted?.(target.target, request));
  let deploymentId: string;
  if (found) {
    deploymentId = found.deploymentId;
    await recordEvent(
      deps,
      deployment.id,
      'EXTERNAL_ADOPTED',
      `${target.controller} deployment ${deploymentId} was already started for this deployment: following it`,
      { controller: target.controller, externalId: deploymentId, found: found.how, ...timingData },
    );
  } else {
    deploymentId = (await controller.start(target.target, request)).deploymentId;
    // Kept before anything else can fail, so a retried start adopts it.
    await deps.store.updateDeployment(deployment.id, {
      external: { controller: target.controller, deploymentId },
    });
    await recordEvent(
      deps,
      deployment.id,
      'EXTERNAL_STARTED',
      `${target.controller} deployment ${deploymentId} started with ${deployment.taskDefinition}`,
      { controller: target.controller, externalId: deploymentId, notes: target.notes, ...timingData },
    );
  }
  if (found?.how === 'found') {
    await deps.store.updateDeployment(deployment.id, {
      external: { controller: target.controller, deploymentId },
    });
  }
  return {
    controller: target.controller,
    deploymentId,
    state: 'in-progress',
    controllerStatus: 'started',
    pollSeconds: timing.pollSeconds,
    deadline: timing.deadline,
    aborted: false,
  };
}

async function adopt(
  finding: Promise<{ deploymentId: string } | null> | undefined,
): Promise<{ deploymentId: string; how: 'found' } | null> {
  const found = await finding;
  return found ? { deploymentId: found.deploymentId, how: 'found' } : null;
}

export const createStartExternalHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => startExternal(deps, event));
