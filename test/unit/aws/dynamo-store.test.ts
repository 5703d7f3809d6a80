import 'aws-sdk-client-mock-jest';
import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoStore, DynamoStoreError } from '../../../shared/aws/dynamo-store';
import { TTL_ATTRIBUTE } from '../../../shared/aws/table';
import { InvalidInputError, ThrottlingError } from '../../../shared/domain/errors';

const dynamo = mockClient(DynamoDBDocumentClient);
const store = new DynamoStore({
  client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
  tableName: 'greenlight',
});
const T0 = 1_700_000_000_000;

describe('DynamoStore', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  describe('error mapping', () => {
    it.each([
      [
        'ProvisionedThroughputExceededException',
        new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
      ],
      ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'account limit', $metadata: {} })],
      [
        'ThrottlingException',
        new DynamoDBServiceException({
          name: 'ThrottlingException',
          message: 'rate',
          $fault: 'client',
          $metadata: {},
        }),
      ],
    ])('rethrows %s as ThrottlingError with the cause kept', async (_name, cause) => {
      // Prepare
      dynamo.on(GetCommand).rejects(cause);

      // Act
      const error = await store.getDeployment('dep-1').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ThrottlingError);
      expect((error as Error).name).toBe('ThrottlingError');
      expect((error as Error).cause).toBe(cause);
      expect((error as Error).message).toContain('DynamoStore.getDeployment');
    });

    it('maps throttling on the lock write too, instead of reading it as a conflict', async () => {
      // Prepare
      dynamo
        .on(PutCommand)
        .rejects(new ProvisionedThroughputExceededException({ message: 'hot key', $metadata: {} }));

      // Act
      const acquiring = store.acquireLock('prod/web', 'dep-1', 60_000, T0);

      // Assess
      await expect(acquiring).rejects.toThrow(ThrottlingError);
      expect(dynamo).not.toHaveReceivedCommand(GetCommand);
    });

    it('wraps other DynamoDB errors in DynamoStoreError with the cause', async () => {
      // Prepare
      const cause = new DynamoDBServiceException({
        name: 'ResourceNotFoundException',
        message: 'Requested resource not found',
        $fault: 'client',
        $metadata: {},
      });
      dynamo.on(QueryCommand).rejects(cause);

      // Act
      const error = await store.listEvents('dep-1').catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(DynamoStoreError);
      expect((error as Error).message).toContain('table greenlight');
      expect((error as Error).message).toContain('ResourceNotFoundException');
      expect((error as Error).cause).toBe(cause);
    });
  });

  describe('requests', () => {
    it('writes the lock with an owner condition, epoch-ms expiry and an epoch-seconds TTL after it', async () => {
      // Prepare
      dynamo.on(PutCommand).resolves({});

      // Act
      await store.acquireLock('prod/web', 'dep-1', 60_000, T0);

      // Assess
      const input = dynamo.commandCalls(PutCommand)[0]!.args[0].input;
      expect(input).toMatchObject({
        TableName: 'greenlight',
        Item: { pk: 'LOCK#prod/web', sk: 'LOCK', owner: 'dep-1', expiresAt: T0 + 60_000 },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':now': T0, ':owner': 'dep-1' },
      });
      expect(input.Item?.[TTL_ATTRIBUTE]).toBeGreaterThan((T0 + 60_000) / 1000);
    });

    it('names every patched attribute through ExpressionAttributeNames and conditions on existence', async () => {
      // Prepare
      dynamo.on(UpdateCommand).resolves({});

      // Act
      await store.updateDeployment('dep-1', { status: 'PROMOTED', endedAt: T0, lastWeight: undefined });

      // Assess
      expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input).toStrictEqual({
        TableName: 'greenlight',
        Key: { pk: 'DEPLOYMENT#dep-1', sk: 'RECORD' },
        UpdateExpression: 'SET #a0 = :v0, #a1 = :v1',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#a0': 'status', '#a1': 'endedAt' },
        ExpressionAttributeValues: { ':v0': 'PROMOTED', ':v1': T0 },
      });
    });

    it("writes the gate's observation log as one list attribute of the record, undefined fields dropped", async () => {
      // Prepare
      dynamo.on(UpdateCommand).resolves({});
      const point = {
        at: T0,
        phase: 'step' as const,
        step: 1,
        weights: { blue: 75, green: 25 },
        newColor: 'green' as const,
        colors: {
          blue: { requests: 300, errors: 0, p99Ms: 41 },
          green: { requests: 100, errors: 7, p99Ms: null, healthy: 2, unhealthy: 0, stops: undefined },
        },
        verdict: 'fail' as const,
        decision: 'rollback' as const,
        alarms: ['web-5xx'],
      };

      // Act
      await store.updateDeployment('dep-1', { observations: [point] });

      // Assess
      expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input).toStrictEqual({
        TableName: 'greenlight',
        Key: { pk: 'DEPLOYMENT#dep-1', sk: 'RECORD' },
        UpdateExpression: 'SET #a0 = :v0',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#a0': 'observations' },
        ExpressionAttributeValues: {
          ':v0': [
            {
              at: T0,
              phase: 'step',
              step: 1,
              weights: { blue: 75, green: 25 },
              newColor: 'green',
              colors: {
                blue: { requests: 300, errors: 0, p99Ms: 41 },
                green: { requests: 100, errors: 7, p99Ms: null, healthy: 2, unhealthy: 0 },
              },
              verdict: 'fail',
              decision: 'rollback',
              alarms: ['web-5xx'],
            },
          ],
        },
      });
    });

    it('refuses a patch that would rewrite key attributes', async () => {
      // Act
      const updating = store.updateDeployment('dep-1', { pk: 'SERVICE#x' } as never);

      // Assess
      await expect(updating).rejects.toThrow(InvalidInputError);
      expect(dynamo).not.toHaveReceivedCommand(UpdateCommand);
    });

    it('reports a lock held by someone else after a refused write', async () => {
      // Prepare
      dynamo
        .on(PutCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
        );
      dynamo
        .on(GetCommand)
        .resolves({ Item: { pk: 'LOCK#prod/web', sk: 'LOCK', owner: 'dep-0', expiresAt: T0 + 5 } });

      // Act
      const result = await store.acquireLock('prod/web', 'dep-1', 60_000, T0);

      // Assess
      expect(result).toEqual({ acquired: false, heldBy: 'dep-0', expiresAt: T0 + 5 });
      expect(dynamo).toHaveReceivedCommandWith(GetCommand, {
        Key: { pk: 'LOCK#prod/web', sk: 'LOCK' },
        ConsistentRead: true,
      });
    });
  });

  describe('pending end notices', () => {
    const ended = {
      id: 'ecs-abc',
      service: 'web',
      cluster: 'prod',
      image: 'rev',
      requestedBy: 'ecs (lifecycle hook)',
      status: 'ROLLED_BACK',
      startedAt: T0,
      endedAt: T0 + 1,
    };

    it('puts the NOTICE marker before a patch that makes the notice PENDING', async () => {
      dynamo.on(PutCommand).resolves({});
      dynamo.on(UpdateCommand).resolves({});
      dynamo.on(DeleteCommand).resolves({});

      await store.updateDeployment('ecs-abc', {
        status: 'ROLLED_BACK',
        endedAt: T0 + 1,
        endNotice: { state: 'PENDING', attempts: 0 },
      });

      const calls = dynamo.calls().map((c) => c.args[0].constructor.name);
      expect(calls).toEqual(['PutCommand', 'UpdateCommand', 'DeleteCommand']);
      expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
        TableName: 'greenlight',
        Item: { pk: 'NOTICE', sk: 'DEPLOYMENT#ecs-abc', id: 'ecs-abc' },
      });
      // The OPEN marker goes with the final status.
      expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
        TableName: 'greenlight',
        Key: { pk: 'OPEN', sk: 'DEPLOYMENT#ecs-abc' },
      });
    });

    it('deletes the NOTICE marker after the patch that makes it SENT or GAVE_UP', async () => {
      dynamo.on(UpdateCommand).resolves({});
      dynamo.on(DeleteCommand).resolves({});

      await store.updateDeployment('ecs-abc', { endNotice: { state: 'SENT', attempts: 1 } });

      expect(dynamo.calls().map((c) => c.args[0].constructor.name)).toEqual([
        'UpdateCommand',
        'DeleteCommand',
      ]);
      expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
        TableName: 'greenlight',
        Key: { pk: 'NOTICE', sk: 'DEPLOYMENT#ecs-abc' },
      });
    });

    it('lists the records still PENDING and drops markers whose record says otherwise', async () => {
      dynamo.on(QueryCommand).resolves({
        Items: [
          { pk: 'NOTICE', sk: 'DEPLOYMENT#ecs-abc', id: 'ecs-abc' },
          { pk: 'NOTICE', sk: 'DEPLOYMENT#ecs-sent', id: 'ecs-sent' },
        ],
      });
      dynamo.on(GetCommand, { Key: { pk: 'DEPLOYMENT#ecs-abc', sk: 'RECORD' } }).resolves({
        Item: {
          ...ended,
          pk: 'DEPLOYMENT#ecs-abc',
          sk: 'RECORD',
          endNotice: { state: 'PENDING', attempts: 1 },
        },
      });
      dynamo
        .on(GetCommand, { Key: { pk: 'DEPLOYMENT#ecs-sent', sk: 'RECORD' } })
        .resolves({ Item: { ...ended, id: 'ecs-sent', endNotice: { state: 'SENT', attempts: 1 } } });
      dynamo.on(DeleteCommand).resolves({});

      const pending = await store.listPendingNotices();

      expect(pending.map((r) => r.id)).toEqual(['ecs-abc']);
      expect(dynamo).toHaveReceivedCommandWith(QueryCommand, {
        TableName: 'greenlight',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'NOTICE', ':prefix': 'DEPLOYMENT#' },
        ConsistentRead: true,
      });
      expect(dynamo).toHaveReceivedCommandTimes(DeleteCommand, 1);
      expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
        TableName: 'greenlight',
        Key: { pk: 'NOTICE', sk: 'DEPLOYMENT#ecs-sent' },
      });
    });
  });

  describe('appendEventOnce', () => {
    const DIGEST = createHash('sha256').update('ecs:PRE_SCALE_UP:rev:SUCCEEDED').digest('hex').slice(0, 24);
    const event = { at: T0 + 5, type: 'hook-verdict', message: 'ECS hook PRE_SCALE_UP: passed' };

    it('puts the key marker under a condition, then the event under a sort key made of its time and key', async () => {
      // Prepare
      dynamo.on(PutCommand).resolves({});

      // Act
      const fresh = await store.appendEventOnce('ecs-abc', 'ecs:PRE_SCALE_UP:rev:SUCCEEDED', event);

      // Assess
      expect(fresh).toBe(true);
      const inputs = dynamo.commandCalls(PutCommand).map((c) => c.args[0].input);
      expect(inputs).toEqual([
        {
          TableName: 'greenlight',
          Item: {
            pk: 'DEPLOYMENT#ecs-abc',
            sk: `EVENTKEY#${DIGEST}`,
            key: 'ecs:PRE_SCALE_UP:rev:SUCCEEDED',
            at: T0 + 5,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
        {
          TableName: 'greenlight',
          Item: { ...event, pk: 'DEPLOYMENT#ecs-abc', sk: `EVENT#00${T0 + 5}#k${DIGEST}` },
        },
      ]);
    });

    it('on a repeat rewrites the first write’s event item (its time from the marker), adding none', async () => {
      // Prepare
      dynamo
        .on(PutCommand, { Item: { sk: `EVENTKEY#${DIGEST}` } })
        .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
      dynamo.on(PutCommand, { Item: { sk: `EVENT#00${T0 + 5}#k${DIGEST}` } }).resolves({});
      dynamo
        .on(GetCommand)
        .resolves({ Item: { pk: 'DEPLOYMENT#ecs-abc', sk: `EVENTKEY#${DIGEST}`, at: T0 + 5 } });

      // Act
      const fresh = await store.appendEventOnce('ecs-abc', 'ecs:PRE_SCALE_UP:rev:SUCCEEDED', {
        ...event,
        at: T0 + 9_000,
      });

      // Assess
      expect(fresh).toBe(false);
      expect(dynamo).toHaveReceivedCommandWith(GetCommand, {
        TableName: 'greenlight',
        Key: { pk: 'DEPLOYMENT#ecs-abc', sk: `EVENTKEY#${DIGEST}` },
        ConsistentRead: true,
      });
      const last = dynamo.commandCalls(PutCommand).at(-1)!.args[0].input;
      expect(last.Item).toEqual({ ...event, pk: 'DEPLOYMENT#ecs-abc', sk: `EVENT#00${T0 + 5}#k${DIGEST}` });
    });
  });
});
