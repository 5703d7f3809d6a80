/** The Fleet port on Amazon ECS services. */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  type ECSClient,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { GreenlightError, InvalidInputError } from '../domain/errors';
import type { Fleet, RevisionReader, SlotRef, SlotStatus, StoppedTask } from '../ports/fleet';
import { readStoppedTasks } from './ecs-stopped-tasks';
import { errorCode, normaliseAwsError } from './errors';

/** An ECS call failed for a reason other than throttling. */
export class EcsFleetError extends GreenlightError {}

/** The slot's ECS service does not exist or is no longer active. */
export class EcsServiceNotFoundError extends EcsFleetError {}

const SERVICE_GONE_CODES = new Set(['ServiceNotFoundException', 'ServiceNotActiveException']);

/** A described revision without the fields ECS sets itself: what a registration sends back. */
function writableFields(source: TaskDefinition) {
  const {
    taskDefinitionArn: _arn,
    revision: _revision,
    status: _status,
    requiresAttributes: _requiresAttributes,
    compatibilities: _compatibilities,
    registeredAt: _registeredAt,
    registeredBy: _registeredBy,
    deregisteredAt: _deregisteredAt,
    deleteRequestedAt: _deleteRequestedAt,
    ...writable
  } = source;
  return writable;
}

/** The Fleet port on ECS: one ECS service per slot. */
export class EcsFleet implements Fleet, RevisionReader {
  private readonly client: ECSClient;

  constructor(options: { client: ECSClient }) {
    this.client = options.client;
  }

  /** Counts, task definition and steadiness of the slot's service. */
  async describe(slot: SlotRef): Promise<SlotStatus> {
    const output = await this.call('DescribeServices', slot, () =>
      this.client.send(new DescribeServicesCommand({ cluster: slot.cluster, services: [slot.service] })),
    );
    const service = output.services?.[0];
    // A deleted service is still returned for a while, as INACTIVE.
    if (!service || service.status === 'INACTIVE') {
      const failure = output.failures?.[0];
      const reason = failure?.reason ? ` (${failure.reason})` : service ? ' (INACTIVE)' : '';
      throw new EcsServiceNotFoundError(
        `ECS service ${slot.service} not found in cluster ${slot.cluster}${reason}`,
      );
    }
    const desiredCount = service.desiredCount ?? 0;
    const runningCount = service.runningCount ?? 0;
    const deployments = service.deployments ?? [];
    const rolloutState = deployments[0]?.rolloutState;
    // The circuit breaker marks a deployment FAILED (and, with rollback on, starts a new PRIMARY
    // on the previous revision): the failed one may no longer be first, so every one is read.
    const failedRollouts = deployments
      .filter((d) => d.rolloutState === 'FAILED')
      .map((d) => ({
        taskDefinition: d.taskDefinition ?? null,
        reason: d.rolloutStateReason || 'ECS gave no reason',
      }));
    return {
      desiredCount,
      runningCount,
      pendingCount: service.pendingCount ?? 0,
      taskDefinition: service.taskDefinition ?? null,
      // rolloutState is absent when the deployment circuit breaker is off.
      steady:
        deployments.length === 1 &&
        (rolloutState === undefined || rolloutState === 'COMPLETED') &&
        runningCount === desiredCount,
      ...(failedRollouts.length > 0 ? { failedRollouts } : {}),
    };
  }

  /** The revision's writable fields (DescribeTaskDefinition only: the dry run's read). */
  async readRevision(taskDefinition: string): Promise<Record<string, unknown>> {
    const described = await this.call('DescribeTaskDefinition', taskDefinition, () =>
      this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition })),
    );
    if (!described.taskDefinition)
      throw new EcsFleetError(`DescribeTaskDefinition returned no task definition for ${taskDefinition}`);
    return JSON.parse(JSON.stringify(writableFields(described.taskDefinition))) as Record<string, unknown>;
  }

  /**
   * Registers a copy of `from` with only `container`'s image changed, keeping tags. Read-only
   * fields of the described revision are dropped, everything else is sent back as it was.
   */
  async registerRevision(input: { from: string; container: string; image: string }): Promise<string> {
    const described = await this.call('DescribeTaskDefinition', input.from, () =>
      this.client.send(new DescribeTaskDefinitionCommand({ taskDefinition: input.from, include: ['TAGS'] })),
    );
    const source = described.taskDefinition;
    if (!source)
      throw new EcsFleetError(`DescribeTaskDefinition returned no task definition for ${input.from}`);
    const writable = writableFields(source);
    const containers = writable.containerDefinitions ?? [];
    if (!containers.some((c) => c.name === input.container)) {
      const known = containers.map((c) => c.name).join(', ') || '(none)';
      const message = `container ${input.container} is not in task definition ${source.taskDefinitionArn ?? input.from}; its containers are: ${known}`;
      throw new InvalidInputError(message, [{ path: 'spec.container.name', message }]);
    }
    const tags = userTags(described.tags);
    const request: RegisterTaskDefinitionCommandInput = {
      ...writable,
      family: writable.family,
      containerDefinitions: containers.map((c) =>
        c.name === input.container ? { ...c, image: input.image } : c,
      ),
      ...(tags.length > 0 ? { tags } : {}),
    };
    const registered = await this.call('RegisterTaskDefinition', input.from, () =>
      this.client.send(new RegisterTaskDefinitionCommand(request)),
    );
    const arn = registered.taskDefinition?.taskDefinitionArn;
    if (!arn) throw new EcsFleetError(`RegisterTaskDefinition returned no ARN for the copy of ${input.from}`);
    return arn;
  }

  /** Points the slot's service at `taskDefinition` with `desiredCount` tasks. */
  async deploy(slot: SlotRef, taskDefinition: string, desiredCount: number): Promise<void> {
    await this.call('UpdateService', slot, () =>
      this.client.send(
        new UpdateServiceCommand({
          cluster: slot.cluster,
          service: slot.service,
          taskDefinition,
          desiredCount,
        }),
      ),
    );
  }

  /** Sets only the slot's desired count. */
  async scale(slot: SlotRef, desiredCount: number): Promise<void> {
    await this.call('UpdateService', slot, () =>
      this.client.send(
        new UpdateServiceCommand({ cluster: slot.cluster, service: slot.service, desiredCount }),
      ),
    );
  }

  /** The service's tasks that stopped at or after `sinceMs` (ecs-stopped-tasks.ts), oldest first. */
  async stoppedTasks(slot: SlotRef, sinceMs: number): Promise<StoppedTask[]> {
    return readStoppedTasks(
      this.client,
      (operation, send) => this.call(operation, slot, send),
      slot,
      sinceMs,
    );
  }

  private async call<T>(operation: string, target: SlotRef | string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const what =
        typeof target === 'string' ? target : `service ${target.service} in cluster ${target.cluster}`;
      if (typeof target !== 'string' && SERVICE_GONE_CODES.has(errorCode(error))) {
        throw new EcsServiceNotFoundError(`${operation}: ECS ${what} not found or not active`, {
          cause: error,
        });
      }
      throw normaliseAwsError(
        error,
        `ECS ${operation} (${what})`,
        (message, cause) => new EcsFleetError(message, { cause }),
      );
    }
  }
}

/** Tags a user may set: `aws:`-prefixed ones are AWS-managed and RegisterTaskDefinition rejects them. */
function userTags(tags: Tag[] | undefined): Tag[] {
  return (tags ?? []).filter((t) => !(t.key ?? '').toLowerCase().startsWith('aws:'));
}
