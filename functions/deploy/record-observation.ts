/** Keeps a gate evaluation's point in the deployment's observation log (on its record). */
import type { DeploymentRecord } from '../../shared/domain/deployment';
import { recordObservationLimits } from '../../shared/domain/history-budget';
import { appendObservation, type ObservationPoint } from '../../shared/domain/observation-log';
import type { DeployDeps } from './context';

/**
 * Appends `point` to the log of `record` (as read by this evaluation; evaluations of one deployment
 * run one at a time), compacted to what the record's item leaves. The log is for people, never for
 * a decision: a failed write is logged and the gate goes on, like a history event.
 */
export async function recordObservation(
  deps: Pick<DeployDeps, 'store' | 'logger'>,
  record: DeploymentRecord | null,
  point: ObservationPoint,
): Promise<void> {
  if (!record) return;
  const limits = recordObservationLimits(record as unknown as Record<string, unknown>);
  const observations = appendObservation(record.observations, point, limits);
  try {
    await deps.store.updateDeployment(record.id, { observations });
  } catch (error) {
    deps.logger.warn('could not keep the gate observation', {
      deploymentId: record.id,
      error: error as Error,
    });
  }
}
