/**
 * Promoted / RolledBack / Rejected / RollbackFailed: record the outcome, release the lock, notify.
 * A promotion also gives the new live color the service's Auto Scaling configuration back (the
 * old color was held at 0 by RetireOldColor; a rollback restores its own); a failed rollback gives
 * it back to the live color only when all traffic is back there (see failedRollbackScaling).
 */
import { buildOutcomeMessage, outcomeEventMessage } from '../../shared/domain/deployment-message';
import {
  lockKey,
  releasesLock,
  type DeploymentEvent,
  type DeploymentRecord,
  type Outcome,
} from '../../shared/domain/deployment';
import { weightsFor } from '../../shared/domain/colors';
import { GreenlightError } from '../../shared/domain/errors';
import {
  failedRollbackScaling,
  FinishInputSchema,
  readEndState,
  type DeploymentEnd,
} from '../../shared/domain/end-state';
import { describeScaling } from '../../shared/domain/scaling';
import { parseInput } from '../../shared/domain/validation';
import { lambdaHandler } from '../../shared/lambda';
import type { DeploymentMetrics, HandlerMetrics } from '../../shared/observability/deployment-metrics';
import { recordEvent, StepContextSchema, type DeployDeps } from './context';
import { tellHook } from './user-hooks';
import { restoreLive } from './scaling';

export interface FinishResult {
  deploymentId: string | null;
  status: Outcome;
  recorded: boolean;
  lockReleased: boolean;
}

type Deps = Pick<DeployDeps, 'scaling' | 'store' | 'notifier' | 'clock' | 'logger' | 'userHooks'> & {
  /** Told of the outcome once, when it is recorded (before the notification, which may fail). */
  deploymentMetrics?: DeploymentMetrics;
};

/**
 * The outcome notification could not be sent. Finish raises it only after the outcome is recorded
 * and the lock released, so the state machine's retry of Finish re-sends it and nothing else; its
 * Catch then ends the execution as the outcome says (the record keeps NOTIFICATION_FAILED).
 */
export class NotificationError extends GreenlightError {}

/** History events of a notification that failed, and of one sent on a retry after that. */
export const NOTIFICATION_FAILED = 'NOTIFICATION_FAILED';
export const NOTIFICATION_SENT = 'NOTIFICATION_SENT';

export async function finish(deps: Deps, event: unknown): Promise<FinishResult> {
  const { outcome, state } = parseInput(FinishInputSchema, event);
  const now = deps.clock.now();
  const parsed = readEndState(outcome, state);
  const { id, service, cluster, error } = parsed;
  let end = parsed;
  const recordable = Boolean(id && service && cluster);

  let recorded = false;
  let history: DeploymentEvent[] = [];
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
    } else {
      history = await deps.store.listEvents(id);
    }
    // A Finish retried after its notification failed finds its outcome recorded: it records nothing
    // twice (the outcome, its end time, the scaling restored) and only sends again.
    const alreadyRecorded = existing?.status === outcome && history.some((e) => e.type === outcome);
    const saved = existing?.scaling?.[parsed.colors?.live as 'blue' | 'green'];
    const scaling = failedRollbackScaling(parsed, saved ? describeScaling(saved) : null);
    if (scaling) end = { ...parsed, scalingNote: scaling.note };
    if (!alreadyRecorded) {
      await record(deps, id, end, existing, now, scaling?.restore ?? false);
      // Told once (not again by a Finish retried for its notification); its answer changes nothing.
      // The raw state: FinishInputSchema keeps only the names of the spec.
      const step =
        outcome === 'PROMOTED' ? StepContextSchema.safeParse((event as { state?: unknown }).state) : null;
      if (step?.success) {
        const { deployment, spec } = step.data;
        await tellHook(deps, {
          deployment,
          spec,
          stage: 'afterPromote',
          weights: weightsFor(deployment.newColor, 100),
        });
      }
    }
    recorded = true;
  } else {
    deps.logger.error('deployment outcome cannot be recorded: no valid deployment id, service or cluster', {
      outcome,
      error,
    });
  }

  // The lock goes before the notification: a notification that cannot be sent must not keep every
  // deployment of the service waiting for the lease. Releasing twice is harmless (owner-checked).
  let lockReleased = false;
  if (id && service && cluster && releasesLock(outcome)) {
    lockReleased = await deps.store.releaseLock(lockKey({ service, cluster }), id);
  }

  const failedBefore = history.some((e) => e.type === NOTIFICATION_FAILED);
  try {
    await deps.notifier.notify(buildOutcomeMessage(end, now));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    if (recordable && !failedBefore) {
      await recordEvent(
        deps,
        id!,
        NOTIFICATION_FAILED,
        `the ${outcome} notification could not be sent (${reason}); it is retried, and this stays the last word on it if it never goes out`,
      );
    }
    throw new NotificationError(`the ${outcome} notification could not be sent: ${reason}`, { cause });
  }
  if (recordable && failedBefore) {
    await recordEvent(deps, id!, NOTIFICATION_SENT, `the ${outcome} notification was sent on a retry`);
  }
  return { deploymentId: id ?? null, status: outcome, recorded, lockReleased };
}

/** Records the outcome: the promoted color's scaling first, then the record, then its history line. */
async function record(
  deps: Deps,
  id: string,
  end: DeploymentEnd,
  existing: DeploymentRecord | null,
  now: number,
  restoreLiveScaling: boolean,
): Promise<void> {
  const { outcome, error, lastStep, warning } = end;
  // Before anything is recorded: if it fails, the retried Finish starts over, and a Finish that
  // never succeeds leaves the record IN_PROGRESS for the repair, which restores it too.
  const scalingRestored = outcome === 'PROMOTED' && existing ? await restorePromoted(deps, existing) : null;
  // A failed rollback that put all traffic back: the live color scales again (see failedRollbackScaling).
  const liveRestored =
    restoreLiveScaling && existing?.spec && existing.liveColor
      ? await restoreLive(deps, existing.spec, existing.scaling, existing.liveColor, existing.liveColor)
      : null;
  if (liveRestored) {
    await recordEvent(
      deps,
      id,
      'SCALING_RESTORED',
      `${existing!.liveColor} scaling restored (${liveRestored})`,
    );
  }
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
    ...(warning || end.scalingNote ? { warning: [warning, end.scalingNote].filter(Boolean).join('; ') } : {}),
  });
  await recordEvent(deps, id, outcome, outcomeEventMessage(end));
  deps.deploymentMetrics?.ended(outcome, end.startedAt !== undefined ? now - end.startedAt : undefined);
}

/** The service's scaling configuration on the promoted color; null when there was none to write. */
async function restorePromoted(deps: Deps, record: DeploymentRecord): Promise<string | null> {
  const { spec, scaling, liveColor, newColor } = record;
  if (!spec || !scaling || !liveColor || !newColor) return null;
  return restoreLive(deps, spec, scaling, liveColor, newColor);
}

export const createFinishHandler = (deps: Deps, observed?: HandlerMetrics) =>
  lambdaHandler(
    deps.logger,
    (event: unknown) => finish({ ...deps, deploymentMetrics: observed?.deployment }, event),
    { metrics: observed?.metrics },
  );
