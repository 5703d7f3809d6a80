/**
 * The NewTaskStops port on ECS: DescribeServiceRevisions or DescribeTaskSets for the task
 * definition the new tasks run, then the service's stopped tasks (ListTasks, DescribeTasks:
 * ecs-stopped-tasks.ts) running it.
 *
 * Why the task definition: a stopped task names its task definition (taskDefinitionArn) but
 * neither its service revision nor its task set, and ListTasks filters by neither. A service
 * revision's and a task set's task definition is the full ARN their tasks carry, fixed for their
 * life, so an exact match keeps the new tasks and no old one of another revision. Should both
 * sides run the very same task definition (a forced new deployment, a network-only change), the
 * old side's stops count too: the watch then errs toward failing, never toward passing.
 *
 * ECS lists a stopped task for about an hour ("at least one hour"): a stop older than that is
 * not seen, so a watch longer than an hour judges the last hour's stops.
 */
import {
  DescribeServiceRevisionsCommand,
  DescribeTaskSetsCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { GreenlightError } from '../domain/errors';
import type { SlotRef, StoppedTask } from '../ports/fleet';
import type { NewTaskStops } from '../ports/new-task-stops';
import { readStoppedTasks } from './ecs-stopped-tasks';
import { normaliseAwsError } from './errors';

/** An ECS call failed, or ECS did not describe the revision or task set asked for. */
export class EcsNewTaskStopsError extends GreenlightError {}

export class EcsNewTaskStops implements NewTaskStops {
  private readonly client: ECSClient;

  constructor(options: { client: ECSClient }) {
    this.client = options.client;
  }

  async ofServiceRevision(
    service: SlotRef,
    serviceRevisionArn: string,
    sinceMs: number,
  ): Promise<StoppedTask[]> {
    const output = await this.call('DescribeServiceRevisions', serviceRevisionArn, () =>
      this.client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [serviceRevisionArn] })),
    );
    const taskDefinition = output.serviceRevisions?.[0]?.taskDefinition;
    if (!taskDefinition) {
      throw new EcsNewTaskStopsError(
        `service revision ${serviceRevisionArn}: no task definition described${failureOf(output.failures)}`,
      );
    }
    return this.stopsRunning(service, taskDefinition, sinceMs);
  }

  async ofTaskSet(service: SlotRef, taskSetId: string, sinceMs: number): Promise<StoppedTask[]> {
    const output = await this.call('DescribeTaskSets', taskSetId, () =>
      this.client.send(
        new DescribeTaskSetsCommand({
          cluster: service.cluster,
          service: service.service,
          taskSets: [taskSetId],
        }),
      ),
    );
    const taskDefinition = output.taskSets?.[0]?.taskDefinition;
    if (!taskDefinition) {
      throw new EcsNewTaskStopsError(
        `task set ${taskSetId} of service ${service.service}: no task definition described${failureOf(output.failures)}`,
      );
    }
    return this.stopsRunning(service, taskDefinition, sinceMs);
  }

  private stopsRunning(service: SlotRef, taskDefinition: string, sinceMs: number): Promise<StoppedTask[]> {
    const what = `service ${service.service} in cluster ${service.cluster}`;
    return readStoppedTasks(
      this.client,
      (operation, send) => this.call(operation, what, send),
      service,
      sinceMs,
      (task) => task.taskDefinitionArn === taskDefinition,
    );
  }

  private async call<T>(operation: string, target: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw normaliseAwsError(
        error,
        `ECS ${operation} (${target})`,
        (message, cause) => new EcsNewTaskStopsError(message, { cause }),
      );
    }
  }
}

function failureOf(failures: { reason?: string | undefined }[] | undefined): string {
  const reason = failures?.[0]?.reason;
  return reason ? ` (${reason})` : '';
}
