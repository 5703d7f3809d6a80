/**
 * A deploy request through the API: refused early (409) while another deployment holds the
 * service's lock, otherwise started once per idempotency key. Prepare stays the authority on the
 * lock; this check only spares the caller an execution that Prepare would reject.
 */
import {
  deploymentIdFor,
  refuseMetricsModel,
  startDeployment,
  StartRequestSchema,
  type StartDeps,
} from '../deploy/start';
import type { StartedDeployment } from '../deploy/start';
import { clusterName } from '../../shared/domain/deployment';
import { parseInput } from '../../shared/domain/validation';
import type { DeploymentLookup } from '../../shared/ports/deployment-lookup';
import type { Executions } from '../../shared/ports/executions';
import { ServiceBusyError } from './http';

export interface RequestDeploymentDeps extends Omit<StartDeps, 'executions'> {
  executions: Pick<Executions, 'start' | 'status'>;
  deployments: Pick<DeploymentLookup, 'runningDeployment'>;
}

/**
 * Starts the deployment `body` asks for, or returns the one its key (or deploymentId) started
 * before (`outcome: 'existing'`). Throws InvalidInputError naming bad fields, ServiceBusyError
 * when another deployment runs on the service, IdempotencyConflictError for a reused key.
 */
export async function requestDeployment(
  deps: RequestDeploymentDeps,
  body: unknown,
  options: { idempotencyKey?: string; requestedBy: string },
): Promise<StartedDeployment> {
  const request = parseInput(StartRequestSchema, body);
  // Before any read: a spec the metric source cannot serve is a 400, whoever holds the lock.
  refuseMetricsModel(deps.metricsModelIssues, request.spec.metrics);
  const { service, cluster } = request.spec;
  // Keyed ids do not depend on the time, so this is the id startDeployment will use.
  const knownId =
    request.deploymentId ??
    (options.idempotencyKey !== undefined
      ? deploymentIdFor(service, options.idempotencyKey, deps.clock.now())
      : undefined);
  // A retry of a deployment already started answers with it, even once a later one holds the lock.
  const existing = knownId !== undefined && (await deps.executions.status(knownId)) !== 'NOT_FOUND';
  if (!existing) {
    // Locks are keyed by the cluster's name (lockKey), whether the spec names it or gives its ARN.
    const running = await deps.deployments.runningDeployment({
      cluster: clusterName(cluster),
      service,
      exact: true,
    });
    if (running && running.id !== knownId) {
      throw new ServiceBusyError(
        `service ${service} (cluster ${cluster}) is being deployed by ${running.id}` +
          `${running.step ? ` (${running.step})` : ''}: wait for it to end, or abort it first`,
        running.id,
      );
    }
  }
  const started = await startDeployment(deps, body, options);
  return existing ? { ...started, outcome: 'existing' } : started;
}
