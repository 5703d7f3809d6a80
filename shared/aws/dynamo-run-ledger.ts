/**
 * The RunLedger on the Store's DynamoDB table (shared/aws/table.ts), also run locally on dynalite.
 *
 * | item             | pk                   | sk                                      |
 * |------------------|----------------------|-----------------------------------------|
 * | run record       | `SCHEDULE#<name>`    | `RUN#<slot epoch ms, 15 digits>#<runId>` |
 * | schedule's guard | `SCHEDULE#<name>`    | `GUARD`                                 |
 * | missed-run check | `SCHEDULE#<name>`    | `MISSED-CHECK`                          |
 *
 * A schedule's runs sort by slot, so its history is one query, newest first. dynalite has no TTL:
 * the `ttl` attribute (epoch seconds) lets AWS delete old runs, and every read compares
 * `expiresAt` itself, so an expired run is never shown even before AWS gets round to it. The
 * guard's expiry is a timestamp comparison in the write condition, as the Store's locks.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { GreenlightError, ThrottlingError } from '../domain/errors';
import type { RunOutcome } from '../domain/schedules/attempt';
import {
  claimRecord,
  type AlertDelivery,
  type RunClaim,
  type RunRecord,
} from '../domain/schedules/run-record';
import type { ClaimResult, Guard, GuardResult, RunLedger } from '../ports/run-ledger';
import { errorCode, normaliseAwsError } from './errors';
import { TTL_ATTRIBUTE } from './table';

/** A DynamoDB call of the run ledger failed for a reason other than throttling. */
export class DynamoRunLedgerError extends GreenlightError {}

const GUARD_SK = 'GUARD';
/** Sorts before `RUN#`, so no query of runs reads it. */
const CHECK_SK = 'MISSED-CHECK';
const RUN_PREFIX = 'RUN#';
/** The last holder of an expired guard stays readable for a day (then AWS may delete it). */
const GUARD_TTL_GRACE_SECONDS = 24 * 60 * 60;
const GUARD_ATTEMPTS = 3;
const ITEM_ATTRIBUTES = ['pk', 'sk', TTL_ATTRIBUTE];

const schedulePk = (schedule: string) => `SCHEDULE#${schedule}`;
const sortableTime = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');
const runSk = (slotAt: number, runId: string) => `${RUN_PREFIX}${sortableTime(slotAt)}#${runId}`;
const ttlOf = (expiresAtMs: number) => Math.ceil(expiresAtMs / 1000);

export interface DynamoRunLedgerOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** Query page size; small pages keep a "latest runs" read cheap. */
  queryPageSize?: number;
}

/** The RunLedger on a single DynamoDB table. */
export class DynamoRunLedger implements RunLedger {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly queryPageSize: number;

  constructor(options: DynamoRunLedgerOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.queryPageSize = options.queryPageSize ?? 25;
  }

