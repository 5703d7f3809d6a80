import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { deployStepFactories } from '../../../functions/deploy';
import { specFor } from '../../fixtures/spec';

const ROOT = path.join(__dirname, '../../..');
const FUNCTIONS_DIR = path.join(ROOT, 'functions');
const ENTRY_DIR = path.join(FUNCTIONS_DIR, 'deploy/lambda');

/** The areas of functions/ (deploy, api, pipeline, alerts, reconcile ...). */
const AREAS = readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** Every Lambda entry file, as `<area>/lambda/<fn>`. */
const ENTRIES = AREAS.flatMap((area) => {
  const dir = path.join(FUNCTIONS_DIR, area, 'lambda');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((file) => file.endsWith('.ts'))
        .map((file) => `${area}/lambda/${file.replace(/\.ts$/, '')}`)
    : [];
});

const ENV = {
  TABLE_NAME: 'greenlight-test',
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:greenlight-test',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:greenlight-test-blue-green',
  AWS_REGION: 'eu-west-1',
  SCHEDULE_GROUP: 'greenlight-test',
  SCHEDULED_TASK_STATE_MACHINE_ARN:
    'arn:aws:states:eu-west-1:123456789012:stateMachine:greenlight-test-scheduled-task',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/greenlight-test-SchedulerRole',
  SCHEDULES_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:greenlight-test-schedules-dlq',
  ECS_OTHER_HOOK_ROLE_PATTERN: 'none',
};

describe('blue/green Lambda entries', () => {
  const env = { ...process.env };
  beforeAll(() => {
    process.env.TABLE_NAME = 'greenlight-test';
    process.env.TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:greenlight-test';
    process.env.AWS_REGION = 'eu-west-1';
    process.env.ECS_OTHER_HOOK_ROLE_PATTERN = 'none';
  });
  afterAll(() => {
    process.env = env;
  });

  it('has exactly one entry per step', () => {
    const entries = readdirSync(ENTRY_DIR).map((file) => file.replace(/\.ts$/, ''));
    expect(entries.sort()).toEqual(Object.keys(deployStepFactories).sort());
  });

  it.each(Object.keys(deployStepFactories))(
    'builds the %s handler from the production adapters',
    async (key) => {
      const entry = (await import(path.join(ENTRY_DIR, key))) as { handler: unknown };
      expect(typeof entry.handler).toBe('function');
    },
  );
});

describe('Lambda entries of every area', () => {
  const env = { ...process.env };
  beforeAll(() => {
    Object.assign(process.env, ENV);
  });
  afterAll(() => {
    process.env = env;
  });

  it('gives every area its entries in functions/<area>/lambda/, and no other entry convention', () => {
    for (const area of AREAS) {
      expect({ area, entries: ENTRIES.some((entry) => entry.startsWith(`${area}/`)) }).toEqual({
        area,
        entries: true,
      });
      expect({ area, handlers: existsSync(path.join(FUNCTIONS_DIR, area, 'handlers.ts')) }).toEqual({
        area,
        handlers: false,
      });
    }
  });

  it.each(ENTRIES)('builds the %s handler from the production adapters', async (entryPath) => {
    const entry = (await import(path.join(FUNCTIONS_DIR, entryPath))) as { handler: unknown };
    expect(typeof entry.handler).toBe('function');
  });
});

interface AslState {
  Type: string;
  Resource?: unknown;
  Branches?: { States: Record<string, AslState> }[];
  ItemProcessor?: { States: Record<string, AslState> };
}

/** The Task states of a workflow (nested ones included) and the function key each calls. */
function taskStates(states: Record<string, AslState>): { state: string; key: string }[] {
  return Object.entries(states).flatMap(([state, s]) => [
    ...(s.Type === 'Task'
      ? [{ state, key: (s.Resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0] }]
      : []),
    ...(s.Branches ?? []).flatMap((branch) => taskStates(branch.States)),
    ...(s.ItemProcessor ? taskStates(s.ItemProcessor.States) : []),
  ]);
}

describe("README's map from states to files", () => {
  it('names every Task state of the blue/green workflow with its function key and file, and nothing else', () => {
    // Prepare
    const asl = JSON.parse(readFileSync(path.join(ROOT, 'statemachines/blue-green.asl.json'), 'utf8')) as {
      States: Record<string, AslState>;
    };
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### From a state to its file')).split(/\n#/)[0]!;

    // Act
    const rows = [...section.matchAll(/^\| `([^`]+)` \| `([^`]+)` \| `([^`]+)` \|$/gm)].map(
      ([, state, key, file]) => ({ state, key, file }),
    );

    // Assess
    const expected = taskStates(asl.States).map(({ state, key }) => ({
      state,
      key,
      file: `functions/deploy/${key}.ts`,
    }));
    const byState = (a: { state?: string }, b: { state?: string }) => (a.state! < b.state! ? -1 : 1);
    expect(rows.sort(byState)).toEqual(expected.sort(byState));
    for (const { file } of rows)
      expect({ file, exists: existsSync(path.join(ROOT, file!)) }).toEqual({ file, exists: true });
  });
});

describe('AWS entries refuse the rehearsal’s lag-free metrics model before any AWS call', () => {
  const env = { ...process.env };
  const sfn = mockClient(SFNClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const elb = mockClient(ElasticLoadBalancingV2Client);
  const cloudwatch = mockClient(CloudWatchClient);
  const mocks = [sfn, dynamo, elb, cloudwatch];
  const spec = { ...specFor(), metrics: { periodSeconds: 1, publishDelaySeconds: 0 } };
  const context = { functionName: 'test', awsRequestId: 'r-1' } as Context;
  beforeAll(() => {
    Object.assign(process.env, ENV);
  });
  beforeEach(() => mocks.forEach((m) => m.reset()));
  afterAll(() => {
    process.env = env;
    mocks.forEach((m) => m.restore());
  });
  const noCall = () => {
    for (const m of mocks) expect(m.calls()).toHaveLength(0);
  };

  it('Prepare: InvalidInputError naming spec.metrics.periodSeconds', async () => {
    // Act
    const entry = (await import(path.join(ENTRY_DIR, 'prepare'))) as {
      handler: (event: unknown, context: Context) => Promise<unknown>;
    };
    const preparing = entry.handler(
      { deploymentId: 'web-1', image: 'registry/web:2', spec, requestedBy: 'ops' },
      context,
    );

    // Assess
    await expect(preparing).rejects.toMatchObject({
      name: 'InvalidInputError',
      issues: [{ path: 'spec.metrics.periodSeconds' }],
    });
    noCall();
  });

  it('the deploy API: 400 naming spec.metrics.periodSeconds', async () => {
    // Act
    const entry = (await import(path.join(FUNCTIONS_DIR, 'api/lambda/api'))) as {
      handler: (event: unknown, context: Context) => Promise<{ statusCode: number; body: string }>;
    };
    const response = await entry.handler(
      {
        version: '2.0',
        routeKey: 'POST /deployments',
        rawPath: '/deployments',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image: 'registry/web:2', spec }),
        isBase64Encoded: false,
        requestContext: {
          http: { method: 'POST', path: '/deployments' },
          authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/ops' } },
        },
      },
      context,
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('spec.metrics.periodSeconds');
    noCall();
  });
});
