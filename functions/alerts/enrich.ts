/** Enrichment of a stop about to be published: each source optional, each failure logged and named. */
import type {
  Enriched,
  Enrichment,
  RunningDeployment,
  TaskDefinitionSummary,
} from '../../shared/domain/alerts/enrichment';
import type { TaskStop } from '../../shared/domain/alerts/task-event';
import { describeError } from '../../shared/aws/errors';
import type { Logger } from '../../shared/lambda';
import type { DeploymentLookup } from '../../shared/ports/deployment-lookup';
import type { TaskDefinitions } from '../../shared/ports/task-definitions';

export interface EnrichDeps {
  taskDefinitions?: TaskDefinitions;
  deployments?: DeploymentLookup;
  logger: Logger;
}

/** Asks both sources at once; an alert without enrichment beats no alert, so nothing here throws. */
export async function enrichStop(deps: EnrichDeps, stop: TaskStop): Promise<Enrichment> {
  const [taskDefinition, deployment] = await Promise.all([
    describeTaskDefinition(deps, stop),
    runningDeployment(deps, stop),
  ]);
  return { taskDefinition, deployment };
}

async function describeTaskDefinition(
  deps: EnrichDeps,
  stop: TaskStop,
): Promise<Enriched<TaskDefinitionSummary>> {
  if (!deps.taskDefinitions) return { status: 'not-enriched', reason: 'task definitions not configured' };
  if (!stop.taskDefinitionArn)
    return { status: 'not-enriched', reason: 'the event names no task definition' };
  try {
    const summary = await deps.taskDefinitions.describe(stop.taskDefinitionArn);
    return summary
      ? { status: 'enriched', value: summary }
      : { status: 'not-enriched', reason: `task definition ${stop.taskDefinitionArn} not found` };
  } catch (error) {
    deps.logger.warn('task definition enrichment failed', { taskArn: stop.taskArn, error: error as Error });
    return { status: 'not-enriched', reason: `DescribeTaskDefinition failed (${describeError(error)})` };
  }
}

async function runningDeployment(
  deps: EnrichDeps,
  stop: TaskStop,
): Promise<Enriched<RunningDeployment | null>> {
  if (!deps.deployments) return { status: 'not-enriched', reason: 'deployment lookup not configured' };
  if (!stop.service) return { status: 'enriched', value: null };
  try {
    const value = await deps.deployments.runningDeployment({
      cluster: stop.cluster,
      ...(stop.clusterArn ? { clusterArn: stop.clusterArn } : {}),
      service: stop.service,
    });
    return { status: 'enriched', value };
  } catch (error) {
    deps.logger.warn('deployment enrichment failed', { taskArn: stop.taskArn, error: error as Error });
    return { status: 'not-enriched', reason: `deployment lookup failed (${describeError(error)})` };
  }
}
