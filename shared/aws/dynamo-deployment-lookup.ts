/**
 * The DeploymentLookup port on the Store's table: reads the per-service lock and the holder's
 * latest history event, in the layout DynamoStore writes (dynamo-store.ts: `LOCK#<cluster>/<service>`
 * / `LOCK`, and `DEPLOYMENT#<id>` / `EVENT#...`). Read-only; an integration test writes with
 * DynamoStore and reads with this lookup, so the two cannot drift apart unnoticed.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GreenlightError } from '../domain/errors';
import type { Clock } from '../ports/clock';
import type { DeploymentLookup, RunningDeployment } from '../ports/deployment-lookup';
import { normaliseAwsError } from './errors';

/** A DynamoDB read made by the lookup failed for a reason other than throttling. */
export class DynamoDeploymentLookupError extends GreenlightError {}

const STEP_MAX = 200;

/** The ECS service names a deployment spec may use for this slot service: `web` before `web-blue`. */
export function logicalServiceNames(service: string): string[] {
  const logical = service.replace(/-(?:blue|green)$/, '');
  return logical !== service && logical !== '' ? [logical, service] : [service];
}

export class DynamoDeploymentLookup implements DeploymentLookup {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly clock: Clock;

  constructor(options: { client: DynamoDBDocumentClient; tableName: string; clock: Clock }) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock;
  }

  /** The deployment holding an unexpired lock on the service (specs name the cluster or its ARN). */
  async runningDeployment(ref: {
    cluster: string;
    clusterArn?: string;
    service: string;
    exact?: boolean;
  }): Promise<RunningDeployment | null> {
    const now = this.clock.now();
    // Locks are keyed by cluster name (lockKey); the ARN is still read for locks taken before that.
    const clusters = [...new Set([ref.cluster, ref.clusterArn].filter((c): c is string => Boolean(c)))];
    for (const service of ref.exact ? [ref.service] : logicalServiceNames(ref.service)) {
      for (const cluster of clusters) {
        const lock = await this.read('runningDeployment', () =>
          this.client.send(
            new GetCommand({
              TableName: this.tableName,
              Key: { pk: `LOCK#${cluster}/${service}`, sk: 'LOCK' },
            }),
          ),
        );
        const item = lock.Item;
        if (item && typeof item.owner === 'string' && Number(item.expiresAt) >= now) {
          return { id: item.owner, step: await this.latestStep(item.owner) };
        }
      }
    }
    return null;
  }

  private async latestStep(deploymentId: string): Promise<string | null> {
    const page = await this.read('latestStep', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `DEPLOYMENT#${deploymentId}`, ':prefix': 'EVENT#' },
          ScanIndexForward: false,
          Limit: 1,
        }),
      ),
    );
    const event = page.Items?.[0];
    if (!event) return null;
    const step = `${String(event.type)}: ${String(event.message)}`;
    return step.length <= STEP_MAX ? step : `${step.slice(0, STEP_MAX - 1)}…`;
  }

  private async read<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw normaliseAwsError(
        error,
        `DynamoDeploymentLookup.${operation} (table ${this.tableName})`,
        (message, cause) => new DynamoDeploymentLookupError(message, { cause }),
      );
    }
  }
}
