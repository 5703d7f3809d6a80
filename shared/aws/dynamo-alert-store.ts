/**
 * The AlertStore on the Store's single DynamoDB table (see dynamo-store.ts for the other items):
 *
 * | item                 | pk                                   | sk       |
 * |----------------------|--------------------------------------|----------|
 * | handled task stop    | `ALERT#STOP#<taskArn>#<version>`     | `STOP`   |
 * | crash-loop window    | `ALERT#WINDOW#<clusterArn>|<group>`  | `WINDOW` |
 * | final tally due      | `ALERT#DUE`                          | `<dueAt, 15 digits>#<sha256(key), 32 hex>#<startedAt>` |
 *
 * Tally entries share one partition so the sweeper finds the due ones with one Query (sort key up
 * to now). One entry is written per stretch of unreported stops of a window and deleted by the
 * sweeper: a write rate far below a partition's 1,000 writes per second. The window key is hashed
 * in the sort key, which is limited to 1,024 bytes, and kept whole as an attribute.
 *
 * Every write is conditional, so concurrent invocations (EventBridge delivers at least once, and
 * duplicates may run side by side) agree on who sends what. dynalite has no TTL: expiry is an
 * `expiresAt` comparison in each condition; the `ttl` attribute only lets AWS delete old items.
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
import { z } from 'zod';
import { ALERT_CATEGORIES, type AlertCategory } from '../domain/alerts/classify';
import type { WindowCount, WindowSnapshot, WindowStop } from '../domain/alerts/window';
import { GreenlightError, ThrottlingError } from '../domain/errors';
import type {
  AlertStore,
  DueTally,
  SavedProgress,
  StopClaim,
  StopRef,
  TallyClaim,
} from '../ports/alert-store';
import { errorCode, normaliseAwsError } from './errors';
import { TTL_ATTRIBUTE } from './table';

/** A DynamoDB call made by the alert store failed for a reason other than throttling. */
export class DynamoAlertStoreError extends GreenlightError {}

export interface DynamoAlertStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

const STOP_SK = 'STOP';
const WINDOW_SK = 'WINDOW';
/** Per-category counters are top-level attributes: DynamoDB's ADD only works on those. */
const CATEGORY_PREFIX = 'cat_';
/** Rounds of increment-or-open when another invocation opens the window in between. */
const WINDOW_ATTEMPTS = 3;

export const stopPk = (ref: StopRef) => `ALERT#STOP#${ref.taskArn}#${ref.version}`;
export const windowPk = (key: string) => `ALERT#WINDOW#${key}`;
export const DUE_PK = 'ALERT#DUE';
const DUE_TIME_DIGITS = 15;
export const dueSk = (due: Pick<DueTally, 'key' | 'startedAt' | 'dueAt'>) =>
  `${String(Math.max(0, Math.trunc(due.dueAt))).padStart(DUE_TIME_DIGITS, '0')}#${createHash('sha256').update(due.key).digest('hex').slice(0, 32)}#${due.startedAt}`;
const ttlOf = (expiresAt: number) => Math.ceil(expiresAt / 1000);

/** The names every expression uses: several are DynamoDB reserved words (STATE, COUNT, TTL). */
const NAMES = {
  '#state': 'state',
  '#token': 'token',
  '#count': 'count',
  '#ttl': TTL_ATTRIBUTE,
  '#tally': 'tally',
} as const;

