/** Running one-off ECS tasks for schedules: start, look, stop. */
import type { RunTaskFailure, TaskView } from '../domain/schedules/attempt';

/** What RunTask needs, already in ECS's terms (built from the schedule spec). */
export interface TaskRequest {
  cluster: string;
  taskDefinition: string;
  launchType?: 'FARGATE' | 'EC2';
  capacityProviderStrategy?: { capacityProvider: string; weight?: number; base?: number }[];
  network?: { subnets: string[]; securityGroups: string[]; assignPublicIp: boolean };
  placementStrategy?: { type: string; field?: string }[];
  placementConstraints?: { type: string; expression?: string }[];
  overrides?: { containerOverrides: object[] };
  /** Shows in the task's `startedBy` (alerts recognise scheduled tasks by it). */
  startedBy: string;
  /** RunTask's idempotency token: a retried call with the same token starts no second task. */
  clientToken: string;
  tags: { key: string; value: string }[];
}

export type StartResult =
  | { started: true; taskArn: string; taskDefinitionArn?: string }
  | { started: false; failures: RunTaskFailure[] };

export interface TaskRunner {
  /** The task definition ARN the service `service` of `cluster` runs now. */
  serviceTaskDefinition(cluster: string, service: string): Promise<string>;
  /** Starts one task; ECS refusing to place it is a result (`failures`), not an error. */
  start(request: TaskRequest): Promise<StartResult>;
  /** The task as ECS describes it, or null when ECS does not know it (MISSING). */
  describe(cluster: string, taskArn: string): Promise<TaskView | null>;
  /** Asks ECS to stop the task (SIGTERM, then SIGKILL after the container's stopTimeout). */
  stop(cluster: string, taskArn: string, reason: string): Promise<void>;
}
