/** What the blue/green steps share: their dependencies and the workflow document's shape. */
import { z } from 'zod';
import { COLORS } from '../../shared/domain/colors';
import { DeploymentIdSchema, lockKey, type DeploymentContext } from '../../shared/domain/deployment';
import { LockConflictError, ServiceStateError } from '../../shared/domain/errors';
import { maxDurationSeconds } from '../../shared/domain/plan';
import { DeploymentScalingSchema } from '../../shared/domain/scaling';
import { greenlightParts, SpecSchema, type DeploymentSpec } from '../../shared/domain/spec';
import type { RouteRef } from '../../shared/ports/router';
import type { SlotRef } from '../../shared/ports/fleet';
import type { Clock, Fleet, Metrics, Notifier, Router, Store } from '../../shared/ports';
import type { Logger } from '../../shared/lambda';
import type { Alarms } from '../../shared/ports/alarms';
import type { Probe } from '../../shared/ports/probe';
import type { Scaling } from '../../shared/ports/scaling';
import type { UserHooks } from '../../shared/ports/user-hooks';
import type { DeploymentController } from '../../shared/ports/controller';
import type { ControllerTarget } from '../../shared/domain/controllers/controller-target';
import type { Color } from '../../shared/domain/colors';

/** Every port a blue/green step may use; each step takes only the ones it needs. */
export interface DeployDeps {
  alarms: Alarms;
  fleet: Fleet;
  router: Router;
  metrics: Metrics;
  probe: Probe;
  scaling: Scaling;
  store: Store;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  /** Calls the spec's user hooks; absent, a spec that names a hook fails at that hook's stage. */
  userHooks?: UserHooks;
  /** The external controllers (spec.controller codedeploy | ecs); absent, such a deployment fails at its start. */
  controllers?: ExternalControllers;
}

/** Each external controller, started with its own target (controllerTarget in domain/controllers/). */
export type ExternalControllers = {
  [C in ControllerTarget['controller']]?: DeploymentController<
    Extract<ControllerTarget, { controller: C }>['target']
  >;
};

const ColorSchema = z.enum(COLORS);

export const DeploymentContextSchema: z.ZodType<DeploymentContext> = z.object({
  id: DeploymentIdSchema,
  image: z.string().min(1),
  requestedBy: z.string(),
  liveColor: ColorSchema,
  newColor: ColorSchema,
  taskDefinition: z.string().min(1),
  desiredCount: z.number().int().min(1),
  startedAt: z.number(),
  scaling: DeploymentScalingSchema.optional(),
});

/** The part of the workflow document every step after Prepare receives. */
export const StepContextSchema = z.object({ deployment: DeploymentContextSchema, spec: SpecSchema });
export type StepContext = { deployment: DeploymentContext; spec: DeploymentSpec };

export function routeOf(spec: Pick<DeploymentSpec, 'slots' | 'traffic'>): RouteRef {
  const { slots, traffic } = greenlightParts(spec);
  return {
    listener: traffic.listener,
    ...(traffic.rule ? { rule: traffic.rule } : {}),
    targetGroups: { blue: slots.blue.targetGroup, green: slots.green.targetGroup },
  };
}

/** The test listener's route (the test-traffic phase), or null when the spec has none. */
export function testRouteOf(
  spec: Pick<DeploymentSpec, 'testTraffic' | 'slots' | 'traffic'>,
): RouteRef | null {
  if (!spec.testTraffic) return null;
  const { slots } = greenlightParts(spec);
  return {
    listener: spec.testTraffic.listener,
    ...(spec.testTraffic.rule ? { rule: spec.testTraffic.rule } : {}),
    targetGroups: { blue: slots.blue.targetGroup, green: slots.green.targetGroup },
  };
}

export function slotOf(spec: DeploymentSpec, color: Color): SlotRef {
  return { cluster: spec.cluster, service: greenlightParts(spec).slots[color].service };
}

/** Appends a history event; history is best-effort and never fails a step that already acted. */
export async function recordEvent(
  deps: Pick<DeployDeps, 'store' | 'clock' | 'logger'>,
  deploymentId: string,
  type: string,
  message: string,
  data?: Record<string, unknown>,
): Promise<void> {
  const event = { at: deps.clock.now(), type, message, ...(data ? { data } : {}) };
  deps.logger.info(message, { deploymentId, event: type, ...data });
  try {
    await deps.store.appendEvent(deploymentId, event);
  } catch (error) {
    deps.logger.warn('could not record a history event', {
      deploymentId,
      event: type,
      error: error as Error,
    });
  }
}

/** Scales a slot to 0 and reads the desired count back: a scale-down that did not take throws (and is retried). */
export async function scaleToZero(fleet: Fleet, slot: SlotRef): Promise<void> {
  await fleet.scale(slot, 0);
  const after = await fleet.describe(slot);
  if (after.desiredCount !== 0) {
    throw new ServiceStateError(`${slot.service} still wants ${after.desiredCount} tasks after scaling to 0`);
  }
}

/**
 * Extends the service lock's lease by the plan's longest duration from now. Called at every gate
 * evaluation, so a deployment kept waiting (paused, awaiting approval) never loses its lock to a
 * newer deployment that would "repair" it while it still runs.
 */
export async function renewLock(
  deps: Pick<DeployDeps, 'store'>,
  spec: DeploymentSpec,
  deploymentId: string,
  now: number,
): Promise<void> {
  const key = lockKey(spec);
  const lock = await deps.store.acquireLock(key, deploymentId, maxDurationSeconds(spec) * 1000, now);
  if (!lock.acquired)
    throw new LockConflictError(`deployment ${deploymentId} lost the lock of ${key} to ${lock.heldBy}`);
}