/** The AlertStore port on the single Greenlight table. */
export class DynamoAlertStore implements AlertStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoAlertStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  /** First claim: a conditional put; then a takeover of a failed or lapsed claim; else a duplicate. */
  async claimStop(
    ref: StopRef,
    options: { now: number; leaseMs: number; retainMs: number },
  ): Promise<StopClaim> {
    const { now } = options;
    const token = randomBytes(8).toString('hex');
    const expiresAt = now + options.retainMs;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: stopPk(ref),
            sk: STOP_SK,
            state: 'pending',
            token,
            leaseUntil: now + options.leaseMs,
            expiresAt,
            [TTL_ATTRIBUTE]: ttlOf(expiresAt),
          },
          // An expired marker is as good as absent (AWS TTL deletes it eventually; dynalite never).
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return { status: 'claimed', token, resumed: false, saved: null };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.fail('claimStop', error);
    }
    try {
      const output = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: stopPk(ref), sk: STOP_SK },
          UpdateExpression: 'SET #state = :pending, #token = :token, leaseUntil = :lease',
          ConditionExpression:
            'expiresAt >= :now AND (#state = :failed OR (#state = :pending AND leaseUntil < :now))',
          ExpressionAttributeNames: { '#state': NAMES['#state'], '#token': NAMES['#token'] },
          ExpressionAttributeValues: {
            ':now': now,
            ':pending': 'pending',
            ':failed': 'failed',
            ':token': token,
            ':lease': now + options.leaseMs,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { status: 'claimed', token, resumed: true, saved: parseProgress(output.Attributes?.progress) };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return { status: 'duplicate' };
      throw this.fail('claimStop', error);
    }
  }

  /** Marks the stop sent, if this token still holds the claim. */
  async completeStop(ref: StopRef, token: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: stopPk(ref), sk: STOP_SK },
          UpdateExpression: 'SET #state = :sent REMOVE leaseUntil',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#state': NAMES['#state'], '#token': NAMES['#token'] },
          ExpressionAttributeValues: { ':sent': 'sent', ':token': token },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.fail('completeStop', error);
    }
  }

  /** Marks the stop failed (resumable at once), keeping `progress` for the retry. */
  async releaseStop(ref: StopRef, token: string, progress: SavedProgress | null): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: stopPk(ref), sk: STOP_SK },
          UpdateExpression: progress ? 'SET #state = :failed, progress = :progress' : 'SET #state = :failed',
          ConditionExpression: '#token = :token AND #state = :pending',
          ExpressionAttributeNames: { '#state': NAMES['#state'], '#token': NAMES['#token'] },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':pending': 'pending',
            ':token': token,
            ...(progress ? { ':progress': progress } : {}),
          },
        }),
      );
    } catch (error) {
      // Taken over already: the new owner decides.
      if (isConditionalCheckFailed(error)) return;
      throw this.fail('releaseStop', error);
    }
  }

  /** Records progress before a publish and renews the lease, if this token still holds the claim. */
  async saveProgress(
    ref: StopRef,
    token: string,
    progress: SavedProgress,
    options: { now: number; leaseMs: number },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: stopPk(ref), sk: STOP_SK },
          UpdateExpression: 'SET progress = :progress, leaseUntil = :lease',
          ConditionExpression: '#token = :token AND #state = :pending',
          ExpressionAttributeNames: { '#state': NAMES['#state'], '#token': NAMES['#token'] },
          ExpressionAttributeValues: {
            ':progress': progress,
            ':lease': options.now + options.leaseMs,
            ':token': token,
            ':pending': 'pending',
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.fail('saveProgress', error);
    }
  }

  /** Files the window's tally entry (an unconditional put: the same window writes the same item). */
  async scheduleTally(due: DueTally, options: { retainMs: number }): Promise<void> {
    const expiresAt = due.dueAt + options.retainMs;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: DUE_PK,
            sk: dueSk(due),
            key: due.key,
            startedAt: due.startedAt,
            dueAt: due.dueAt,
            scope: due.scope,
            expiresAt,
            [TTL_ATTRIBUTE]: ttlOf(expiresAt),
          },
        }),
      );
    } catch (error) {
      throw this.fail('scheduleTally', error);
    }
  }

  /** The entries due at `now`, oldest first (one Query on the entries' partition). */
  async dueTallies(options: { now: number; limit: number }): Promise<DueTally[]> {
    try {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk <= :upto',
          ExpressionAttributeValues: {
            ':pk': DUE_PK,
            // '~' sorts after the hex digits and '#' that follow the time.
            ':upto': `${String(Math.max(0, Math.trunc(options.now))).padStart(DUE_TIME_DIGITS, '0')}~`,
          },
          ScanIndexForward: true,
          Limit: options.limit,
          ConsistentRead: true,
        }),
      );
      return (output.Items ?? []).flatMap((item) => {
        const parsed = DueSchema.safeParse(item);
        return parsed.success ? [parsed.data as DueTally] : [];
      });
    } catch (error) {
      throw this.fail('dueTallies', error);
    }
  }

  /** Marks the window's tally as being sent, if it is still the entry's window and not sent or being sent. */
  async claimTally(due: DueTally, options: { now: number; leaseMs: number }): Promise<TallyClaim> {
    const { now } = options;
    try {
      const output = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: windowPk(due.key), sk: WINDOW_SK },
          UpdateExpression: 'SET #tally = :sending, tallyLeaseUntil = :lease',
          ConditionExpression:
            'startedAt = :startedAt AND (attribute_not_exists(#tally) OR (#tally = :sending AND tallyLeaseUntil < :now))',
          ExpressionAttributeNames: { '#tally': NAMES['#tally'] },
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':lease': now + options.leaseMs,
            ':startedAt': due.startedAt,
            ':now': now,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { status: 'claimed', window: snapshot(output.Attributes ?? {}) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.fail('claimTally', error);
    }
    // Replaced, sent, or being sent: only the last keeps the entry.
    try {
      const output = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: windowPk(due.key), sk: WINDOW_SK },
          ConsistentRead: true,
        }),
      );
      const item = output.Item;
      const sending =
        item?.startedAt === due.startedAt && item.tally === 'sending' && Number(item.tallyLeaseUntil) >= now;
      return { status: sending ? 'busy' : 'done' };
    } catch (error) {
      throw this.fail('claimTally', error);
    }
  }

  /** Marks the tally sent on the window (if it is still the entry's), then deletes the entry. */
  async completeTally(due: DueTally): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: windowPk(due.key), sk: WINDOW_SK },
          UpdateExpression: 'SET #tally = :sent REMOVE tallyLeaseUntil',
          ConditionExpression: 'startedAt = :startedAt',
          ExpressionAttributeNames: { '#tally': NAMES['#tally'] },
          ExpressionAttributeValues: { ':sent': 'sent', ':startedAt': due.startedAt },
        }),
      );
    } catch (error) {
      // Replaced since: the stop that replaced it saw no "sent" mark and may send it again (bounded).
      if (!isConditionalCheckFailed(error)) throw this.fail('completeTally', error);
    }
    await this.dropTally(due);
  }

  async dropTally(due: DueTally): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: { pk: DUE_PK, sk: dueSk(due) } }),
      );
    } catch (error) {
      throw this.fail('dropTally', error);
    }
  }

  /** Increments the open window, or opens a new one and returns the window it replaced. */
  async countStop(
    key: string,
    stop: WindowStop,
    options: { now: number; windowMs: number; retainMs: number },
  ): Promise<WindowCount> {
    const { now } = options;
    const cutoff = now - options.windowMs;
    const expiresAt = now + options.retainMs;
    const categoryAttribute = `${CATEGORY_PREFIX}${stop.category}`;
    const last = {
      lastAt: now,
      lastCategory: stop.category,
      lastExitCode: stop.exitCode,
      lastContainer: stop.container,
    };
    for (let attempt = 0; attempt < WINDOW_ATTEMPTS; attempt++) {
      try {
        const output = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: windowPk(key), sk: WINDOW_SK },
            UpdateExpression:
              'SET lastAt = :lastAt, lastCategory = :lastCategory, lastExitCode = :lastExitCode, ' +
              'lastContainer = :lastContainer, expiresAt = :expiresAt, #ttl = :ttl ADD #count :one, #category :one',
            ConditionExpression: 'startedAt > :cutoff AND expiresAt >= :now',
            ExpressionAttributeNames: {
              '#ttl': NAMES['#ttl'],
              '#count': NAMES['#count'],
              '#category': categoryAttribute,
            },
            ExpressionAttributeValues: {
              ':lastAt': last.lastAt,
              ':lastCategory': last.lastCategory,
              ':lastExitCode': last.lastExitCode,
              ':lastContainer': last.lastContainer,
              ':expiresAt': expiresAt,
              ':ttl': ttlOf(expiresAt),
              ':one': 1,
              ':cutoff': cutoff,
              ':now': now,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { window: snapshot(output.Attributes ?? {}), closed: null };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw this.fail('countStop', error);
      }
      try {
        const output = await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: windowPk(key),
              sk: WINDOW_SK,
              startedAt: now,
              count: 1,
              [categoryAttribute]: 1,
              ...last,
              expiresAt,
              [TTL_ATTRIBUTE]: ttlOf(expiresAt),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR startedAt <= :cutoff OR expiresAt < :now',
            ExpressionAttributeValues: { ':cutoff': cutoff, ':now': now },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const old = output.Attributes;
        // A tally the sweeper already sent is not sent again by the stop that replaced its window.
        const closed = old && Number(old.expiresAt) >= now && old.tally !== 'sent' ? snapshot(old) : null;
        return {
          window: {
            startedAt: now,
            lastAt: now,
            count: 1,
            categories: { [stop.category]: 1 },
            lastCategory: stop.category,
            lastExitCode: stop.exitCode,
            lastContainer: stop.container,
          },
          closed,
        };
      } catch (error) {
        // Another invocation opened the window between our two writes: count in it.
        if (!isConditionalCheckFailed(error)) throw this.fail('countStop', error);
      }
    }
    throw new ThrottlingError(
      `countStop: window ${key} changed ${WINDOW_ATTEMPTS} times in a row; try again`,
    );
  }

  private fail(operation: string, error: unknown): Error {
    return normaliseAwsError(
      error,
      `DynamoAlertStore.${operation} (table ${this.tableName})`,
      (message, cause) => new DynamoAlertStoreError(message, { cause }),
    );
  }
}

