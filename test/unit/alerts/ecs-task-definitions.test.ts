import 'aws-sdk-client-mock-jest';
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  ECSClient,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { EcsTaskDefinitions, EcsTaskDefinitionsError } from '../../../shared/aws/ecs-task-definitions';
import { ThrottlingError } from '../../../shared/domain/errors';

const ecs = mockClient(ECSClient);
const ARN = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/web:42';
const client = new ECSClient({ region: 'eu-west-1' });

function definition(): TaskDefinition {
  return {
    taskDefinitionArn: ARN,
    family: 'web',
    revision: 42,
    containerDefinitions: [
      {
        name: 'app',
        image: 'web:1.8.3',
        essential: true,
        environment: [{ name: 'DB_PASSWORD', value: 'Zq9-from-the-task-definition' }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/ecs/web',
            'awslogs-region': 'eu-west-1',
            'awslogs-stream-prefix': 'web',
            mode: 'non-blocking',
          },
        },
      },
      {
        name: 'splunk-forwarder',
        essential: false,
        logConfiguration: {
          logDriver: 'splunk',
          options: { 'splunk-token': 'Zq9-splunk-token', 'splunk-url': 'https://splunk' },
        },
      },
      { name: 'sidecar' },
    ],
  };
}

describe('EcsTaskDefinitions', () => {
  beforeEach(() => {
    ecs.reset();
  });

  it('describes the revision by ARN and keeps only containers, essential flags and awslogs settings', async () => {
    // Prepare
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: definition() });
    const definitions = new EcsTaskDefinitions({ client });

    // Act
    const summary = await definitions.describe(ARN);

    // Assess
    expect(ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 1);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0]!.args[0].input).toStrictEqual({
      taskDefinition: ARN,
    });
    expect(summary).toStrictEqual({
      taskDefinitionArn: ARN,
      family: 'web',
      revision: 42,
      containers: [
        {
          name: 'app',
          essential: true,
          logs: { driver: 'awslogs', group: '/ecs/web', region: 'eu-west-1', streamPrefix: 'web' },
        },
        { name: 'splunk-forwarder', essential: false, logs: { driver: 'splunk' } },
        { name: 'sidecar', essential: true },
      ],
    });
    expect(JSON.stringify(summary)).not.toMatch(/Zq9/);
  });

  it('describes each revision once per container, concurrent lookups included', async () => {
    // Prepare
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: definition() });
    const definitions = new EcsTaskDefinitions({ client });

    // Act
    const results = await Promise.all([definitions.describe(ARN), definitions.describe(ARN)]);
    await definitions.describe(ARN);

    // Assess
    expect(results[0]).toBe(results[1]);
    expect(ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 1);
  });

  it('drops the least recently used revision when the cache is full', async () => {
    // Prepare
    ecs.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => ({
      taskDefinition: { ...definition(), taskDefinitionArn: input.taskDefinition },
    }));
    const definitions = new EcsTaskDefinitions({ client, cacheSize: 2 });

    // Act
    await definitions.describe('web:1');
    await definitions.describe('web:2');
    await definitions.describe('web:1');
    await definitions.describe('web:3');
    await definitions.describe('web:1');
    await definitions.describe('web:2');

    // Assess
    expect(
      ecs.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition),
    ).toEqual(['web:1', 'web:2', 'web:3', 'web:2']);
  });

  it('answers null for a revision ECS does not know', async () => {
    // Prepare
    ecs
      .on(DescribeTaskDefinitionCommand)
      .rejects(new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }));
    const definitions = new EcsTaskDefinitions({ client });

    // Act
    const summary = await definitions.describe(ARN);

    // Assess
    expect(summary).toBeNull();
  });

  it('maps throttling to ThrottlingError and does not cache the failure', async () => {
    // Prepare
    ecs
      .on(DescribeTaskDefinitionCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ taskDefinition: definition() });
    const definitions = new EcsTaskDefinitions({ client });

    // Act
    const error = await definitions.describe(ARN).catch((e: unknown) => e);
    const summary = await definitions.describe(ARN);

    // Assess
    expect(error).toBeInstanceOf(ThrottlingError);
    expect(summary?.family).toBe('web');
    expect(ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 2);
  });

  it('wraps other failures, naming the operation and keeping the cause', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized to perform ecs:DescribeTaskDefinition'), {
      name: 'AccessDeniedException',
    });
    ecs.on(DescribeTaskDefinitionCommand).rejects(denied);
    const definitions = new EcsTaskDefinitions({ client });

    // Act
    const error = await definitions.describe(ARN).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(EcsTaskDefinitionsError);
    expect((error as Error).message).toBe(
      `ECS DescribeTaskDefinition (${ARN}) failed: AccessDeniedException: not authorized to perform ecs:DescribeTaskDefinition`,
    );
    expect((error as Error).cause).toBe(denied);
  });
});
