/**
 * When a hook-only record (a deployment ECS or CodeDeploy runs and Greenlight's hook only
 * watches) is closed without a verdict that ended it, and when its end notification is sent
 * again. Pure.
 *
 * Such a record ends when a hook verdict ends the deployment (the last stage passes, or the hook
 * fails it). When the controller ends the deployment on its own (its alarms, a timeout, another
 * hook, a person stopping it), or when the hook is not on the last stage, no further call comes
 * and the record would stay IN_PROGRESS for ever. Reconcile closes it UNOBSERVED once the hook has
 * been silent longer than any wait of a live deployment between two of its hook calls:
 *
 * - ECS: one stage's hook may run up to its `timeoutInMinutes`, at most 20,160 (14 days; the
 *   default is 1,440), whether it is ours (its readings are kept sparsely, so its last event can
 *   be as old as the stage) or another team's or a pause; a bake of up to 1,440 minutes may follow
 *   the last traffic shift. 14 days and one: 15 days.
 * - CodeDeploy: each hook has at most 60 minutes; between hooks sit the reroute wait and the
 *   canary or linear intervals, and after the last one the blue task set's termination wait (at
 *   most 2,880 minutes, the longest wait documented). Two days and one: 3 days.
 *
 * It is a bound, not a proof (several long hooks in a row could outlast it): what the record then
 * says is UNOBSERVED, never a guessed outcome, and the history keeps what the hook saw. A record closed this way stays closed: a later verdict is still written into its history, but
 * the first end stands (as for every hook-only end).
 */
import type { DeploymentEvent, DeploymentRecord } from '../deployment';
import { pendingDelivery } from '../delivery';
import type { HookController } from './hook-history';

const DAY_MS = 24 * 60 * 60_000;

/** How long a hook-only record may go without a hook call before reconcile closes it UNOBSERVED. */
export const HOOK_SILENCE_LIMIT_MS: Readonly<Record<HookController, number>> = {
  ecs: 15 * DAY_MS,
  codedeploy: 3 * DAY_MS,
};

/** Time given to the invocation that ended a record to send its notification before reconcile does. */
export const NOTICE_GRACE_MS = 60_000;

/** When the hook last wrote onto the record: its latest event, else the record's start. */
export function lastHookActivity(
  record: Pick<DeploymentRecord, 'startedAt'>,
  events: DeploymentEvent[],
): number {
  return events.reduce(
    (latest, event) => (Number.isFinite(event.at) ? Math.max(latest, event.at) : latest),
    record.startedAt,
  );
}

/** Whether `record` is a hook-only record still IN_PROGRESS whose hook has been silent past its limit. */
export function hookOnlyExpired(record: DeploymentRecord, lastActivity: number, now: number): boolean {
  const external = record.external;
  if (!external?.hookOnly || record.status !== 'IN_PROGRESS') return false;
  const limit = HOOK_SILENCE_LIMIT_MS[external.controller] ?? HOOK_SILENCE_LIMIT_MS.ecs;
  return now - lastActivity > limit;
}

const CONTROLLER_NAME: Record<HookController, string> = { ecs: 'ECS', codedeploy: 'CodeDeploy' };

/** The record patch that closes an expired hook-only record, its notification PENDING. */
export function hookOnlyExpiry(
  record: DeploymentRecord,
  lastActivity: number,
  now: number,
): Pick<DeploymentRecord, 'status' | 'endedAt' | 'error' | 'endNotice'> {
  const controller = record.external?.controller ?? 'ecs';
  const hours = Math.floor((now - lastActivity) / 3_600_000);
  return {
    status: 'UNOBSERVED',
    endedAt: now,
    error: {
      error: 'EndNotObserved',
      cause:
        `no ${CONTROLLER_NAME[controller]} hook call for ${hours} h (last at ${new Date(lastActivity).toISOString()}): ` +
        `the deployment ended, or goes on, without a hook verdict that ends it; ` +
        `${CONTROLLER_NAME[controller]} deployment ${record.external?.deploymentId ?? 'unknown'} says how`,
    },
    endNotice: pendingDelivery(),
  };
}

/** The history event of that close, written once (its key). */
export function hookOnlyExpiryEvent(
  patch: ReturnType<typeof hookOnlyExpiry>,
): DeploymentEvent & { key: string } {
  return {
    key: 'reconcile:UNOBSERVED',
    at: patch.endedAt!,
    type: 'hook-unobserved',
    message: `UNOBSERVED: ${patch.error!.cause}`,
    data: { outcome: 'UNOBSERVED' },
  };
}

/**
 * Whether reconcile sends an ended record's PENDING notification now. Not while the invocation
 * that ended it may still be sending its first (no attempt counted, ended within NOTICE_GRACE_MS):
 * two senders at once would notify twice.
 */
export function noticeDue(record: DeploymentRecord, now: number): boolean {
  if (record.status === 'IN_PROGRESS' || record.endNotice?.state !== 'PENDING') return false;
  if (record.endNotice.attempts > 0) return true;
  return now - (record.endedAt ?? record.startedAt) >= NOTICE_GRACE_MS;
}