const CATEGORIES = new Set<string>(ALERT_CATEGORIES);

function snapshot(item: Record<string, unknown>): WindowSnapshot {
  const categories: Partial<Record<AlertCategory, number>> = {};
  for (const [name, value] of Object.entries(item)) {
    const category = name.slice(CATEGORY_PREFIX.length);
    if (name.startsWith(CATEGORY_PREFIX) && CATEGORIES.has(category))
      categories[category as AlertCategory] = Number(value);
  }
  const lastCategory = String(item.lastCategory);
  return {
    startedAt: Number(item.startedAt),
    lastAt: Number(item.lastAt),
    count: Number(item.count),
    categories,
    lastCategory: CATEGORIES.has(lastCategory) ? (lastCategory as AlertCategory) : 'unknown',
    lastExitCode: typeof item.lastExitCode === 'number' ? item.lastExitCode : null,
    lastContainer: typeof item.lastContainer === 'string' ? item.lastContainer : null,
  };
}

const SnapshotSchema = z.object({
  startedAt: z.number(),
  lastAt: z.number(),
  count: z.number(),
  categories: z.partialRecord(z.enum(ALERT_CATEGORIES), z.number()),
  lastCategory: z.enum(ALERT_CATEGORIES),
  lastExitCode: z.number().nullable(),
  lastContainer: z.string().nullable(),
});

const ProgressSchema = z.object({
  counted: z.object({ window: SnapshotSchema, closed: SnapshotSchema.nullable() }),
  published: z.number().int().min(0),
  publishing: z.object({ index: z.number().int().min(0), attempts: z.number().int().min(0) }).optional(),
});

const DueSchema = z.object({
  key: z.string(),
  startedAt: z.number(),
  dueAt: z.number(),
  scope: z.object({
    taskArn: z.string(),
    taskId: z.string(),
    cluster: z.string(),
    clusterArn: z.string().optional(),
    group: z.string().optional(),
    service: z.string().optional(),
    family: z.string().optional(),
    region: z.string().optional(),
    account: z.string().optional(),
  }),
});

/** Saved progress, or null when absent or unreadable (the retry then counts again: a benign over-count). */
function parseProgress(value: unknown): SavedProgress | null {
  const parsed = ProgressSchema.safeParse(value);
  return parsed.success ? (parsed.data as SavedProgress) : null;
}

function isConditionalCheckFailed(error: unknown): boolean {
  return errorCode(error) === 'ConditionalCheckFailedException';
}
