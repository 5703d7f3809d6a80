/**
 * Prepare: validate, lock the service, find the live color, register the new revision, and hold
 * Application Auto Scaling still on both colors for the deployment.
 */
import { otherColor, soleColor } from '../../shared/domain/colors';
import {
  DeployRequestSchema,
  lockKey,
  type DeploymentContext,
  type DeployRequest,
} from '../../shared/domain/deployment';
import type { DeploymentController } from '../../shared/ports/controller';
import { controllerFor, type ExternalDeploymentContext } from './external';
import { LockConflictError, ServiceStateError } from '../../shared/domain/errors';
import { maxDurationSeconds } from '../../shared/domain/plan';
import { alarmsToCheck, firingAlarmsRefusal } from '../../shared/domain/preflight';
import { greenlightParts, type DeploymentSpec } from '../../shared/domain/spec';
import { describeScaling, type DeploymentScaling } from '../../shared/domain/scaling';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { HandlerMetrics } from '../../shared/observability/deployment-metrics';
import { recordEvent, routeOf, slotOf, testRouteOf, type DeployDeps } from './context';
import { checkSpecAgainstAccount } from './preflight';
import { findAbandoned, repairAbandoned } from './repair';
import { readScaling, restoreSaved, suspendScaling } from './scaling';
import type { MetricsModelCheck } from './start';

export interface PrepareResult {
  deployment: DeploymentContext | ExternalDeploymentContext;
  spec: DeploymentSpec;
  /** Initialised so later states can always reference them. */
  step: null;
  observation: null;
  launch: null;
  /** Promote reads its previous turn here (a test-traffic promotion reaches it with no step's weights). */
  weights: null;
  external: null;
}

type Deps = Pick<
  DeployDeps,
  'alarms' | 'fleet' | 'router' | 'scaling' | 'store' | 'notifier' | 'clock' | 'logger' | 'controllers'
> & {
  /** On AWS, cloudWatchModelIssues: refuses the rehearsal's lag-free model before anything changes. */
  metricsModelIssues?: MetricsModelCheck;
};

export async function prepare(deps: Deps, event: unknown): Promise<PrepareResult> {
  const request = parseInput(DeployRequestSchema, event);
  const { spec, deploymentId } = request;
  await checkSpecAgainstAccount(deps, spec);
  const alarms = alarmsToCheck(spec, request.force);
  if (alarms.length > 0) {
    const refusal = firingAlarmsRefusal(await deps.alarms.firing(alarms));
    if (refusal) throw new ServiceStateError(refusal);
  }
  if (spec.controller !== 'greenlight') return prepareExternal(deps, request);
  const now = deps.clock.now();
  const key = await acquireServiceLock(deps, request, now);
  // Set once the scalable targets may have been changed: a failure then puts them back.
  let suspended: DeploymentScaling | null = null;
  try {
    await createRecord(deps, request, now);
    // Holding the lock, no other deployment runs: one left IN_PROGRESS died, and is repaired first.
    const abandoned = await findAbandoned(deps, spec, deploymentId);
    const repairedTo = abandoned ? await repairAbandoned(deps, spec, abandoned, deploymentId) : null;
    const weights = await deps.router.getWeights(routeOf(spec));
    const liveColor = soleColor(weights);
    if (repairedTo && repairedTo !== liveColor) {
      throw new ServiceStateError(
        `repair left ${repairedTo} live but the listener reports blue ${weights.blue} % / green ${weights.green} %`,
      );
    }
    if (!liveColor) {
      throw new ServiceStateError(
        `traffic is split (blue ${weights.blue} %, green ${weights.green} %): a previous deployment did not finish; restore a single live color first`,
      );
    }
    const newColor = otherColor(liveColor);
    // Read the test route now so one that does not forward to both colors is refused before any change.
    const testRoute = testRouteOf(spec);
    if (testRoute) await deps.router.getWeights(testRoute);
    const live = await deps.fleet.describe(slotOf(spec, liveColor));
    if (!live.taskDefinition || live.desiredCount < 1) {
      throw new ServiceStateError(
        `live color ${liveColor} (${greenlightParts(spec).slots[liveColor].service}) runs no tasks: nothing to deploy beside`,
      );
    }
    const taskDefinition = await deps.fleet.registerRevision({
      from: live.taskDefinition,
      container: spec.container.name,
      image: request.image,
    });
    // A retried Prepare may find the targets suspended by its own first attempt: the originals
    // that attempt saved are the ones to restore, never what is read now.
    const scaling =
      (await deps.store.getDeployment(deploymentId))?.scaling ?? (await readScaling(deps, spec));
    const deployment: DeploymentContext = {
      id: deploymentId,
      image: request.image,
      requestedBy: request.requestedBy,
      liveColor,
      newColor,
      taskDefinition,
      desiredCount: live.desiredCount,
      startedAt: now,
      scaling,
    };
    // Saved before anything is suspended, so whatever stops this deployment can restore them.
    await deps.store.updateDeployment(deploymentId, { liveColor, newColor, taskDefinition, scaling });
    suspended = scaling;
    await suspendScaling(deps, spec, scaling, liveColor, {
      live: live.desiredCount,
      launch: live.desiredCount,
    });
    await recordEvent(
      deps,
      deploymentId,
      'PREPARED',
      `${liveColor} is live; deploying ${request.image} to ${newColor}`,
      {
        taskDefinition,
        desiredCount: live.desiredCount,
        scaling: { blue: describeScaling(scaling.blue), green: describeScaling(scaling.green) },
      },
    );
    return { deployment, spec, step: null, observation: null, launch: null, weights: null, external: null };
  } catch (error) {
    // Nothing has changed on the service but the scalable targets: put them back, then free the
    // service for the next deployment at once.
    if (suspended) await restoreAfterFailure(deps, spec, deploymentId, suspended);
    await deps.store.releaseLock(key, deploymentId);
    throw error;
  }
}

