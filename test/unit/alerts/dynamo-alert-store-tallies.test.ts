/** The exact DynamoDB calls of the alert store's progress and final-tally methods (SDK mocked). */
import 'aws-sdk-client-mock-jest';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoAlertStore, dueSk } from '../../../shared/aws/dynamo-alert-store';
import type { DueTally } from '../../../shared/ports/alert-store';

const ddb = mockClient(DynamoDBDocumentClient);
const store = new DynamoAlertStore({
  client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
  tableName: 'greenlight',
});
const DUE: DueTally = {
  key: 'arn:aws:ecs:eu-west-1:1:cluster/prod|service:web',
  startedAt: 1_000,
  dueAt: 601_000,
  scope: { taskArn: 'arn:aws:ecs:eu-west-1:1:task/prod/abc', taskId: 'abc', cluster: 'prod', service: 'web' },
};
const ccf = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });
const WINDOW = {
  startedAt: 1_000,
  lastAt: 2_000,
  count: 3,
  'cat_out-of-memory': 3,
  lastCategory: 'out-of-memory',
  lastExitCode: 137,
  lastContainer: 'app',
};

describe('DynamoAlertStore: progress and final tallies', () => {
  beforeEach(() => ddb.reset());

  it('saveProgress: sets progress and renews the lease only while the token holds a pending claim', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(ccf());
    const progress = {
      counted: { window: { ...WINDOW, categories: {} } as never, closed: null },
      published: 0,
    };

    const held = await store.saveProgress({ taskArn: 't', version: '6' }, 'tok', progress, {
      now: 10,
      leaseMs: 45_000,
    });
    const lost = await store.saveProgress({ taskArn: 't', version: '6' }, 'tok', progress, {
      now: 10,
      leaseMs: 45_000,
    });

    expect([held, lost]).toEqual([true, false]);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'greenlight',
      Key: { pk: 'ALERT#STOP#t#6', sk: 'STOP' },
      UpdateExpression: 'SET progress = :progress, leaseUntil = :lease',
      ConditionExpression: '#token = :token AND #state = :pending',
      ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
      ExpressionAttributeValues: {
        ':progress': progress,
        ':lease': 45_010,
        ':token': 'tok',
        ':pending': 'pending',
      },
    });
  });

  it('scheduleTally and dueTallies: one partition, sorted by due time, hashed window key', async () => {
    ddb.on(PutCommand).resolves({});
    ddb.on(QueryCommand).resolves({
      Items: [{ pk: 'ALERT#DUE', sk: dueSk(DUE), ...DUE, expiresAt: 1, ttl: 1 }, { junk: true }],
    });

    await store.scheduleTally(DUE, { retainMs: 86_400_000 });
    const due = await store.dueTallies({ now: 700_000, limit: 50 });

    expect(dueSk(DUE)).toMatch(/^000000000601000#[0-9a-f]{32}#1000$/);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: 'greenlight',
      Item: {
        pk: 'ALERT#DUE',
        sk: dueSk(DUE),
        key: DUE.key,
        startedAt: 1_000,
        dueAt: 601_000,
        scope: DUE.scope,
        expiresAt: 601_000 + 86_400_000,
        ttl: Math.ceil((601_000 + 86_400_000) / 1000),
      },
    });
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
      TableName: 'greenlight',
      KeyConditionExpression: 'pk = :pk AND sk <= :upto',
      ExpressionAttributeValues: { ':pk': 'ALERT#DUE', ':upto': '000000000700000~' },
      ScanIndexForward: true,
      Limit: 50,
      ConsistentRead: true,
    });
    expect(due).toEqual([DUE]);
  });

  it('claimTally: marks the same window sending; tells done from busy when the condition fails', async () => {
    ddb.on(UpdateCommand).resolvesOnce({ Attributes: WINDOW }).rejects(ccf());
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { ...WINDOW, tally: 'sending', tallyLeaseUntil: 50_000 } })
      .resolvesOnce({ Item: { ...WINDOW, startedAt: 9_999 } });

    const claimed = await store.claimTally(DUE, { now: 10_000, leaseMs: 45_000 });
    const busy = await store.claimTally(DUE, { now: 10_000, leaseMs: 45_000 });
    const done = await store.claimTally(DUE, { now: 10_000, leaseMs: 45_000 });

    expect(claimed).toMatchObject({
      status: 'claimed',
      window: { count: 3, categories: { 'out-of-memory': 3 } },
    });
    expect([busy, done]).toEqual([{ status: 'busy' }, { status: 'done' }]);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: 'greenlight',
      Key: { pk: `ALERT#WINDOW#${DUE.key}`, sk: 'WINDOW' },
      UpdateExpression: 'SET #tally = :sending, tallyLeaseUntil = :lease',
      ConditionExpression:
        'startedAt = :startedAt AND (attribute_not_exists(#tally) OR (#tally = :sending AND tallyLeaseUntil < :now))',
      ExpressionAttributeNames: { '#tally': 'tally' },
      ExpressionAttributeValues: {
        ':sending': 'sending',
        ':lease': 55_000,
        ':startedAt': 1_000,
        ':now': 10_000,
      },
      ReturnValues: 'ALL_NEW',
    });
  });

  it('completeTally: marks the window sent (if still the same) and deletes the entry', async () => {
    ddb.on(UpdateCommand).rejects(ccf());
    ddb.on(DeleteCommand).resolves({});

    await store.completeTally(DUE);

    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: 'greenlight',
      Key: { pk: `ALERT#WINDOW#${DUE.key}`, sk: 'WINDOW' },
      UpdateExpression: 'SET #tally = :sent REMOVE tallyLeaseUntil',
      ConditionExpression: 'startedAt = :startedAt',
      ExpressionAttributeNames: { '#tally': 'tally' },
      ExpressionAttributeValues: { ':sent': 'sent', ':startedAt': 1_000 },
    });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: 'greenlight',
      Key: { pk: 'ALERT#DUE', sk: dueSk(DUE) },
    });
  });
});
