import 'aws-sdk-client-mock-jest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoRunLedger, DynamoRunLedgerError } from '../../../shared/aws/dynamo-run-ledger';
import { ThrottlingError } from '../../../shared/domain/errors';
import { emptyHistory } from '../../../shared/domain/schedules/retry-policy';
import { claimRecord, finalRecord, type RunClaim } from '../../../shared/domain/schedules/run-record';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const dynamo = mockClient(DynamoDBDocumentClient);
const ledger = new DynamoRunLedger({ client: documents, tableName: 'greenlight-test', queryPageSize: 5 });
const T0 = 1_805_000_000_000;
const CLAIM: RunClaim = {
  schedule: 'nightly',
  runId: 'nightly_20270315T063000Z',
  trigger: 'schedule',
  slotAt: T0,
  execution: 'exec-1',
  cluster: 'jobs',
  startedAt: T0,
  expiresAt: T0 + 86_400_000,
};

beforeEach(() => dynamo.reset());

describe('DynamoRunLedger requests', () => {
  it('claims a run with a conditional put on its slot key, with the ttl attribute', async () => {
    dynamo.on(PutCommand).resolves({});
    await ledger.claimRun(CLAIM);
    expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: 'greenlight-test',
      Item: {
        ...claimRecord(CLAIM),
        pk: 'SCHEDULE#nightly',
        sk: `RUN#00${T0}#nightly_20270315T063000Z`,
        ttl: (T0 + 86_400_000) / 1000,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('takes the guard with a condition on absence, expiry or the same run', async () => {
    dynamo.on(PutCommand).resolves({});
    await ledger.acquireGuard('nightly', 'run-a', 60_000, T0);
    expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: 'greenlight-test',
      Item: {
        pk: 'SCHEDULE#nightly',
        sk: 'GUARD',
        runId: 'run-a',
        expiresAt: T0 + 60_000,
        ttl: (T0 + 60_000) / 1000 + 86_400,
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR runId = :runId',
      ExpressionAttributeValues: { ':now': T0, ':runId': 'run-a' },
    });
  });

  it('releases only its own guard', async () => {
    dynamo.on(DeleteCommand).resolves({});
    await expect(ledger.releaseGuard('nightly', 'run-a')).resolves.toBe(true);
    expect(dynamo.commandCalls(DeleteCommand)[0]!.args[0].input).toEqual({
      TableName: 'greenlight-test',
      Key: { pk: 'SCHEDULE#nightly', sk: 'GUARD' },
      ConditionExpression: 'runId = :runId',
      ExpressionAttributeValues: { ':runId': 'run-a' },
    });
  });

  it('queries a schedule’s runs newest first, consistently, a page at a time', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await ledger.listRuns('nightly', { now: T0 });
    expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
      TableName: 'greenlight-test',
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'SCHEDULE#nightly', ':prefix': 'RUN#' },
      ScanIndexForward: false,
      ConsistentRead: true,
      ExclusiveStartKey: undefined,
      Limit: 5,
    });
  });

  it('reports throttling as ThrottlingError and other failures as DynamoRunLedgerError', async () => {
    dynamo
      .on(PutCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(ledger.claimRun(CLAIM)).rejects.toBeInstanceOf(ThrottlingError);
    dynamo.reset();
    dynamo
      .on(PutCommand)
      .rejects(Object.assign(new Error('no table'), { name: 'ResourceNotFoundException' }));
    await expect(ledger.recordRun(claimRecord(CLAIM))).rejects.toBeInstanceOf(DynamoRunLedgerError);
  });

  describe('missed-run reconcile', () => {
    const conditionFailed = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
    });

    it('queries the runs of a window, slots after `from` up to `to`, oldest first, every page', async () => {
      const record = claimRecord(CLAIM);
      dynamo
        .on(QueryCommand)
        .resolvesOnce({
          Items: [{ ...record, pk: 'SCHEDULE#nightly', sk: 'x', ttl: 1 }],
          LastEvaluatedKey: { pk: 'SCHEDULE#nightly', sk: 'x' },
        })
        .resolvesOnce({ Items: [{ ...record, runId: 'expired', expiresAt: T0 - 1 }] });
      const runs = await ledger.runsBetween('nightly', { from: T0 - 3_600_000, to: T0 }, T0);
      expect(runs).toEqual([record]);
      const calls = dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(calls[0]).toEqual({
        TableName: 'greenlight-test',
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': 'SCHEDULE#nightly',
          ':from': `RUN#00${T0 - 3_600_000}#~`,
          ':to': `RUN#00${T0}#~`,
        },
        ScanIndexForward: true,
        ConsistentRead: true,
        ExclusiveStartKey: undefined,
      });
      expect(calls[1]!.ExclusiveStartKey).toEqual({ pk: 'SCHEDULE#nightly', sk: 'x' });
    });

    it('reads nothing for an empty window', async () => {
      await expect(ledger.runsBetween('nightly', { from: T0, to: T0 }, T0)).resolves.toEqual([]);
      expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    });

    it('writes a MISSED record only where the slot has no record, and says when it had one', async () => {
      const record = finalRecord({
        claim: { ...CLAIM, execution: 'greenlight-missed-run-reconcile' },
        history: emptyHistory(),
        outcome: 'MISSED',
        reason: 'no run',
        endedAt: T0 + 1_000,
        historyTtlDays: 1,
      });
      dynamo.on(PutCommand).resolvesOnce({}).rejectsOnce(conditionFailed);
      await expect(ledger.recordIfAbsent(record)).resolves.toBe(true);
      await expect(ledger.recordIfAbsent(record)).resolves.toBe(false);
      expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
        TableName: 'greenlight-test',
        Item: {
          ...record,
          pk: 'SCHEDULE#nightly',
          sk: `RUN#00${T0}#nightly_20270315T063000Z`,
          ttl: Math.ceil((T0 + 1_000 + 86_400_000) / 1000),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    });

    it('sets the alert delivery of an existing record only, leaving a record gone meanwhile gone', async () => {
      dynamo.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed);
      const delivery = { state: 'PENDING' as const, attempts: 1, lastError: 'SNS down' };
      await ledger.setAlertDelivery(CLAIM, delivery);
      await expect(ledger.setAlertDelivery(CLAIM, { state: 'SENT', attempts: 2 })).resolves.toBeUndefined();
      expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
        TableName: 'greenlight-test',
        Key: { pk: 'SCHEDULE#nightly', sk: `RUN#00${T0}#nightly_20270315T063000Z` },
        UpdateExpression: 'SET alertDelivery = :delivery',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':delivery': delivery },
      });
    });

    it('names the operation when the alert delivery cannot be written', async () => {
      dynamo.on(UpdateCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalServerError' }));
      await expect(ledger.setAlertDelivery(CLAIM, { state: 'SENT', attempts: 1 })).rejects.toThrow(
        /setAlertDelivery/,
      );
    });

    it('reads and moves the checkpoint forward only, ignoring a refusal from a pass that got further', async () => {
      dynamo
        .on(GetCommand)
        .resolves({ Item: { pk: 'SCHEDULE#nightly', sk: 'MISSED-CHECK', checkedUntil: T0 } });
      dynamo.on(PutCommand).rejects(conditionFailed);
      await expect(ledger.missedCheckedUntil('nightly')).resolves.toBe(T0);
      await expect(ledger.setMissedCheckedUntil('nightly', T0 - 1, T0 + 86_400_000)).resolves.toBeUndefined();
      expect(dynamo.commandCalls(GetCommand)[0]!.args[0].input).toEqual({
        TableName: 'greenlight-test',
        Key: { pk: 'SCHEDULE#nightly', sk: 'MISSED-CHECK' },
        ConsistentRead: true,
      });
      expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
        TableName: 'greenlight-test',
        Item: {
          pk: 'SCHEDULE#nightly',
          sk: 'MISSED-CHECK',
          checkedUntil: T0 - 1,
          ttl: (T0 + 86_400_000) / 1000,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR checkedUntil < :until',
        ExpressionAttributeValues: { ':until': T0 - 1 },
      });
    });

    it('says there is no checkpoint yet', async () => {
      dynamo.on(GetCommand).resolves({});
      await expect(ledger.missedCheckedUntil('nightly')).resolves.toBeNull();
    });
  });
});
