/**
 * Where a notification that must not be lost stands, kept on the record it belongs to: written
 * PENDING with the record's final write, then SENT by the send that succeeds, or GAVE_UP after a
 * bounded number of failed sends. The record is written first and the send happens after, so a
 * failed send (or a crash between the two) is found again and retried instead of lost. Pure.
 *
 * Delivery is at least once: a send that succeeded but whose SENT could not be written is sent
 * again. Nothing is sent again once SENT is written.
 */

export interface Delivery {
  state: 'PENDING' | 'SENT' | 'GAVE_UP';
  /** Sends tried so far. */
  attempts: number;
  /** The last send's error, when it failed. */
  lastError?: string;
}

/** Sends of one notification before giving up (one per reconcile pass, every 5 minutes). */
export const MAX_DELIVERY_ATTEMPTS = 5;

/** A notification not sent yet. */
export const pendingDelivery = (): Delivery => ({ state: 'PENDING', attempts: 0 });

/**
 * The delivery after one more send: SENT when `failure` is null, else PENDING while attempts
 * remain and GAVE_UP after the last (`failure` kept, bounded).
 */
export function deliveryAfter(
  previous: Delivery | undefined,
  failure: string | null,
  maxAttempts = MAX_DELIVERY_ATTEMPTS,
): Delivery {
  const attempts = (previous?.attempts ?? 0) + 1;
  if (failure === null) return { state: 'SENT', attempts };
  return {
    state: attempts < maxAttempts ? 'PENDING' : 'GAVE_UP',
    attempts,
    lastError: failure.slice(0, 500),
  };
}
