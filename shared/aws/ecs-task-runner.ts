/** The TaskRunner port on Amazon ECS: RunTask, DescribeTasks and StopTask for scheduled runs. */
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
  type RunTaskCommandInput,
  type Task,
} from '@aws-sdk/client-ecs';
import { GreenlightError } from '../domain/errors';
import type { TaskView } from '../domain/schedules/attempt';
import type { StartResult, TaskRequest, TaskRunner } from '../ports/task-runner';
import { normaliseAwsError } from './errors';

/** An ECS call for a scheduled run failed for a reason other than throttling. */
export class EcsTaskRunnerError extends GreenlightError {}

/** The TaskRunner port on ECS. */
export class EcsTaskRunner implements TaskRunner {
  private readonly client: ECSClient;

  constructor(options: { client: ECSClient }) {
    this.client = options.client;
  }

  /** The task definition the service runs now (its primary deployment's). */
  async serviceTaskDefinition(cluster: string, service: string): Promise<string> {
    const output = await this.call('DescribeServices', `service ${service} in cluster ${cluster}`, () =>
      this.client.send(new DescribeServicesCommand({ cluster, services: [service] })),
    );
    const found = output.services?.[0];
    if (!found || found.status === 'INACTIVE' || !found.taskDefinition) {
      const reason = output.failures?.[0]?.reason;
      throw new EcsTaskRunnerError(
        `ECS service ${service} not found or not active in cluster ${cluster}${reason ? ` (${reason})` : ''}: its task definition cannot be run`,
      );
    }
    return found.taskDefinition;
  }

  /** RunTask with count 1; `failures[]` with no task is returned as such. */
  async start(request: TaskRequest): Promise<StartResult> {
    const input: RunTaskCommandInput = {
      cluster: request.cluster,
      taskDefinition: request.taskDefinition,
      count: 1,
      ...(request.launchType ? { launchType: request.launchType } : {}),
      ...(request.capacityProviderStrategy
        ? { capacityProviderStrategy: request.capacityProviderStrategy }
        : {}),
      ...(request.network
        ? {
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: request.network.subnets,
                ...(request.network.securityGroups.length > 0
                  ? { securityGroups: request.network.securityGroups }
                  : {}),
                assignPublicIp: request.network.assignPublicIp ? 'ENABLED' : 'DISABLED',
              },
            },
          }
        : {}),
      ...(request.placementStrategy
        ? { placementStrategy: request.placementStrategy as RunTaskCommandInput['placementStrategy'] }
        : {}),
      ...(request.placementConstraints
        ? {
            placementConstraints: request.placementConstraints as RunTaskCommandInput['placementConstraints'],
          }
        : {}),
      ...(request.overrides ? { overrides: request.overrides as RunTaskCommandInput['overrides'] } : {}),
      startedBy: request.startedBy,
      clientToken: request.clientToken,
      tags: request.tags,
    };
    const output = await this.call(
      'RunTask',
      `task definition ${request.taskDefinition} in cluster ${request.cluster}`,
      () => this.client.send(new RunTaskCommand(input)),
    );
    const task = output.tasks?.[0];
    if (task?.taskArn) {
      return {
        started: true,
        taskArn: task.taskArn,
        ...(task.taskDefinitionArn ? { taskDefinitionArn: task.taskDefinitionArn } : {}),
      };
    }
    const failures = (output.failures ?? []).map((f) => ({
      reason: f.reason ?? 'unknown',
      ...(f.arn ? { arn: f.arn } : {}),
      ...(f.detail ? { detail: f.detail } : {}),
    }));
    return {
      started: false,
      failures: failures.length > 0 ? failures : [{ reason: 'RunTask returned no task and no failure' }],
    };
  }

  /** The task, or null when ECS answers MISSING (unknown, or purged about an hour after it stopped). */
  async describe(cluster: string, taskArn: string): Promise<TaskView | null> {
    const output = await this.call('DescribeTasks', `task ${taskArn}`, () =>
      this.client.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] })),
    );
    const task = output.tasks?.find((t) => t.taskArn === taskArn) ?? output.tasks?.[0];
    return task ? taskView(task, taskArn) : null;
  }

  async stop(cluster: string, taskArn: string, reason: string): Promise<void> {
    await this.call('StopTask', `task ${taskArn}`, () =>
      this.client.send(new StopTaskCommand({ cluster, task: taskArn, reason: reason.slice(0, 255) })),
    );
  }

  private async call<T>(operation: string, what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw normaliseAwsError(
        error,
        `ECS ${operation} (${what})`,
        (message, cause) => new EcsTaskRunnerError(message, { cause }),
      );
    }
  }
}

function taskView(task: Task, taskArn: string): TaskView {
  return {
    taskArn: task.taskArn ?? taskArn,
    lastStatus: task.lastStatus ?? 'UNKNOWN',
    ...(task.stopCode ? { stopCode: task.stopCode } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    ...(task.startedAt ? { startedAt: task.startedAt.getTime() } : {}),
    ...(task.stoppedAt ? { stoppedAt: task.stoppedAt.getTime() } : {}),
    containers: (task.containers ?? []).map((c, i) => ({
      name: c.name ?? `container-${i + 1}`,
      ...(c.exitCode === undefined || c.exitCode === null ? {} : { exitCode: c.exitCode }),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
  };
}
