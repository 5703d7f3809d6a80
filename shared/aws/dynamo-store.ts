/**
 * The Store on one DynamoDB table (production), also run locally on dynalite. Item layout:
 *
 * | item               | pk                  | sk                                   |
 * |--------------------|---------------------|--------------------------------------|
 * | lock               | `LOCK#<key>`        | `LOCK`                               |
 * | deployment record  | `DEPLOYMENT#<id>`   | `RECORD`                             |
 * | deployment event   | `DEPLOYMENT#<id>`   | `EVENT#<at, 15 digits>#<seq>#<rand>` |
 * | keyed event        | `DEPLOYMENT#<id>`   | `EVENT#<at of its first write>#k<sha256(key), 24 hex>` |
 * | event key marker   | `DEPLOYMENT#<id>`   | `EVENTKEY#<sha256(key), 24 hex>` (holds the first `at`) |
 * | service index      | `SERVICE#<service>` | `DEPLOYMENT#<startedAt, 15 digits>#<id>` |
 * | known services     | `SERVICES`          | `SERVICE#<service>`                  |
 * | open deployment    | `OPEN`              | `DEPLOYMENT#<id>`                    |
 * | pending end notice | `NOTICE`            | `DEPLOYMENT#<id>`                    |
 *
 * dynalite has no TTL and no transactions, so nothing here relies on either: lock expiry is a
 * timestamp comparison in the write condition, and the `ttl` attribute only lets AWS clean up.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { DeploymentEvent, DeploymentRecord } from '../domain/deployment';
import { GreenlightError, InvalidInputError, ThrottlingError } from '../domain/errors';
import type { LockResult, Store } from '../ports/store';
import { errorCode, normaliseAwsError } from './errors';
import { TTL_ATTRIBUTE } from './table';

/** A DynamoDB call made by the store failed for a reason other than throttling. */
export class DynamoStoreError extends GreenlightError {}

/** An update named a deployment that was never created. */
export class DeploymentNotFoundError extends DynamoStoreError {}

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Query page size (DynamoDB's `Limit`); unset lets DynamoDB fill 1 MB pages. */
  queryPageSize?: number;
}

/** A service's deployment as listed by the service index, newest first. */
export interface ServiceDeploymentRef {
  id: string;
  startedAt: number;
}

/** How long after a lock's expiry AWS may delete it; the last holder stays visible for a day. */
const LOCK_TTL_GRACE_SECONDS = 24 * 60 * 60;
const RECORD_SK = 'RECORD';
const LOCK_SK = 'LOCK';
const EVENT_PREFIX = 'EVENT#';
const EVENT_KEY_PREFIX = 'EVENTKEY#';
const SERVICE_DEPLOYMENT_PREFIX = 'DEPLOYMENT#';
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'id']);
/** Rounds of put-then-read when the lock changes hands between the two calls. */
const LOCK_ATTEMPTS = 3;

const lockPk = (key: string) => `LOCK#${key}`;
const deploymentPk = (id: string) => `DEPLOYMENT#${id}`;
const servicePk = (service: string) => `SERVICE#${service}`;
/** Markers of unfinished deployments, so reconcile finds them without a scan. */
const OPEN_PK = 'OPEN';
/** Markers of ended deployments whose end notification is PENDING, so reconcile finds them without a scan. */
const NOTICE_PK = 'NOTICE';
const SERVICES_PK = 'SERVICES';
const SERVICE_PREFIX = 'SERVICE#';
const openSk = (id: string) => `${SERVICE_DEPLOYMENT_PREFIX}${id}`;
/** Fixed width so that string order is numeric order (epoch ms fit in 13 digits until year 2286). */
const sortableTime = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');

/** Orders events appended by one container within the same millisecond. */
let eventSequence = 0;

/** The Store port on a single DynamoDB table. */
export class DynamoStore implements Store {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly queryPageSize: number | undefined;

  constructor(options: DynamoStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.queryPageSize = options.queryPageSize;
  }

