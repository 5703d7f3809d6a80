/**
 * Repair after a deployment that died without finishing (its Step Functions execution stopped, its
 * lock lease expired): all traffic back on the color it recorded as live — or on the other color
 * if that one is the only healthy one — read back, then the other color scaled to 0, and the
 * abandoned record closed with what was done.
 */
import { otherColor, weightsFor, type Color } from '../../shared/domain/colors';
import { lockKey, type DeploymentRecord } from '../../shared/domain/deployment';
import { ServiceStateError } from '../../shared/domain/errors';
import type { DeploymentSpec } from '../../shared/domain/spec';
import type { RouteRef } from '../../shared/ports/router';
import { recordEvent, routeOf, slotOf, testRouteOf, type DeployDeps } from './context';
import { assertWeights } from './verify-weights';

type Deps = Pick<DeployDeps, 'fleet' | 'router' | 'store' | 'notifier' | 'clock' | 'logger'>;

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
    if (record && lockKey(record) === lockKey(spec) && record.status === 'IN_PROGRESS') return record;
  }
  return null;
}

async function isHealthy(deps: Deps, spec: DeploymentSpec, color: Color): Promise<boolean> {
  const status = await deps.fleet.describe(slotOf(spec, color));
  const health = await deps.router.targetHealth(spec.slots[color].targetGroup);
  return status.runningCount > 0 && health.healthy > 0;
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
 * Restores a single live color for a deployment abandoned by `abandoned` and returns that color.
 * Only called by the holder of the service's lock, so no other deployment is running.
 */
export async function repairAbandoned(
  deps: Deps,
  spec: DeploymentSpec,
  abandoned: DeploymentRecord,
  repairedBy: string,
): Promise<Color> {
  const preferred = abandoned.liveColor ?? null;
  const candidates: Color[] = preferred ? [preferred, otherColor(preferred)] : ['blue', 'green'];
  let live: Color | null = null;
  for (const color of candidates) {
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
  await deps.router.setWeights(route, weights);
  await assertWeights(deps.router, route, weights);
  const testRoutes = testRoutesOf([abandoned.spec, spec]);
  for (const testRoute of testRoutes) {
    await deps.router.setWeights(testRoute, weights);
    await assertWeights(deps.router, testRoute, weights);
  }
  await deps.fleet.scale(slotOf(spec, idle), 0);
  const where = testRoutes.length > 0 ? ' (production and test listeners)' : '';
  const what = `${repairedBy} restored 100 % on ${live}${where} and scaled ${idle} to 0`;
  await deps.store.updateDeployment(abandoned.id, {
    status: live === abandoned.newColor ? 'PROMOTED' : 'ROLLED_BACK',
    endedAt: deps.clock.now(),
    error: {
      error: 'Abandoned',
      cause: `the deployment stopped without finishing (lock lease expired); ${what}`,
    },
  });
  await recordEvent(deps, abandoned.id, 'REPAIRED', `stopped without finishing; ${what}`);
  await deps.notifier.notify({
    id: `${abandoned.id}/REPAIRED`,
    subject: `greenlight: ${spec.service} repaired after an unfinished deployment`,
    message: `Deployment ${abandoned.id} of ${spec.service} on ${spec.cluster} stopped without finishing. Before starting ${repairedBy}, Greenlight restored 100 % of traffic on ${live}${where} and scaled ${idle} to 0.`,
    attributes: { event: 'repair', outcome: 'REPAIRED', service: spec.service, cluster: spec.cluster },
    detail: { deploymentId: abandoned.id, repairedBy, live, idle },
  });
  return live;
}