/**
 * Prepare for a deployment another controller shifts: the same lock, record and revision, from the
 * service that controller deploys; no colors, no routes, no scalable targets (the controller keeps
 * one service and its scaling).
 */
async function prepareExternal(deps: Deps, request: DeployRequest): Promise<PrepareResult> {
  const { spec, deploymentId } = request;
  const now = deps.clock.now();
  const key = await acquireServiceLock(deps, request, now);
  try {
    const { target, controller } = controllerFor(deps, spec);
    await createRecord(deps, request, now);
    const slot =
      target.controller === 'ecs'
        ? { cluster: spec.cluster, service: target.target.service }
        : await serviceOf(controller, target.target);
    const live = await deps.fleet.describe(slot);
    if (!live.taskDefinition) {
      throw new ServiceStateError(`service ${slot.service} has no task definition to deploy beside`);
    }
    const taskDefinition = await deps.fleet.registerRevision({
      from: live.taskDefinition,
      container: spec.container.name,
      image: request.image,
    });
    await deps.store.updateDeployment(deploymentId, { taskDefinition });
    await recordEvent(
      deps,
      deploymentId,
      'PREPARED',
      `deploying ${request.image} to ${slot.service} through ${target.controller}`,
      { taskDefinition, controller: target.controller, notes: target.notes },
    );
    const deployment: ExternalDeploymentContext = {
      id: deploymentId,
      image: request.image,
      requestedBy: request.requestedBy,
      taskDefinition,
      startedAt: now,
      controller: target.controller,
    };
    return { deployment, spec, step: null, observation: null, launch: null, weights: null, external: null };
  } catch (error) {
    await deps.store.releaseLock(key, deploymentId);
    throw error;
  }
}

async function serviceOf(
  controller: DeploymentController<unknown>,
  target: unknown,
): Promise<{ cluster: string; service: string }> {
  if (!controller.serviceOf) {
    throw new ServiceStateError('spec.controller: this controller cannot name the service it deploys');
  }
  return controller.serviceOf(target);
}

/** Best effort: the failure that brought us here is the one to report, not this one. */
async function restoreAfterFailure(
  deps: Deps,
  spec: DeploymentSpec,
  deploymentId: string,
  saved: DeploymentScaling,
): Promise<void> {
  try {
    await restoreSaved(deps, spec, saved);
  } catch (error) {
    await recordEvent(
      deps,
      deploymentId,
      'SCALING_NOT_RESTORED',
      `Prepare failed and could not restore the scalable targets; set them back by hand: blue ${describeScaling(saved.blue)}, green ${describeScaling(saved.green)}`,
      { error: error instanceof Error ? error.message : String(error) },
    );
  }
}

export const createPrepareHandler = (deps: Deps, observed?: HandlerMetrics) =>
  lambdaHandler(
    deps.logger,
    async (event: unknown) => {
      const prepared = await prepare(deps, event);
      observed?.deployment.started();
      return prepared;
    },
    { metrics: observed?.metrics },
  );

/** The service's deployment lock for this deployment, or LockConflictError naming its holder. */
async function acquireServiceLock(deps: Deps, request: DeployRequest, now: number): Promise<string> {
  const { spec, deploymentId } = request;
  const key = lockKey(spec);
  const lock = await deps.store.acquireLock(key, deploymentId, maxDurationSeconds(spec) * 1000, now);
  if (!lock.acquired) {
    throw new LockConflictError(
      `service ${key} is being deployed by ${lock.heldBy} (lock held until ${new Date(lock.expiresAt).toISOString()})`,
    );
  }
  return key;
}

/** The deployment's record, IN_PROGRESS from `now`. */
async function createRecord(deps: Deps, request: DeployRequest, now: number): Promise<void> {
  const { spec } = request;
  await deps.store.createDeployment({
    id: request.deploymentId,
    service: spec.service,
    cluster: spec.cluster,
    image: request.image,
    requestedBy: request.requestedBy,
    status: 'IN_PROGRESS',
    startedAt: now,
    spec,
  });
}
