/**
 * Reconcile (scheduled): finds deployments left IN_PROGRESS whose execution is no longer running
 * (failed outside our Catch paths, aborted, timed out, or never found) and restores safety for
 * them — one live color, the other at 0, the record closed, the lock released. It closes hook-only
 * records whose hook went silent and resends their failed end notifications (hook-only.ts). Then
 * it restores listeners left split with no deployment running, and reports.
 */
import { lockKey, type DeploymentRecord } from '../../shared/domain/deployment';
import { executionMayAct, isAbandoned } from '../../shared/domain/repair';
import { SpecSchema } from '../../shared/domain/spec';
import { lambdaHandler } from '../../shared/lambda';
import type { Executions } from '../../shared/ports/executions';
import type { DeployDeps } from '../deploy/context';
import { repairAbandoned } from '../deploy/repair';
import { settleHookOnly, type HookOnlyReport } from './hook-only';
import { restoreSplitListeners, type ListenerRestored } from './split-listeners';

export interface ReconcileDeps extends Pick<
  DeployDeps,
  'fleet' | 'router' | 'scaling' | 'store' | 'notifier' | 'clock' | 'logger'
> {
  executions: Pick<Executions, 'status'>;
}

export interface ReconcileReport {
  checked: number;
  running: number;
  /** Listed as open, but found finished when read again (it ended while reconcile ran). */
  finished: number;
  repaired: { id: string; live: string }[];
  /** Listeners found split with no deployment running, put back on their live color. */
  listenersRestored: ListenerRestored[];
  /** Deployments that could not be repaired now, with why (retried on the next run). */
  skipped: { id: string; reason: string }[];
  /** Hook-only records closed UNOBSERVED, and their end notifications sent or failed (hook-only.ts). */
  hookOnly: HookOnlyReport;
}

async function reconcileOne(
  deps: ReconcileDeps,
  listed: DeploymentRecord,
  report: ReconcileReport,
): Promise<void> {
  const status = await deps.executions.status(listed.id);
  if (executionMayAct(status)) {
    report.running += 1;
    return;
  }
  // The list is a snapshot: the deployment may have finished since. Once its execution has ended
  // nothing else of it runs, so a record read now is the last word — unless another repairer is at
  // it, which the lock and the read under it settle. Reading before taking the lock also keeps a
  // ROLLBACK_FAILED deployment's lock (kept on purpose) from being re-taken and released.
  const record = await deps.store.getDeployment(listed.id);
  if (!isAbandoned(record, status)) {
    report.finished += 1;
    return;
  }
  const spec = SpecSchema.safeParse(record!.spec);
  if (!spec.success) {
    report.skipped.push({
      id: listed.id,
      reason: `execution ${status} and the record has no usable spec: repair by hand`,
    });
    return;
  }
  const key = lockKey(spec.data);
  // Act as the dead deployment: re-taking its own lock succeeds; another holder means a newer
  // deployment already started, and it repairs the service itself before anything else.
  const lock = await deps.store.acquireLock(key, listed.id, 10 * 60_000, deps.clock.now());
  if (!lock.acquired) {
    report.skipped.push({
      id: listed.id,
      reason: `lock held by ${lock.heldBy}, which repairs the service first`,
    });
    return;
  }
  try {
    // Under the lock, read both again: act only on a deployment still IN_PROGRESS whose execution
    // cannot act any more, and with what its record says now.
    const current = await deps.store.getDeployment(listed.id);
    if (!isAbandoned(current, await deps.executions.status(listed.id))) {
      report.finished += 1;
      return;
    }
    const live = await repairAbandoned(deps, spec.data, current!, 'reconcile');
    if (live) report.repaired.push({ id: listed.id, live });
    else report.finished += 1;
  } catch (error) {
    report.skipped.push({ id: listed.id, reason: error instanceof Error ? error.message : String(error) });
  } finally {
    await deps.store.releaseLock(key, listed.id);
  }
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  // A hook-only deployment (ECS or CodeDeploy runs it, Greenlight's hook only watched it) has no
  // execution, lock or spec of Greenlight's: there is nothing to repair, only its record to close
  // once its hook has gone silent, and its end notification to send again.
  const listed = await deps.store.listOpenDeployments();
  const open = listed.filter((record) => !record.external?.hookOnly);
  const report: ReconcileReport = {
    checked: open.length,
    running: 0,
    finished: 0,
    repaired: [],
    listenersRestored: [],
    skipped: [],
    hookOnly: { closed: [], notified: [], notifyFailed: [], skipped: [] },
  };
  for (const record of open) await reconcileOne(deps, record, report);
  report.listenersRestored = await restoreSplitListeners(deps, report.skipped);
  // Last: traffic and locks come first when a run is short of time.
  report.hookOnly = await settleHookOnly(
    deps,
    listed.filter((record) => record.external?.hookOnly),
  );
  const hookOnly = report.hookOnly;
  if (
    report.repaired.length > 0 ||
    report.listenersRestored.length > 0 ||
    report.skipped.length > 0 ||
    hookOnly.closed.length +
      hookOnly.notified.length +
      hookOnly.notifyFailed.length +
      hookOnly.skipped.length >
      0
  )
    deps.logger.warn('reconcile acted', { ...report });
  return report;
}

export const createReconcileHandler = (deps: ReconcileDeps) =>
  lambdaHandler(deps.logger, () => reconcile(deps));
