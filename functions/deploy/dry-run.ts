/**
 * The dry run of a deployment: every read Prepare makes (alarms, the route's stickiness and
 * weights, both colors' services, the live task definition, the scalable targets, the lock
 * holder), none of its writes — no lock, no record, no revision, no scaling change, no execution.
 * The dependencies are typed down to their read methods, so a write cannot even be called; the
 * decisions are shared/domain/dry-run.ts's.
 */
import { GreenlightError, InvalidInputError, ThrottlingError } from '../../shared/domain/errors';
import { clusterName } from '../../shared/domain/deployment';
import { dryRunPlan, type DryRunPlan, type ReadFailure } from '../../shared/domain/dry-run';
import { soleColor } from '../../shared/domain/colors';
import { parseInput } from '../../shared/domain/validation';
import type { Alarms } from '../../shared/ports/alarms';
import type { DeploymentLookup } from '../../shared/ports/deployment-lookup';
import type { Fleet, RevisionReader } from '../../shared/ports/fleet';
import type { Router } from '../../shared/ports/router';
import type { Scaling } from '../../shared/ports/scaling';
import { routeOf, slotOf, testRouteOf } from './context';
import { StartRequestSchema } from './start';

/** Read-only ports: the dry run's whole reach. */
export interface DryRunDeps {
  alarms: Pick<Alarms, 'firing' | 'missing'>;
  router: Pick<Router, 'getWeights' | 'stickiness'>;
  fleet: Pick<Fleet, 'describe'> & RevisionReader;
  scaling: Pick<Scaling, 'read'>;
  deployments: Pick<DeploymentLookup, 'runningDeployment'>;
}

/**
 * A reading, or the refusal it makes: the errors Greenlight raises about the account's state
 * (a route that does not forward to both colors, a missing service or revision) are the dry run's
 * answer, not its failure. Throttling and unexpected errors still fail the request.
 */
async function attempt<T>(read: () => Promise<T>): Promise<T | ReadFailure> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof GreenlightError && !(error instanceof ThrottlingError)) {
      return { failed: true, error: error.name, message: error.message };
    }
    throw error;
  }
}

/** What Prepare would decide for the deploy request `body` (validated: InvalidInputError names bad fields). */
export async function dryRunDeployment(deps: DryRunDeps, body: unknown): Promise<DryRunPlan> {
  const request = parseInput(StartRequestSchema, body);
  const { spec } = request;
  if (spec.controller !== 'greenlight') {
    // Its reads would be Greenlight's slots and routes, which another controller never touches.
    const message = `the dry run covers Greenlight's own deployments; a ${spec.controller} deployment is checked by its controller when it starts`;
    throw new InvalidInputError(`spec.controller: ${message}`, [{ path: 'spec.controller', message }]);
  }
  const route = routeOf(spec);
  const testRoute = testRouteOf(spec);
  const [alarms, stickiness, weights, testWeights, blue, green, scaling, running] = await Promise.all([
    attempt(async () =>
      spec.alarms.length > 0
        ? { missing: await deps.alarms.missing(spec.alarms), firing: await deps.alarms.firing(spec.alarms) }
        : { missing: [], firing: [] },
    ),
    attempt(() => deps.router.stickiness(route)),
    attempt(() => deps.router.getWeights(route)),
    attempt(async () => (testRoute ? deps.router.getWeights(testRoute) : null)),
    attempt(() => deps.fleet.describe(slotOf(spec, 'blue'))),
    attempt(() => deps.fleet.describe(slotOf(spec, 'green'))),
    attempt(async () => ({
      blue: await deps.scaling.read(slotOf(spec, 'blue')),
      green: await deps.scaling.read(slotOf(spec, 'green')),
    })),
    attempt(() =>
      deps.deployments.runningDeployment({
        cluster: clusterName(spec.cluster),
        service: spec.service,
        exact: true,
      }),
    ),
  ]);
  const slots = { blue, green };
  const liveColor = 'failed' in weights ? null : soleColor(weights);
  const live = liveColor ? slots[liveColor] : null;
  const liveRevision = live && !('failed' in live) ? live.taskDefinition : null;
  const liveDefinition = liveRevision ? await attempt(() => deps.fleet.readRevision(liveRevision)) : null;
  const slot = (s: typeof blue) =>
    'failed' in s
      ? s
      : { desiredCount: s.desiredCount, runningCount: s.runningCount, taskDefinition: s.taskDefinition };
  return dryRunPlan({
    spec,
    image: request.image,
    force: request.force,
    readings: {
      alarms,
      stickiness,
      weights,
      testWeights,
      slots: { blue: slot(blue), green: slot(green) },
      liveDefinition,
      scaling,
      running:
        running && !('failed' in running)
          ? { id: running.id, ...(running.step ? { step: running.step } : {}) }
          : running,
    },
  });
}
