/**
 * Reconcile's part for hook-only records (deployments ECS or CodeDeploy runs, Greenlight's hook
 * only watched): it closes those whose hook has been silent past its limit UNOBSERVED, and sends
 * again the end notifications still PENDING. No lock, execution or spec of Greenlight's is
 * involved: nothing is repaired, only the record and its notification are settled. The decisions
 * are shared/domain/hooks/hook-only-expiry.ts's.
 */
import type { DeploymentRecord } from '../../shared/domain/deployment';
import {
  hookOnlyExpired,
  hookOnlyExpiry,
  hookOnlyExpiryEvent,
  lastHookActivity,
  noticeDue,
} from '../../shared/domain/hooks/hook-only-expiry';
import type { Logger } from '../../shared/lambda';
import type { Clock } from '../../shared/ports/clock';
import type { Notifier } from '../../shared/ports/notifier';
import type { Store } from '../../shared/ports/store';
import { sendEndNotice } from '../hooks/end-notice';

export interface HookOnlyDeps {
  store: Pick<
    Store,
    'getDeployment' | 'updateDeployment' | 'listEvents' | 'appendEventOnce' | 'listPendingNotices'
  >;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
}

export interface HookOnlyReport {
  /** Hook-only records closed UNOBSERVED by this pass. */
  closed: string[];
  /** End notifications sent by this pass (of records closed now or before). */
  notified: string[];
  /** End notifications that failed in this pass, with whether a later pass tries again. */
  notifyFailed: { id: string; attempts: number; retried: boolean; reason: string }[];
  /** Records not settled now, with why (tried again on the next pass). */
  skipped: { id: string; reason: string }[];
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function notify(deps: HookOnlyDeps, record: DeploymentRecord, report: HookOnlyReport): Promise<void> {
  const delivery = await sendEndNotice(deps, record);
  if (delivery.state === 'SENT') report.notified.push(record.id);
  else
    report.notifyFailed.push({
      id: record.id,
      attempts: delivery.attempts,
      retried: delivery.state === 'PENDING',
      reason: delivery.lastError ?? 'unknown',
    });
}

/** Closes `listed` UNOBSERVED if its hook has been silent past its limit, then notifies it. */
async function closeIfSilent(deps: HookOnlyDeps, listed: DeploymentRecord, report: HookOnlyReport) {
  const events = await deps.store.listEvents(listed.id);
  const now = deps.clock.now();
  // Read again: a hook call may have ended it since the list was taken.
  const record = await deps.store.getDeployment(listed.id);
  if (!record || !hookOnlyExpired(record, lastHookActivity(record, events), now)) return;
  const patch = hookOnlyExpiry(record, lastHookActivity(record, events), now);
  await deps.store.updateDeployment(record.id, patch);
  report.closed.push(record.id);
  deps.logger.warn('hook-only deployment closed UNOBSERVED', {
    deployment: record.id,
    cause: patch.error?.cause,
  });
  const { key, ...event } = hookOnlyExpiryEvent(patch);
  try {
    await deps.store.appendEventOnce(record.id, key, event);
  } catch (error) {
    // The record says it all already; the history line is a courtesy.
    deps.logger.warn('hook-only close not written into the history', {
      deployment: record.id,
      error: reasonOf(error),
    });
  }
  await notify(deps, { ...record, ...patch }, report);
}

/**
 * One pass: first the PENDING notifications of records ended before (each record gets at most one
 * send per pass), then the silent records of `open` (the open hook-only records).
 */
export async function settleHookOnly(deps: HookOnlyDeps, open: DeploymentRecord[]): Promise<HookOnlyReport> {
  const report: HookOnlyReport = { closed: [], notified: [], notifyFailed: [], skipped: [] };
  try {
    const now = deps.clock.now();
    const pending = (await deps.store.listPendingNotices()).filter(
      (r) => r.external?.hookOnly && noticeDue(r, now),
    );
    for (const record of pending) await notify(deps, record, report);
  } catch (error) {
    report.skipped.push({ id: '(pending notifications)', reason: reasonOf(error) });
  }
  for (const record of open) {
    try {
      await closeIfSilent(deps, record, report);
    } catch (error) {
      report.skipped.push({ id: record.id, reason: reasonOf(error) });
    }
  }
  return report;
}
