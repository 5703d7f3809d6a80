/**
 * A service's stopped tasks on ECS (ListTasks with desired status STOPPED, then DescribeTasks),
 * as StoppedTask: shared by the Fleet adapter (Greenlight's own slots) and the lifecycle hooks'
 * reader (one revision or task set of a service), so both classify the very same fields.
 */
import { DescribeTasksCommand, ListTasksCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import type { SlotRef, StoppedTask } from '../ports/fleet';

/** ListTasks pages and DescribeTasks batches hold at most 100 tasks. */
const TASKS_PER_CALL = 100;

/** Sends one ECS call, turning its errors into the caller's own error hierarchy. */
export type EcsCall = <T>(operation: string, send: () => Promise<T>) => Promise<T>;

/**
 * The service's tasks that stopped at or after `sinceMs` and that `keep` accepts (every one
 * without it), oldest first: every page of ListTasks, then DescribeTasks 100 at a time. ListTasks
 * has no time filter, so the filter is applied to what DescribeTasks returns. ECS keeps a stopped
 * task listed for about an hour ("at least one hour", ListTasks): an older stop is not seen.
 */
export async function readStoppedTasks(
  client: ECSClient,
  call: EcsCall,
  slot: SlotRef,
  sinceMs: number,
  keep: (task: Task) => boolean = () => true,
): Promise<StoppedTask[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call('ListTasks', () =>
      client.send(
        new ListTasksCommand({
          cluster: slot.cluster,
          serviceName: slot.service,
          desiredStatus: 'STOPPED',
          maxResults: TASKS_PER_CALL,
          ...(nextToken ? { nextToken } : {}),
        }),
      ),
    );
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const stops: StoppedTask[] = [];
  for (let i = 0; i < arns.length; i += TASKS_PER_CALL) {
    const batch = arns.slice(i, i + TASKS_PER_CALL);
    // A task gone between the two calls is reported in `failures`: nothing to judge, skipped.
    const described = await call('DescribeTasks', () =>
      client.send(new DescribeTasksCommand({ cluster: slot.cluster, tasks: batch })),
    );
    for (const task of described.tasks ?? []) {
      if (!keep(task)) continue;
      const stop = stoppedTask(task);
      if (stop && stop.stoppedAt >= sinceMs) stops.push(stop);
    }
  }
  return stops.sort((a, b) => a.stoppedAt - b.stoppedAt);
}

/**
 * A described task as a stop. A task asked to stop but not yet stopping has no time: it is left
 * for the next look, which sees it with its stoppingAt or stoppedAt.
 */
export function stoppedTask(task: Task): StoppedTask | null {
  const at = task.stoppedAt ?? task.stoppingAt ?? task.executionStoppedAt;
  if (!task.taskArn || !at) return null;
  return {
    id: task.taskArn,
    stoppedAt: at.getTime(),
    ...(task.stopCode ? { stopCode: task.stopCode } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    containers: (task.containers ?? []).map((c, i) => ({
      name: c.name ?? `container-${i + 1}`,
      ...(c.exitCode === undefined ? {} : { exitCode: c.exitCode }),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
  };
}
