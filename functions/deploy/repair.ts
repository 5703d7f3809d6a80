/**
 * Repair after a deployment that died without finishing (its Step Functions execution stopped, its
 * lock lease expired): all traffic back on the color it recorded as live — or on the other color
 * if that one is the only healthy one — read back, then the other color held at 0 by Auto Scaling
 * and scaled to 0, the live color given the service's scaling configuration back, and the
 * abandoned record closed with what was done.
 */
import { otherColor, weightsFor, type Color } from '../../shared/domain/colors';
import { lockKey, type DeploymentRecord } from '../../shared/domain/deployment';
import {
  abandonedError,
  buildRepairMessage,
  repairEventMessage,
  type Repair,
} from '../../shared/domain/deployment-message';
import { ServiceStateError } from '../../shared/domain/errors';
import { canServe, repairCandidates, repairedStatus, repairSettleSeconds } from '../../shared/domain/repair';
import { realSleep } from '../../shared/ports/clock';
import { greenlightParts, type DeploymentSpec } from '../../shared/domain/spec';
import type { RouteRef } from '../../shared/ports/router';
import { recordEvent, routeOf, slotOf, testRouteOf, type DeployDeps } from './context';
import { holdAtZero, restoreLive } from './scaling';
import { assertWeights } from './verify-weights';

type Deps = Pick<DeployDeps, 'fleet' | 'router' | 'scaling' | 'store' | 'notifier' | 'clock' | 'logger'>;

/** How many of the service's latest deployments are checked for one left IN_PROGRESS. */
const RECENT_DEPLOYMENTS = 5;

/** The service's latest deployment that never finished, other than `currentId`. */
export async function findAbandoned(
  deps: Pick<Deps, 'store'>,
  spec: DeploymentSpec,
  currentId: string,
): Promise<DeploymentRecord | null> {
  for (const ref of await deps.store.listServiceDeployments(spec.service, RECENT_DEPLOYMENTS)) {
    if (ref.id === currentId) continue;
    const record = await deps.store.getDeployment(ref.id);
    // Another controller's deployment never touched Greenlight's slots or routes: nothing here to repair.
    if (record && isExternal(record)) continue;
    if (record && lockKey(record) === lockKey(spec) && record.status === 'IN_PROGRESS') return record;
  }
  return null;
}

/** A deployment CodeDeploy or ECS shifted (controller codedeploy | ecs). */
function isExternal(record: DeploymentRecord): boolean {
  return (
    record.external !== undefined || (record.spec !== undefined && record.spec.controller !== 'greenlight')
  );
}

async function isHealthy(deps: Deps, spec: DeploymentSpec, color: Color): Promise<boolean> {
  const status = await deps.fleet.describe(slotOf(spec, color));
  const health = await deps.router.targetHealth(greenlightParts(spec).slots[color].targetGroup);
  return canServe(status, health);
}

/**
 * The test routes to restore: the abandoned deployment's (it may have moved its test listener) and
 * the current spec's, each once.
 */
function testRoutesOf(specs: (DeploymentSpec | undefined)[]): RouteRef[] {
  const routes = new Map<string, RouteRef>();
  for (const spec of specs) {
    const route = spec && testRouteOf(spec);
    if (route) routes.set(`${route.listener} ${route.rule ?? ''}`, route);
  }
  return [...routes.values()];
}

/**
 * Restores a single live color for a deployment abandoned by `listed` and returns that color; null
 * (nothing done) when its record, read again, is no longer IN_PROGRESS. Only called by the holder
 * of the service's lock, so no other deployment is running.
 */
export async function repairAbandoned(
  deps: Deps,
  spec: DeploymentSpec,
  listed: DeploymentRecord,
  repairedBy: string,
): Promise<Color | null> {
  // Repair from the record as it is now: the one passed in may predate the deployment's end (its
  // live color, its scaling), and a finished deployment must not be repaired at all.
  const abandoned = await deps.store.getDeployment(listed.id);
  if (abandoned?.status !== 'IN_PROGRESS') return null;
  if (isExternal(abandoned)) {
    // Greenlight's colors were never this deployment's: flipping them would move traffic it never moved.
    const where = abandoned.external
      ? `${abandoned.external.controller} deployment ${abandoned.external.deploymentId}`
      : `its ${abandoned.spec?.controller} deployment`;
    throw new ServiceStateError(
      `deployment ${abandoned.id} stopped without finishing and was shifted by another controller: check ${where} there (it rolls back on its own failures), then end the record by hand`,
    );
  }
  let live: Color | null = null;
  for (const color of repairCandidates(abandoned.liveColor)) {
    if (await isHealthy(deps, spec, color)) {
      live = color;
      break;
    }
  }
  if (!live) {
    throw new ServiceStateError(
      `deployment ${abandoned.id} stopped without finishing and neither color has a healthy task: repair ${spec.service} by hand`,
    );
  }
  const idle = otherColor(live);
  const route = routeOf(spec);
  const weights = weightsFor(idle, 0);
  const testRoutes = testRoutesOf([abandoned.spec, spec]);
  // What each route sent the idle color before: only a route that moved traffic needs a settle.
  const before = [];
  for (const r of [route, ...testRoutes]) before.push(await deps.router.getWeights(r));
  await deps.router.setWeights(route, weights);
  await assertWeights(deps.router, route, weights);
  for (const testRoute of testRoutes) {
    await deps.router.setWeights(testRoute, weights);
    await assertWeights(deps.router, testRoute, weights);
  }
  // As Rollback's RollbackSettle: the load balancer's nodes apply a weight change on their own
  // schedule, so the idle color keeps its tasks until the longer of the two specs' settles is over.
  const settle = repairSettleSeconds(
    before,
    idle,
    Math.max(spec.trafficSettleSeconds, abandoned.spec?.trafficSettleSeconds ?? 0),
  );
  if (settle > 0) {
    if (deps.clock.sleep) await deps.clock.sleep(settle * 1000);
    else await realSleep(settle * 1000);
  }
  // The abandoned deployment suspended both scalable targets: the idle color is held at 0 before
  // it is scaled down, the live one scales again as it did before that deployment.
  await holdAtZero(deps, spec, abandoned.scaling, idle);
  await deps.fleet.scale(slotOf(spec, idle), 0);
  if (abandoned.scaling) {
    await restoreLive(deps, spec, abandoned.scaling, abandoned.liveColor ?? live, live);
  }
  const repair: Repair = {
    settledSeconds: settle,
    deploymentId: abandoned.id,
    service: spec.service,
    cluster: spec.cluster,
    repairedBy,
    live,
    idle,
    testListeners: testRoutes.length > 0,
  };
  await deps.store.updateDeployment(abandoned.id, {
    status: repairedStatus(live, abandoned.newColor),
    endedAt: deps.clock.now(),
    error: abandonedError(repair),
  });
  await recordEvent(deps, abandoned.id, 'REPAIRED', repairEventMessage(repair));
  await deps.notifier.notify(buildRepairMessage(repair));
  return live;
}
