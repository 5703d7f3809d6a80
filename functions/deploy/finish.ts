/** Promoted / RolledBack / Rejected / RollbackFailed: record the outcome, notify, release the lock. */
import { buildOutcomeMessage, outcomeEventMessage } from '../../shared/domain/deployment-message';
import { lockKey, releasesLock, type Outcome } from '../../shared/domain/deployment';
import { FinishInputSchema, readEndState } from '../../shared/domain/end-state';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import { recordEvent, type DeployDeps } from './context';

export interface FinishResult {
  deploymentId: string | null;
  status: Outcome;
  recorded: boolean;
  lockReleased: boolean;
}

type Deps = Pick<DeployDeps, 'store' | 'notifier' | 'clock' | 'logger'>;

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

export const createFinishHandler = (deps: Deps) =>
  lambdaHandler(deps.logger, (event: unknown) => finish(deps, event));
