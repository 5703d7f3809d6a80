/**
 * The deploy API on its production adapters (Step Functions, DynamoDB) with mocked SDK clients:
 * the exact calls a request makes, and what the API answers for what AWS answers.
 */
import 'aws-sdk-client-mock-jest';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handleApiRequest, type ApiDeps } from '../../../functions/api/api';
import { canonicalJson, deploymentIdFor } from '../../../functions/deploy/start';
import { DynamoDeploymentLookup } from '../../../shared/aws/dynamo-deployment-lookup';
import { DynamoStore } from '../../../shared/aws/dynamo-store';
import { SfnExecutions } from '../../../shared/aws/sfn-executions';
import { ManualClock, silentLogger } from '../../support/memory-ports';
import { apiEvent, bodyOf, CALLER } from '../../fixtures/api-events';
import { specFor } from '../../fixtures/spec';

const sfn = mockClient(SFNClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const TABLE = 'greenlight-prod-deployments';
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:greenlight-prod-blue-green';
const EXECUTION_PREFIX = 'arn:aws:states:eu-west-1:123456789012:execution:greenlight-prod-blue-green:';
const notFound = Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' });

function deps(): ApiDeps {
  const clock = new ManualClock(NOW);
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  return {
    executions: new SfnExecutions({
      client: new SFNClient({ region: 'eu-west-1' }),
      stateMachineArn: STATE_MACHINE,
    }),
    store: new DynamoStore({ client: documentClient, tableName: TABLE }),
    deployments: new DynamoDeploymentLookup({ client: documentClient, tableName: TABLE, clock }),
    clock,
    logger: silentLogger(),
  };
}

const body = { image: 'registry/web:2', spec: specFor() };
const id = deploymentIdFor('web', 'job-1', NOW);
const deploy = () =>
  handleApiRequest(deps(), apiEvent('POST /deployments', { body, headers: { 'idempotency-key': 'job-1' } }));

describe('deploy API on Step Functions and DynamoDB', () => {
  beforeEach(() => {
    sfn.reset();
    dynamo.reset();
  });

  it('looks the execution up, reads the service lock, then starts the execution named after the deployment', async () => {
    sfn.on(DescribeExecutionCommand).rejects(notFound);
    dynamo.on(GetCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${EXECUTION_PREFIX}${id}` });

    const result = await deploy();

    expect(result.statusCode).toBe(202);
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
      executionArn: `${EXECUTION_PREFIX}${id}`,
    });
    expect(dynamo).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, {
      TableName: TABLE,
      Key: { pk: 'LOCK#local/web', sk: 'LOCK' },
    });
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: id,
      input: canonicalJson({ ...body, deploymentId: id, requestedBy: CALLER }),
    });
  });

  it('answers a retry of an execution that exists with it (200), without reading the lock', async () => {
    const input = canonicalJson({ ...body, deploymentId: id, requestedBy: CALLER });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', input });
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' }));

    const result = await deploy();

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ deploymentId: id, outcome: 'existing' });
    expect(dynamo).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('refuses (409) while another deployment holds an unexpired lock, naming it and its latest step', async () => {
    sfn.on(DescribeExecutionCommand).rejects(notFound);
    dynamo
      .on(GetCommand)
      .resolves({ Item: { pk: 'LOCK#local/web', sk: 'LOCK', owner: 'web-older', expiresAt: NOW + 60_000 } });
    dynamo.on(QueryCommand).resolves({ Items: [{ type: 'STEP_STARTED', message: 'step 1 at 10 %' }] });

    const result = await deploy();

    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({ error: 'ServiceBusyError', runningDeployment: 'web-older' });
    expect(String(bodyOf(result).message)).toContain('web-older (STEP_STARTED: step 1 at 10 %)');
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  it('answers 503 with Retry-After when Step Functions throttles', async () => {
    sfn.on(DescribeExecutionCommand).rejects(notFound);
    dynamo.on(GetCommand).resolves({});
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const result = await deploy();

    expect(result.statusCode).toBe(503);
    expect(result.headers?.['retry-after']).toBe('5');
  });

  it('answers 500 without AWS details when Step Functions refuses for another reason', async () => {
    sfn.on(DescribeExecutionCommand).rejects(notFound);
    dynamo.on(GetCommand).resolves({});
    sfn.on(StartExecutionCommand).rejects(
      Object.assign(new Error('User: arn:aws:sts::123:x is not authorized'), {
        name: 'AccessDeniedException',
      }),
    );

    const result = await deploy();

    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('not authorized');
  });

  it('writes a command to the record (conditional update) and its history event', async () => {
    const record = {
      id: 'web-1',
      service: 'web',
      cluster: 'local',
      image: 'i',
      requestedBy: 'x',
      status: 'IN_PROGRESS',
      startedAt: 1,
    };
    dynamo.on(GetCommand).resolves({ Item: { pk: 'DEPLOYMENT#web-1', sk: 'RECORD', ...record } });
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(PutCommand).resolves({});

    const result = await handleApiRequest(
      deps(),
      apiEvent('POST /deployments/{id}/{action}', { pathParameters: { id: 'web-1', action: 'abort' } }),
    );

    expect(result.statusCode).toBe(202);
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, {
      TableName: TABLE,
      Key: { pk: 'DEPLOYMENT#web-1', sk: 'RECORD' },
      ConsistentRead: true,
    });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'DEPLOYMENT#web-1', sk: 'RECORD' },
      UpdateExpression: 'SET #a0 = :v0',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#a0': 'control' },
      ExpressionAttributeValues: { ':v0': { action: 'abort', by: CALLER, at: NOW } },
    });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: TABLE,
      Item: expect.objectContaining({ pk: 'DEPLOYMENT#web-1', type: 'CONTROL_ABORT', data: { by: CALLER } }),
    });
  });
});

describe('functions/api/lambda/api (production wiring)', () => {
  const ENV = {
    TABLE_NAME: TABLE,
    STATE_MACHINE_ARN: STATE_MACHINE,
    AWS_REGION: 'eu-west-1',
    SCHEDULE_GROUP: 'greenlight-test',
    SCHEDULED_TASK_STATE_MACHINE_ARN:
      'arn:aws:states:eu-west-1:123456789012:stateMachine:greenlight-test-scheduled-task',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/greenlight-test-SchedulerRole',
    SCHEDULES_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:greenlight-test-schedules-dlq',
  };
  let saved: NodeJS.ProcessEnv;
  beforeEach(() => {
    saved = { ...process.env };
  });
  afterEach(() => {
    process.env = saved;
  });

  it('exports the API handler, built once from a valid environment', () => {
    Object.assign(process.env, ENV);
    jest.isolateModules(() => {
      const entry = require('../../../functions/api/lambda/api') as { handler: unknown };
      expect(typeof entry.handler).toBe('function');
    });
  });

  it('refuses to start without the state machine ARN, naming the variable', () => {
    Object.assign(process.env, ENV);
    delete process.env.STATE_MACHINE_ARN;
    jest.isolateModules(() => {
      expect(() => require('../../../functions/api/lambda/api')).toThrow('env.STATE_MACHINE_ARN');
    });
  });
});