  async claimRun(claim: RunClaim): Promise<ClaimResult> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.runItem(claimRecord(claim)),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.fail('claimRun', error);
    }
    const existing = await this.getItem(
      schedulePk(claim.schedule),
      runSk(claim.slotAt, claim.runId),
      'claimRun',
    );
    if (!existing) {
      // The claim was deleted between the two calls (only AWS TTL does that, long after): claim again.
      return this.claimRun(claim);
    }
    const record = toRecord(existing);
    return record.execution === claim.execution ? { claimed: true } : { claimed: false, existing: record };
  }

  async recordRun(record: RunRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.runItem(record),
          ConditionExpression: 'attribute_not_exists(pk) OR #execution = :execution',
          ExpressionAttributeNames: { '#execution': 'execution' },
          ExpressionAttributeValues: { ':execution': record.execution },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.fail('recordRun', error);
    }
  }

  async getRun(schedule: string, runId: string, slotAt: number, now: number): Promise<RunRecord | null> {
    const item = await this.getItem(schedulePk(schedule), runSk(slotAt, runId), 'getRun');
    const record = item ? toRecord(item) : null;
    return record && record.expiresAt >= now ? record : null;
  }

  async listRuns(schedule: string, options: { now: number; limit?: number }): Promise<RunRecord[]> {
    return this.queryRuns(schedule, { now: options.now, limit: options.limit ?? 20 }, 'listRuns');
  }

  async previousOutcome(schedule: string, slotAt: number, now: number): Promise<RunOutcome | null> {
    const runs = await this.queryRuns(
      schedule,
      { now, limit: 1, before: slotAt, finishedOnly: true },
      'previousOutcome',
    );
    return runs[0]?.outcome ?? null;
  }

  async runsBetween(
    schedule: string,
    window: { from: number; to: number },
    now: number,
  ): Promise<RunRecord[]> {
    if (window.to <= window.from) return [];
    const runs: RunRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': schedulePk(schedule),
              // Slots after `from` (`#` sorts before every run id character) up to `to` inclusive.
              ':from': `${RUN_PREFIX}${sortableTime(window.from)}#~`,
              ':to': `${RUN_PREFIX}${sortableTime(window.to)}#~`,
            },
            ScanIndexForward: true,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        );
      } catch (error) {
        throw this.fail('runsBetween', error);
      }
      for (const item of page.Items ?? []) {
        const record = toRecord(item);
        if (record.expiresAt >= now) runs.push(record);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return runs;
  }

  async recordIfAbsent(record: RunRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.runItem(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.fail('recordIfAbsent', error);
    }
  }

  async setAlertDelivery(
    run: Pick<RunRecord, 'schedule' | 'slotAt' | 'runId'>,
    delivery: AlertDelivery,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: schedulePk(run.schedule), sk: runSk(run.slotAt, run.runId) },
          UpdateExpression: 'SET alertDelivery = :delivery',
          // Never recreate an expired or deleted record as a bare item.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':delivery': withoutUndefined(delivery) },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw this.fail('setAlertDelivery', error);
    }
  }

  async missedCheckedUntil(schedule: string): Promise<number | null> {
    const item = await this.getItem(schedulePk(schedule), CHECK_SK, 'missedCheckedUntil');
    return item && typeof item.checkedUntil === 'number' ? item.checkedUntil : null;
  }

  async setMissedCheckedUntil(schedule: string, until: number, expiresAt: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: schedulePk(schedule),
            sk: CHECK_SK,
            checkedUntil: until,
            [TTL_ATTRIBUTE]: ttlOf(expiresAt),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR checkedUntil < :until',
          ExpressionAttributeValues: { ':until': until },
        }),
      );
    } catch (error) {
      // Already at or past `until`: another pass got further.
      if (!isConditionalCheckFailed(error)) throw this.fail('setMissedCheckedUntil', error);
    }
  }

  async acquireGuard(schedule: string, runId: string, leaseMs: number, now: number): Promise<GuardResult> {
    const expiresAt = now + leaseMs;
    for (let attempt = 0; attempt < GUARD_ATTEMPTS; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: this.guardItem(schedule, runId, expiresAt),
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR runId = :runId',
            ExpressionAttributeValues: { ':now': now, ':runId': runId },
          }),
        );
        return { acquired: true, expiresAt };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw this.fail('acquireGuard', error);
      }
      const holder = await this.guard(schedule, 'acquireGuard');
      // Between the refused put and this read the holder may have released it or let it lapse.
      if (holder && holder.runId !== runId && holder.expiresAt >= now) return { acquired: false, holder };
    }
    throw new ThrottlingError(
      `acquireGuard: the guard of schedule ${schedule} changed hands ${GUARD_ATTEMPTS} times in a row; try again`,
    );
  }

  async takeOverGuard(schedule: string, fromRunId: string, runId: string, leaseMs: number, now: number) {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.guardItem(schedule, runId, now + leaseMs),
          ConditionExpression: 'runId = :from',
          ExpressionAttributeValues: { ':from': fromRunId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.fail('takeOverGuard', error);
    }
  }

  async setGuardTask(schedule: string, runId: string, taskArn: string, now: number) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: schedulePk(schedule), sk: GUARD_SK },
          UpdateExpression: 'SET taskArn = :taskArn',
          ConditionExpression: 'runId = :runId AND expiresAt >= :now',
          ExpressionAttributeValues: { ':taskArn': taskArn, ':runId': runId, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.fail('setGuardTask', error);
    }
  }

  async holdsGuard(schedule: string, runId: string, now: number) {
    const holder = await this.guard(schedule, 'holdsGuard');
    return holder !== null && holder.runId === runId && holder.expiresAt >= now;
  }

  async releaseGuard(schedule: string, runId: string) {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: schedulePk(schedule), sk: GUARD_SK },
          ConditionExpression: 'runId = :runId',
          ExpressionAttributeValues: { ':runId': runId },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.fail('releaseGuard', error);
    }
  }

  private runItem(record: RunRecord): Record<string, unknown> {
    return {
      ...withoutUndefined(record),
      pk: schedulePk(record.schedule),
      sk: runSk(record.slotAt, record.runId),
      [TTL_ATTRIBUTE]: ttlOf(record.expiresAt),
    };
  }

  private guardItem(schedule: string, runId: string, expiresAt: number): Record<string, unknown> {
    return {
      pk: schedulePk(schedule),
      sk: GUARD_SK,
      runId,
      expiresAt,
      [TTL_ATTRIBUTE]: ttlOf(expiresAt) + GUARD_TTL_GRACE_SECONDS,
    };
  }

  private async guard(schedule: string, operation: string): Promise<Guard | null> {
    const item = await this.getItem(schedulePk(schedule), GUARD_SK, operation);
    if (!item) return null;
    return {
      runId: String(item.runId),
      expiresAt: Number(item.expiresAt),
      ...(typeof item.taskArn === 'string' ? { taskArn: item.taskArn } : {}),
    };
  }

  private async queryRuns(
    schedule: string,
    options: { now: number; limit: number; before?: number; finishedOnly?: boolean },
    operation: string,
  ): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    const range =
      options.before === undefined
        ? { condition: 'pk = :pk AND begins_with(sk, :prefix)', values: { ':prefix': RUN_PREFIX } }
        : {
            condition: 'pk = :pk AND sk BETWEEN :from AND :to',
            // Every run whose slot is strictly before `before`.
            values: { ':from': RUN_PREFIX, ':to': `${RUN_PREFIX}${sortableTime(options.before - 1)}#~` },
          };
    do {
      let page;
      try {
        page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: range.condition,
            ExpressionAttributeValues: { ':pk': schedulePk(schedule), ...range.values },
            ScanIndexForward: false,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
            Limit: this.queryPageSize,
          }),
        );
      } catch (error) {
        throw this.fail(operation, error);
      }
      for (const item of page.Items ?? []) {
        const record = toRecord(item);
        if (record.expiresAt < options.now) continue;
        if (options.finishedOnly && !record.outcome) continue;
        runs.push(record);
        if (runs.length >= options.limit) return runs;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return runs;
  }

  private async getItem(pk: string, sk: string, operation: string) {
    try {
      const result = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
      );
      return result.Item;
    } catch (error) {
      throw this.fail(operation, error);
    }
  }

  private fail(operation: string, error: unknown): Error {
    return normaliseAwsError(
      error,
      `DynamoRunLedger.${operation} (table ${this.tableName})`,
      (message, cause) => new DynamoRunLedgerError(message, { cause }),
    );
  }
}

function toRecord(item: Record<string, unknown>): RunRecord {
  const record = { ...item };
  for (const name of ITEM_ATTRIBUTES) delete record[name];
  return record as unknown as RunRecord;
}

function isConditionalCheckFailed(error: unknown): boolean {
  return errorCode(error) === 'ConditionalCheckFailedException';
}

/** Drops undefined values at any depth: DynamoDB cannot store them. */
function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => withoutUndefined(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutUndefined(v)]),
    ) as T;
  }
  return value;
}