  /** Takes the lock for `owner` when free, expired or already theirs; otherwise names the holder. */
  async acquireLock(key: string, owner: string, leaseMs: number, now: number): Promise<LockResult> {
    const expiresAt = now + leaseMs;
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: lockPk(key),
              sk: LOCK_SK,
              owner,
              expiresAt,
              [TTL_ATTRIBUTE]: Math.ceil(expiresAt / 1000) + LOCK_TTL_GRACE_SECONDS,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':now': now, ':owner': owner },
          }),
        );
        return { acquired: true, expiresAt };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw this.fail('acquireLock', error);
      }
      const held = await this.get(lockPk(key), LOCK_SK, 'acquireLock');
      // Between the refused put and this read the holder may have released or let the lock lapse.
      if (held && held.owner !== owner && Number(held.expiresAt) >= now) {
        return { acquired: false, heldBy: String(held.owner), expiresAt: Number(held.expiresAt) };
      }
    }
    throw new ThrottlingError(
      `acquireLock: lock ${key} changed hands ${LOCK_ATTEMPTS} times in a row; try again`,
    );
  }

  /** Deletes the lock if `owner` holds it; false (no error) when absent or held by someone else. */
  async releaseLock(key: string, owner: string): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: lockPk(key), sk: LOCK_SK },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.fail('releaseLock', error);
    }
  }

  /**
   * Writes the record unless it exists (a retried step leaves the first write intact), then its
   * service-index entry, derived from the stored record so a retry also repairs a missing entry.
   */
  async createDeployment(record: DeploymentRecord): Promise<void> {
    let stored: Pick<DeploymentRecord, 'id' | 'service' | 'startedAt'> = record;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...withoutUndefined(record), pk: deploymentPk(record.id), sk: RECORD_SK },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.fail('createDeployment', error);
      stored = (await this.getDeployment(record.id)) ?? record;
    }
    if (record.status === 'IN_PROGRESS') await this.putOpenMarker(record.id);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: servicePk(stored.service),
            sk: `${SERVICE_DEPLOYMENT_PREFIX}${sortableTime(stored.startedAt)}#${stored.id}`,
            id: stored.id,
            startedAt: stored.startedAt,
          },
        }),
      );
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: SERVICES_PK, sk: `${SERVICE_PREFIX}${stored.service}`, service: stored.service },
        }),
      );
    } catch (error) {
      throw this.fail('createDeployment', error);
    }
  }

  async listServices(): Promise<string[]> {
    const items = await this.query(SERVICES_PK, SERVICE_PREFIX, true, Infinity, 'listServices');
    return items.map((item) => String(item.service));
  }

  /** Sets the patch's defined fields on an existing record; throws DeploymentNotFoundError if absent. */
  async updateDeployment(id: string, patch: Partial<Omit<DeploymentRecord, 'id'>>): Promise<void> {
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
    const keys = entries.map(([name]) => name).filter((name) => KEY_ATTRIBUTES.has(name));
    if (keys.length > 0) {
      throw new InvalidInputError(`updateDeployment: cannot change key attributes ${keys.join(', ')}`);
    }
    if (entries.length === 0) {
      if (!(await this.getDeployment(id))) throw notFound(id);
      return;
    }
    // Before the record says PENDING, so no pending notice is ever without its marker; a marker
    // whose record does not say PENDING (this update failed) is dropped when listed.
    if (patch.endNotice?.state === 'PENDING') await this.putMarker(NOTICE_PK, id, 'updateDeployment');
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const assignments = entries.map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:v${i}`] = withoutUndefined(value);
      return `#a${i} = :v${i}`;
    });
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: deploymentPk(id), sk: RECORD_SK },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          // Without it UpdateItem would create a partial record for an unknown id.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw notFound(id);
      throw this.fail('updateDeployment', error);
    }
    if (patch.status !== undefined && patch.status !== 'IN_PROGRESS') await this.deleteMarker(OPEN_PK, id);
    if (patch.endNotice !== undefined && patch.endNotice.state !== 'PENDING')
      await this.deleteMarker(NOTICE_PK, id);
  }

  /** Deployments still IN_PROGRESS (their execution may have died: reconcile checks). */
  async listOpenDeployments(): Promise<DeploymentRecord[]> {
    const markers = await this.query(OPEN_PK, SERVICE_DEPLOYMENT_PREFIX, true, 1000, 'listOpenDeployments');
    const open: DeploymentRecord[] = [];
    for (const marker of markers) {
      const record = await this.getDeployment(String(marker.id));
      if (record?.status === 'IN_PROGRESS') open.push(record);
      // A marker outlives its record's final write only if that write's second step failed.
      else await this.deleteMarker(OPEN_PK, String(marker.id));
    }
    return open;
  }

  /** Ended deployments whose end notification is PENDING (reconcile sends them again). */
  async listPendingNotices(): Promise<DeploymentRecord[]> {
    const markers = await this.query(NOTICE_PK, SERVICE_DEPLOYMENT_PREFIX, true, 1000, 'listPendingNotices');
    const pending: DeploymentRecord[] = [];
    for (const marker of markers) {
      const record = await this.getDeployment(String(marker.id));
      if (record && record.status !== 'IN_PROGRESS' && record.endNotice?.state === 'PENDING')
        pending.push(record);
      // Sent or given up (the marker's delete failed), or the write that set PENDING failed.
      else if (record?.endNotice?.state !== 'PENDING') await this.deleteMarker(NOTICE_PK, String(marker.id));
    }
    return pending.sort((a, b) => a.startedAt - b.startedAt);
  }

  private async putOpenMarker(id: string): Promise<void> {
    await this.putMarker(OPEN_PK, id, 'createDeployment');
  }

  private async putMarker(pk: string, id: string, operation: string): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk, sk: openSk(id), id } }));
    } catch (error) {
      throw this.fail(operation, error);
    }
  }

  private async deleteMarker(pk: string, id: string): Promise<void> {
    try {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk: openSk(id) } }));
    } catch (error) {
      throw this.fail('updateDeployment', error);
    }
  }

  /** The record (strongly consistent read), or null when unknown. */
  async getDeployment(id: string): Promise<DeploymentRecord | null> {
    const item = await this.get(deploymentPk(id), RECORD_SK, 'getDeployment');
    if (!item) return null;
    const { pk: _pk, sk: _sk, ...record } = item;
    return record as unknown as DeploymentRecord;
  }

  /** Appends an event; events of the same deployment list in `at` order. */
  async appendEvent(deploymentId: string, event: DeploymentEvent): Promise<void> {
    eventSequence = (eventSequence + 1) % 0x100000000;
    const suffix = `${eventSequence.toString(16).padStart(8, '0')}#${randomBytes(4).toString('hex')}`;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...withoutUndefined(event),
            pk: deploymentPk(deploymentId),
            sk: `${EVENT_PREFIX}${sortableTime(event.at)}#${suffix}`,
          },
        }),
      );
    } catch (error) {
      throw this.fail('appendEvent', error);
    }
  }

  /**
   * Appends `event` once per `key`: a conditional put of the key's marker (holding the first write's
   * `at`), then the event under a sort key made of that `at` and the key. A repeat finds the marker
   * and rewrites the same event item, so a crash between the two writes is repaired by the retry.
   */
  async appendEventOnce(deploymentId: string, key: string, event: DeploymentEvent): Promise<boolean> {
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 24);
    const markerSk = `${EVENT_KEY_PREFIX}${digest}`;
    let at = event.at;
    let fresh = true;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: deploymentPk(deploymentId), sk: markerSk, key, at },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.fail('appendEventOnce', error);
      fresh = false;
      const marker = await this.get(deploymentPk(deploymentId), markerSk, 'appendEventOnce');
      at = Number(marker?.at ?? event.at);
    }
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...withoutUndefined({ ...event, at }),
            pk: deploymentPk(deploymentId),
            sk: `${EVENT_PREFIX}${sortableTime(at)}#k${digest}`,
          },
        }),
      );
    } catch (error) {
      throw this.fail('appendEventOnce', error);
    }
    return fresh;
  }

  /** Every event of the deployment, oldest first. */
  async listEvents(deploymentId: string): Promise<DeploymentEvent[]> {
    const items = await this.query(deploymentPk(deploymentId), EVENT_PREFIX, true, Infinity, 'listEvents');
    return items.map((item) => {
      const event: DeploymentEvent = {
        at: Number(item.at),
        type: String(item.type),
        message: String(item.message),
      };
      if (item.data !== undefined) event.data = item.data as Record<string, unknown>;
      return event;
    });
  }

  /** The service's deployments from the service index, newest first, at most `limit`. */
  async listServiceDeployments(service: string, limit = 20): Promise<ServiceDeploymentRef[]> {
    const items = await this.query(
      servicePk(service),
      SERVICE_DEPLOYMENT_PREFIX,
      false,
      limit,
      'listServiceDeployments',
    );
    return items.map((item) => ({ id: String(item.id), startedAt: Number(item.startedAt) }));
  }

  private async get(pk: string, sk: string, operation: string): Promise<Record<string, unknown> | undefined> {
    try {
      const result = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
      );
      return result.Item;
    } catch (error) {
      throw this.fail(operation, error);
    }
  }

  private async query(
    pk: string,
    skPrefix: string,
    ascending: boolean,
    limit: number,
    operation: string,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const remaining = limit - items.length;
      const pageSize = Math.min(this.queryPageSize ?? Infinity, remaining);
      try {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
            ScanIndexForward: ascending,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
            Limit: Number.isFinite(pageSize) ? pageSize : undefined,
          }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } catch (error) {
        throw this.fail(operation, error);
      }
    } while (startKey && items.length < limit);
    return items;
  }

  private fail(operation: string, error: unknown): Error {
    return normaliseAwsError(
      error,
      `DynamoStore.${operation} (table ${this.tableName})`,
      (message, cause) => {
        return new DynamoStoreError(message, { cause });
      },
    );
  }
}

function notFound(id: string): DeploymentNotFoundError {
  return new DeploymentNotFoundError(`updateDeployment: deployment ${id} does not exist (create it first)`);
}

function isConditionalCheckFailed(error: unknown): boolean {
  return errorCode(error) === 'ConditionalCheckFailedException';
}

/** Drops undefined values at any depth: DynamoDB cannot store them and the injected client may not strip them. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value))
    return value.map((v: unknown) => (v === undefined ? null : withoutUndefined(v))) as T;
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutUndefined(v)]),
    ) as T;
  }
  return value;
}
