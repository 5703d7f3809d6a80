import 'aws-sdk-client-mock-jest';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { EcsTaskRunner, EcsTaskRunnerError } from '../../../shared/aws/ecs-task-runner';
import { ThrottlingError } from '../../../shared/domain/errors';
import type { TaskRequest } from '../../../shared/ports/task-runner';

const ecs = mockClient(ECSClient);
const runner = new EcsTaskRunner({ client: new ECSClient({ region: 'eu-west-1' }) });
const TD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/report:3';
const TASK = 'arn:aws:ecs:eu-west-1:123456789012:task/jobs/0123456789abcdef';

const request: TaskRequest = {
  cluster: 'jobs',
  taskDefinition: TD,
  launchType: 'FARGATE',
  network: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: false },
  overrides: { containerOverrides: [{ name: 'job', command: ['run'] }] },
  startedBy: 'greenlight/schedule/nightly-report',
  clientToken: 'token-1',
  tags: [{ key: 'greenlight:schedule', value: 'nightly-report' }],
};

beforeEach(() => ecs.reset());

describe('EcsTaskRunner', () => {
  it('starts one task with exactly the request’s settings', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK, taskDefinitionArn: TD }], failures: [] });
    await expect(runner.start(request)).resolves.toEqual({
      started: true,
      taskArn: TASK,
      taskDefinitionArn: TD,
    });
    expect(ecs).toHaveReceivedCommandWith(RunTaskCommand, {
      cluster: 'jobs',
      taskDefinition: TD,
      count: 1,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
      },
      overrides: { containerOverrides: [{ name: 'job', command: ['run'] }] },
      startedBy: 'greenlight/schedule/nightly-report',
      clientToken: 'token-1',
      tags: [{ key: 'greenlight:schedule', value: 'nightly-report' }],
    });
    expect(ecs.commandCalls(RunTaskCommand)[0]!.args[0].input).toEqual({
      cluster: 'jobs',
      taskDefinition: TD,
      count: 1,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
      },
      overrides: { containerOverrides: [{ name: 'job', command: ['run'] }] },
      startedBy: 'greenlight/schedule/nightly-report',
      clientToken: 'token-1',
      tags: [{ key: 'greenlight:schedule', value: 'nightly-report' }],
    });
  });

  it('passes a capacity provider strategy and placement instead of a launch type', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
    const { launchType: _l, network: _n, ...rest } = request;
    await runner.start({
      ...rest,
      capacityProviderStrategy: [{ capacityProvider: 'spot', weight: 1 }],
      placementStrategy: [{ type: 'binpack', field: 'memory' }],
      placementConstraints: [{ type: 'distinctInstance' }],
    });
    expect(ecs.commandCalls(RunTaskCommand)[0]!.args[0].input).toMatchObject({
      capacityProviderStrategy: [{ capacityProvider: 'spot', weight: 1 }],
      placementStrategy: [{ type: 'binpack', field: 'memory' }],
      placementConstraints: [{ type: 'distinctInstance' }],
    });
    expect(ecs.commandCalls(RunTaskCommand)[0]!.args[0].input).not.toHaveProperty('launchType');
  });

  it('returns RunTask failures[] as a result when no task was placed', async () => {
    ecs.on(RunTaskCommand).resolves({
      tasks: [],
      failures: [
        { arn: 'arn:aws:ecs:eu-west-1:123456789012:container-instance/jobs/i-1', reason: 'RESOURCE:MEMORY' },
      ],
    });
    await expect(runner.start(request)).resolves.toEqual({
      started: false,
      failures: [
        { arn: 'arn:aws:ecs:eu-west-1:123456789012:container-instance/jobs/i-1', reason: 'RESOURCE:MEMORY' },
      ],
    });
  });

  it('describes a task by cluster and ARN, with its containers’ exit codes and reasons', async () => {
    ecs.on(DescribeTasksCommand, { cluster: 'jobs', tasks: [TASK] }).resolves({
      tasks: [
        {
          taskArn: TASK,
          lastStatus: 'STOPPED',
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          startedAt: new Date(1_000),
          stoppedAt: new Date(61_000),
          containers: [
            { name: 'job', exitCode: 0 },
            { name: 'log-router', exitCode: 137, reason: 'killed' },
            { name: 'init' },
          ],
        },
      ],
    });
    await expect(runner.describe('jobs', TASK)).resolves.toEqual({
      taskArn: TASK,
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      startedAt: 1_000,
      stoppedAt: 61_000,
      containers: [
        { name: 'job', exitCode: 0 },
        { name: 'log-router', exitCode: 137, reason: 'killed' },
        { name: 'init' },
      ],
    });
  });

  it('answers null for a task ECS reports MISSING', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: TASK, reason: 'MISSING' }] });
    await expect(runner.describe('jobs', TASK)).resolves.toBeNull();
  });

  it('stops a task with the reason cut to ECS’s 255 characters', async () => {
    ecs.on(StopTaskCommand).resolves({});
    await runner.stop('jobs', TASK, 'r'.repeat(300));
    expect(ecs.commandCalls(StopTaskCommand)[0]!.args[0].input).toEqual({
      cluster: 'jobs',
      task: TASK,
      reason: 'r'.repeat(255),
    });
  });

  it('reads the task definition a service runs now, and refuses an inactive service', async () => {
    ecs
      .on(DescribeServicesCommand, { cluster: 'jobs', services: ['web'] })
      .resolves({ services: [{ status: 'ACTIVE', taskDefinition: TD }] });
    await expect(runner.serviceTaskDefinition('jobs', 'web')).resolves.toBe(TD);
    ecs
      .on(DescribeServicesCommand, { cluster: 'jobs', services: ['gone'] })
      .resolves({ services: [], failures: [{ reason: 'MISSING' }] });
    await expect(runner.serviceTaskDefinition('jobs', 'gone')).rejects.toThrow(
      /gone not found or not active in cluster jobs \(MISSING\)/,
    );
  });

  it('turns throttling into ThrottlingError and other errors into EcsTaskRunnerError', async () => {
    const exception = (name: string) =>
      new ECSServiceException({ name, $fault: 'client', $metadata: {}, message: name });
    ecs.on(RunTaskCommand).rejects(exception('ThrottlingException'));
    await expect(runner.start(request)).rejects.toBeInstanceOf(ThrottlingError);
    ecs.reset();
    ecs.on(RunTaskCommand).rejects(exception('AccessDeniedException'));
    await expect(runner.start(request)).rejects.toBeInstanceOf(EcsTaskRunnerError);
  });
});
