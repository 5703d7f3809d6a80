/**
 * Listeners left split with no deployment running (a rollback that died between two calls, a
 * weight changed by hand): traffic goes back to the color the service's last finished deployment
 * left live, read back, recorded on that deployment and notified. A service with a deployment in
 * progress is left to it (or to the repair of abandoned deployments).
 */
import type { Color } from '../../shared/domain/colors';
import { weightsFor } from '../../shared/domain/colors';
import { lockKey, type DeploymentRecord } from '../../shared/domain/deployment';
import {
  buildListenerRestoredMessage,
  listenerRestoredEventMessage,
  type ListenerRestore,
} from '../../shared/domain/deployment-message';
import { finalLiveColor } from '../../shared/domain/repair';
import { greenlightParts, SpecSchema, type DeploymentSpec } from '../../shared/domain/spec';
import { recordEvent, routeOf, type DeployDeps } from '../deploy/context';
import { assertWeights } from '../deploy/verify-weights';

type Deps = Pick<DeployDeps, 'router' | 'store' | 'notifier' | 'clock' | 'logger'>;

export interface ListenerRestored {
  service: string;
  /** The finished deployment whose live color was restored. */
  deploymentId: string;
  live: Color;
  found: Record<Color, number>;
}

/** How many recent deployments are searched for the last one that left a known live color. */
const RECENT_DEPLOYMENTS = 5;

interface LastFinished {
  record: DeploymentRecord;
  spec: DeploymentSpec;
  live: Color;
}

/** The service's newest finished deployment with a known live color; null while one is in progress. */
async function lastFinished(deps: Pick<Deps, 'store'>, service: string): Promise<LastFinished | null> {
  for (const ref of await deps.store.listServiceDeployments(service, RECENT_DEPLOYMENTS)) {
    const record = await deps.store.getDeployment(ref.id);
    if (!record) continue;
    if (record.status === 'IN_PROGRESS') return null;
    const live = finalLiveColor(record);
    const spec = SpecSchema.safeParse(record.spec);
    if (live && spec.success) return { record, spec: spec.data, live };
  }
  return null;
}

export async function restoreSplitListeners(
  deps: Deps,
  skipped: { id: string; reason: string }[],
): Promise<ListenerRestored[]> {
  const restored: ListenerRestored[] = [];
  for (const service of await deps.store.listServices()) {
    const last = await lastFinished(deps, service);
    if (!last) continue;
    const { record, spec, live } = last;
    const route = routeOf(spec);
    if ((await deps.router.getWeights(route))[live] === 100) continue;
    const key = lockKey(spec);
    const owner = `reconcile-${record.id}`;
    const lock = await deps.store.acquireLock(key, owner, 60_000, deps.clock.now());
    if (!lock.acquired) continue; // a deployment started meanwhile: it checks the listener itself
    try {
      // Re-read under the lock: a deployment may have started and finished since the first read.
      const current = await lastFinished(deps, service);
      if (current?.record.id !== record.id) continue;
      // And the weights: what was split before the lock may have been put back since.
      const found = await deps.router.getWeights(route);
      if (found[live] === 100) continue;
      const health = await deps.router.targetHealth(greenlightParts(spec).slots[live].targetGroup);
      if (health.healthy === 0) {
        skipped.push({
          id: record.id,
          reason: `${service}: listener split ${found.blue}/${found.green} (blue/green) but ${live} has no healthy target: repair by hand`,
        });
        continue;
      }
      const weights = weightsFor(live, 100);
      await deps.router.setWeights(route, weights);
      await assertWeights(deps.router, route, weights);
      const restore: ListenerRestore = {
        service,
        cluster: spec.cluster,
        deploymentId: record.id,
        live,
        found,
      };
      await recordEvent(deps, record.id, 'LISTENER_RESTORED', listenerRestoredEventMessage(restore), {
        found,
        live,
      });
      await deps.notifier.notify(buildListenerRestoredMessage(restore));
      restored.push({ service, deploymentId: record.id, live, found });
    } finally {
      await deps.store.releaseLock(key, owner);
    }
  }
  return restored;
}
