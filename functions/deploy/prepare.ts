/** Prepare: validate, lock the service, find the live color, register the new revision. */
import { otherColor, soleColor } from '../../shared/domain/colors';
import { DeployRequestSchema, lockKey, type DeploymentContext } from '../../shared/domain/deployment';
import { LockConflictError, ServiceStateError } from '../../shared/domain/errors';
import { maxDurationSeconds } from '../../shared/domain/plan';
import { alarmsToCheck, firingAlarmsRefusal } from '../../shared/domain/preflight';
import type { DeploymentSpec } from '../../shared/domain/spec';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, routeOf, slotOf, testRouteOf, type DeployDeps } from './context';
import { checkSpecAgainstAccount } from './preflight';
import { findAbandoned, repairAbandoned } from './repair';

export interface PrepareResult {
  deployment: DeploymentContext;
  spec: DeploymentSpec;
  /** Initialised so later states can always reference them. */
  step: null;
  observation: null;
  launch: null;
}

type Deps = Pick<DeployDeps, 'alarms' | 'fleet' | 'router' | 'store' | 'notifier' | 'clock' | 'logger'>;

export async function prepare(deps: Deps, event: unknown): Promise<PrepareResult> {
  const request = parseInput(DeployRequestSchema, event);
  const { spec, deploymentId } = request;
  await checkSpecAgainstAccount(deps, spec);
  const alarms = alarmsToCheck(spec, request.force);
  if (alarms.length > 0) {
    const refusal = firingAlarmsRefusal(await deps.alarms.firing(alarms));
    if (refusal) throw new ServiceStateError(refusal);
  }
  const now = deps.clock.now();
  const key = lockKey(spec);
  const lock = await deps.store.acquireLock(key, deploymentId, maxDurationSeconds(spec) * 1000, now);
  if (!lock.acquired) {
    throw new LockConflictError(
      `service ${key} is being deployed by ${lock.heldBy} (lock held until ${new Date(lock.expiresAt).toISOString()})`,
    );
  }
  try {
    await deps.store.createDeployment({
      id: deploymentId,
      service: spec.service,
      cluster: spec.cluster,
      image: request.image,
      requestedBy: request.requestedBy,
      status: 'IN_PROGRESS',
      startedAt: now,
      spec,
    });
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
        `live color ${liveColor} (${spec.slots[liveColor].service}) runs no tasks: nothing to deploy beside`,
      );
    }
    const taskDefinition = await deps.fleet.registerRevision({
      from: live.taskDefinition,
      container: spec.container.name,
      image: request.image,
    });
    const deployment: DeploymentContext = {
      id: deploymentId,
      image: request.image,
      requestedBy: request.requestedBy,
      liveColor,
      newColor,
      taskDefinition,
      desiredCount: live.desiredCount,
      startedAt: now,
    };
    await deps.store.updateDeployment(deploymentId, { liveColor, newColor, taskDefinition });
    await recordEvent(
      deps,
      deploymentId,
      'PREPARED',
      `${liveColor} is live; deploying ${request.image} to ${newColor}`,
      {
        taskDefinition,
        desiredCount: live.desiredCount,
      },
    );
    return { deployment, spec, step: null, observation: null, launch: null };
  } catch (error) {
    // Nothing has changed on the service yet: free it for the next deployment at once.
    await deps.store.releaseLock(key, deploymentId);
    throw error;
  }
}

export const createPrepareHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => prepare(deps, event));
