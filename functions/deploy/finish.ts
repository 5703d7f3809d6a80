/**
 * Promoted / RolledBack / Rejected / RollbackFailed: record the outcome, notify, release the lock.
 * A promotion also gives the new live color the service's Auto Scaling configuration back (the
 * old color was held at 0 by RetireOldColor; a rollback restores its own).
 */
import { buildOutcomeMessage, outcomeEventMessage } from '../../shared/domain/deployment-message';
import { lockKey, releasesLock, type DeploymentRecord, type Outcome } from '../../shared/domain/deployment';
import { FinishInputSchema, readEndState } from '../../shared/domain/end-state';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, type DeployDeps } from './context';
import { restoreLive } from './scaling';

export interface FinishResult {
  deploymentId: string | null;
  status: Outcome;
  recorded: boolean;
  lockReleased: boolean;
}

type Deps = Pick<DeployDeps, 'scaling' | 'store' | 'notifier' | 'clock' | 'logger'>;

export async function finish(deps: Deps, event: unknown): Promise<FinishResult> {
  const { outcome, state } = parseInput(FinishInputSchema, event);
  const now = deps.clock.now();
  const end = readEndState(outcome, state);
  const { id, service, cluster, error, lastStep, warning } = end;

  let recorded = false;
  if (id && service && cluster) {
    const existing = await deps.store.getDeployment(id);
    if (!existing) {
      await deps.store.createDeployment({
        id,
        service,
        cluster,
        image: end.image,
        requestedBy: end.requestedBy,
        status: outcome,
        startedAt: now,
      });
    }
    // Before anything is recorded: if it fails, the retried Finish starts over, and a Finish that
    // never succeeds leaves the record IN_PROGRESS for the repair, which restores it too.
    const scalingRestored = outcome === 'PROMOTED' && existing ? await restorePromoted(deps, existing) : null;
    if (scalingRestored) {
      await recordEvent(
        deps,
        id,
        'SCALING_RESTORED',
        `${existing!.newColor} scaling restored (${scalingRestored})`,
      );
    }
    await deps.store.updateDeployment(id, {
      status: outcome,
      endedAt: now,
      ...(error ? { error } : {}),
      ...(lastStep ? { lastStep } : {}),
      ...(warning ? { warning } : {}),
    });
    recorded = true;
    await recordEvent(deps, id, outcome, outcomeEventMessage(end));
  } else {
    deps.logger.error('deployment outcome cannot be recorded: no valid deployment id, service or cluster', {
      outcome,
      error,
    });
  }

  await deps.notifier.notify(buildOutcomeMessage(end, now));

  let lockReleased = false;
  if (id && service && cluster && releasesLock(outcome)) {
    lockReleased = await deps.store.releaseLock(lockKey({ service, cluster }), id);
  }
  return { deploymentId: id ?? null, status: outcome, recorded, lockReleased };
}

/** The service's scaling configuration on the promoted color; null when there was none to write. */
async function restorePromoted(deps: Deps, record: DeploymentRecord): Promise<string | null> {
  const { spec, scaling, liveColor, newColor } = record;
  if (!spec || !scaling || !liveColor || !newColor) return null;
  return restoreLive(deps, spec, scaling, liveColor, newColor);
}

export const createFinishHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => finish(deps, event));
