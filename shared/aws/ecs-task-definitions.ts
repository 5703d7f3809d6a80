/**
 * The TaskDefinitions port on ECS DescribeTaskDefinition, cached for the life of the Lambda
 * container: a revision never changes, and a crash loop would otherwise describe the same
 * revision for every stop. Only log settings needed for a link are kept, never environment,
 * secrets or other log drivers' options.
 */
import { DescribeTaskDefinitionCommand, type ContainerDefinition, type ECSClient } from '@aws-sdk/client-ecs';
import type { ContainerLogSettings, TaskDefinitionSummary } from '../domain/alerts/enrichment';
import { parseTaskDefinitionArn } from '../domain/alerts/task-event';
import { GreenlightError } from '../domain/errors';
import type { TaskDefinitions } from '../ports/task-definitions';
import { errorCode, normaliseAwsError } from './errors';

/** A DescribeTaskDefinition call failed for a reason other than throttling. */
export class EcsTaskDefinitionsError extends GreenlightError {}

export interface EcsTaskDefinitionsOptions {
  client: ECSClient;
  /** Revisions kept; the oldest used is dropped first. */
  cacheSize?: number;
}

const DEFAULT_CACHE_SIZE = 256;

/** The TaskDefinitions port on ECS, with a per-container LRU cache of revisions. */
export class EcsTaskDefinitions implements TaskDefinitions {
  private readonly client: ECSClient;
  private readonly cacheSize: number;
  /** In-flight lookups are shared too: concurrent stops of one revision make one call. */
  private readonly cache = new Map<string, Promise<TaskDefinitionSummary | null>>();

  constructor(options: EcsTaskDefinitionsOptions) {
    this.client = options.client;
    this.cacheSize = Math.max(1, options.cacheSize ?? DEFAULT_CACHE_SIZE);
  }

  /** The revision's containers and awslogs settings; null when ECS does not know it. Failures are not cached. */
  describe(taskDefinitionArn: string): Promise<TaskDefinitionSummary | null> {
    const cached = this.cache.get(taskDefinitionArn);
    if (cached) {
      // Map order is insertion order: re-inserting marks the entry as recently used.
      this.cache.delete(taskDefinitionArn);
      this.cache.set(taskDefinitionArn, cached);
      return cached;
    }
    const pending = this.fetch(taskDefinitionArn);
    this.cache.set(taskDefinitionArn, pending);
    pending.catch(() => {
      if (this.cache.get(taskDefinitionArn) === pending) this.cache.delete(taskDefinitionArn);
    });
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return pending;
  }

  private async fetch(taskDefinitionArn: string): Promise<TaskDefinitionSummary | null> {
    let output;
    try {
      output = await this.client.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }),
      );
    } catch (error) {
      // ECS answers an unknown revision with a ClientException ("Unable to describe task definition").
      if (errorCode(error) === 'ClientException') return null;
      throw normaliseAwsError(
        error,
        `ECS DescribeTaskDefinition (${taskDefinitionArn})`,
        (message, cause) => new EcsTaskDefinitionsError(message, { cause }),
      );
    }
    const definition = output.taskDefinition;
    if (!definition) return null;
    const arn = definition.taskDefinitionArn ?? taskDefinitionArn;
    const parsed = parseTaskDefinitionArn(arn);
    return {
      taskDefinitionArn: arn,
      family: definition.family ?? parsed?.family ?? 'unknown',
      revision: definition.revision ?? parsed?.revision ?? 0,
      containers: (definition.containerDefinitions ?? []).map((c) => ({
        name: c.name ?? '(unnamed)',
        // ECS's default: a container is essential unless it says otherwise.
        essential: c.essential ?? true,
        ...logSettings(c),
      })),
    };
  }
}

function logSettings(container: ContainerDefinition): { logs?: ContainerLogSettings } {
  const config = container.logConfiguration;
  if (!config?.logDriver) return {};
  const options = config.options ?? {};
  if (config.logDriver !== 'awslogs') return { logs: { driver: config.logDriver } };
  const group = options['awslogs-group'];
  const region = options['awslogs-region'];
  const streamPrefix = options['awslogs-stream-prefix'];
  return {
    logs: {
      driver: 'awslogs',
      ...(group ? { group } : {}),
      ...(region ? { region } : {}),
      ...(streamPrefix ? { streamPrefix } : {}),
    },
  };
}
