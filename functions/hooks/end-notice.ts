/**
 * Sends a hook-only record's end notification and writes where it stands (`endNotice`): SENT
 * once a send succeeded, else PENDING (reconcile sends it again) until the last attempt, then
 * GAVE_UP. The record's end is written before, with the notice PENDING, so a failed send or a
 * crash between the two leaves it to be found, never lost (shared/domain/delivery.ts).
 */
import type { DeploymentRecord } from '../../shared/domain/deployment';
import { deliveryAfter, type Delivery } from '../../shared/domain/delivery';
import { hookOnlyMessage } from '../../shared/domain/hooks/hook-history';
import type { Logger } from '../../shared/lambda';
import type { Notifier } from '../../shared/ports/notifier';
import type { Store } from '../../shared/ports/store';

export interface EndNoticeDeps {
  store: Pick<Store, 'updateDeployment'>;
  notifier: Notifier;
  logger: Logger;
}

const reasonOf = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : 'unknown error';

/** One send of `record`'s end notification (it has ended), its delivery written back. Never throws. */
export async function sendEndNotice(deps: EndNoticeDeps, record: DeploymentRecord): Promise<Delivery> {
  const endedAt = record.endedAt ?? record.startedAt;
  const end = {
    status: record.status,
    endedAt,
    ...(record.error ? { error: record.error } : {}),
    ...(record.lastWeight !== undefined ? { lastWeight: record.lastWeight } : {}),
  };
  let delivery: Delivery;
  try {
    // The end's own time: a resend reads as the first send would have.
    await deps.notifier.notify(hookOnlyMessage(record, end, endedAt));
    delivery = deliveryAfter(record.endNotice, null);
  } catch (error) {
    delivery = deliveryAfter(record.endNotice, reasonOf(error));
    const context = {
      deployment: record.id,
      outcome: record.status,
      attempts: delivery.attempts,
      error: delivery.lastError,
    };
    if (delivery.state === 'GAVE_UP') deps.logger.error('hook-only end notification given up', context);
    else deps.logger.warn('hook-only end notification failed; reconcile sends it again', context);
  }
  try {
    await deps.store.updateDeployment(record.id, { endNotice: delivery });
  } catch (error) {
    // Left PENDING: a sent notification goes out again, a failed one is tried again.
    deps.logger.warn('hook-only end notification state not saved', {
      deployment: record.id,
      state: delivery.state,
      error: reasonOf(error),
    });
  }
  return delivery;
}
