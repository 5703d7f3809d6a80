/**
 * Reconcile (scheduled): finds deployments left IN_PROGRESS whose execution is no longer running
 * (failed outside our Catch paths, aborted, timed out, or never found) and restores safety for
 * them — one live color, the other at 0, the record closed, the lock released. Then it restores
 * listeners left split with no deployment running, and reports.
 */
import { lockKey, type DeploymentRecord } from '../../shared/domain/deployment';
import { SpecSchema } from '../../shared/domain/spec';
import { lambdaHandler } from '../../shared/lambda';
import type { Executions } from '../../shared/ports/executions';
import type { DeployDeps } from '../deploy/context';
import { repairAbandoned } from '../deploy/repair';
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
  repaired: { id: string; live: string }[];
  /** Listeners found split with no deployment running, put back on their live color. */
  listenersRestored: ListenerRestored[];
  /** Deployments that could not be repaired now, with why (retried on the next run). */
  skipped: { id: string; reason: string }[];
}

async function reconcileOne(
  deps: ReconcileDeps,
  record: DeploymentRecord,
  report: ReconcileReport,
): Promise<void> {
  const status = await deps.executions.status(record.id);
  if (status === 'RUNNING' || status === 'PENDING_REDRIVE') {
    report.running += 1;
    return;
  }
  const spec = SpecSchema.safeParse(record.spec);
  if (!spec.success) {
    report.skipped.push({
      id: record.id,
      reason: `execution ${status} and the record has no usable spec: repair by hand`,
    });
    return;
  }
  const key = lockKey(spec.data);
  // Act as the dead deployment: re-taking its own lock succeeds; another holder means a newer
  // deployment already started, and it repairs the service itself before anything else.
  const lock = await deps.store.acquireLock(key, record.id, 10 * 60_000, deps.clock.now());
  if (!lock.acquired) {
    report.skipped.push({
      id: record.id,
      reason: `lock held by ${lock.heldBy}, which repairs the service first`,
    });
    return;
  }
  try {
    const live = await repairAbandoned(deps, spec.data, record, 'reconcile');
    report.repaired.push({ id: record.id, live });
  } catch (error) {
    report.skipped.push({ id: record.id, reason: error instanceof Error ? error.message : String(error) });
  } finally {
    await deps.store.releaseLock(key, record.id);
  }
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const open = await deps.store.listOpenDeployments();
  const report: ReconcileReport = {
    checked: open.length,
    running: 0,
    repaired: [],
    listenersRestored: [],
    skipped: [],
  };
  for (const record of open) await reconcileOne(deps, record, report);
  report.listenersRestored = await restoreSplitListeners(deps, report.skipped);
  if (report.repaired.length > 0 || report.listenersRestored.length > 0 || report.skipped.length > 0)
    deps.logger.warn('reconcile acted', { ...report });
  return report;
}

export const createReconcileHandler = (deps: ReconcileDeps) =>
  lambdaHandler(deps.logger, () => reconcile(deps));
