import 'aws-sdk-client-mock-jest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoRunLedger, DynamoRunLedgerError } from '../../../shared/aws/dynamo-run-ledger';
import { ThrottlingError } from '../../../shared/domain/errors';
import { claimRecord, type RunClaim } from '../../../shared/domain/schedules/run-record';

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
});
