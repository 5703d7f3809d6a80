import 'aws-sdk-client-mock-jest';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  ServiceNotFoundException,
  UpdateServiceCommand,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { EcsFleet, EcsFleetError, EcsServiceNotFoundError } from '../../../shared/aws/ecs-fleet';
import { InvalidInputError, ThrottlingError } from '../../../shared/domain/errors';

const ecs = mockClient(ECSClient);
const fleet = new EcsFleet({ client: new ECSClient({ region: 'eu-west-1' }) });
const slot = { cluster: 'prod', service: 'web-green' };
const FROM = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:41';
const NEW_ARN = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42';

/** A described revision: writable fields plus every read-only field DescribeTaskDefinition returns. */
function describedTaskDefinition(): TaskDefinition {
  return {
    taskDefinitionArn: FROM,
    family: 'web',
    revision: 41,
    status: 'ACTIVE',
    taskRoleArn: 'arn:aws:iam::123456789012:role/web-task',
    executionRoleArn: 'arn:aws:iam::123456789012:role/web-exec',
    networkMode: 'awsvpc',
    cpu: '512',
    memory: '1024',
    requiresCompatibilities: ['FARGATE'],
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
    runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    volumes: [{ name: 'scratch' }],
    registeredAt: new Date('2026-01-01T00:00:00Z'),
    registeredBy: 'arn:aws:sts::123456789012:assumed-role/deployer/ci',
    deregisteredAt: new Date('2026-01-02T00:00:00Z'),
    containerDefinitions: [
      {
        name: 'app',
        image: 'web:1.0.0',
        essential: true,
        portMappings: [{ containerPort: 8080 }],
        environment: [{ name: 'MODE', value: 'prod' }],
      },
      { name: 'log-router', image: 'fluent-bit:2.1', essential: false },
    ],
  };
}

describe('EcsFleet', () => {
  beforeEach(() => {
    ecs.reset();
  });

  describe('describe', () => {
    it('reports counts, task definition and a steady rollout', async () => {
      // Prepare
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            serviceName: 'web-green',
            status: 'ACTIVE',
            desiredCount: 3,
            runningCount: 3,
            pendingCount: 0,
            taskDefinition: FROM,
            deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
          },
        ],
      });

      // Act
      const status = await fleet.describe(slot);

      // Assess
      expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, {
        cluster: 'prod',
        services: ['web-green'],
      });
      expect(status).toEqual({
        desiredCount: 3,
        runningCount: 3,
        pendingCount: 0,
        taskDefinition: FROM,
        steady: true,
      });
    });

    it.each([
      ['two deployments', [{ rolloutState: 'COMPLETED' }, { rolloutState: 'IN_PROGRESS' }], 3],
      ['a rollout in progress', [{ rolloutState: 'IN_PROGRESS' }], 3],
      ['fewer running tasks than desired', [{ rolloutState: 'COMPLETED' }], 2],
    ] as const)('is not steady with %s', async (_case, deployments, runningCount) => {
      // Prepare
      ecs.on(DescribeServicesCommand).resolves({
        services: [{ status: 'ACTIVE', desiredCount: 3, runningCount, deployments: [...deployments] }],
      });

      // Act
      const status = await fleet.describe(slot);

      // Assess
      expect(status.steady).toBe(false);
    });

    it("reports the deployments ECS's circuit breaker failed, with their revision and reason", async () => {
      // Prepare: with rollback on, ECS has started a new PRIMARY on the previous revision.
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            status: 'ACTIVE',
            desiredCount: 2,
            runningCount: 0,
            taskDefinition: FROM,
            deployments: [
              { status: 'PRIMARY', taskDefinition: FROM, rolloutState: 'IN_PROGRESS' },
              {
                status: 'ACTIVE',
                taskDefinition: `${FROM}-new`,
                rolloutState: 'FAILED',
                rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
              },
            ],
          },
        ],
      });

      // Act
      const status = await fleet.describe(slot);

      // Assess
      expect(status.steady).toBe(false);
      expect(status.failedRollouts).toEqual([
        { taskDefinition: `${FROM}-new`, reason: 'ECS deployment circuit breaker: tasks failed to start.' },
      ]);
    });

    it('is steady without a rollout state (circuit breaker off) and null task definition when never deployed', async () => {
      // Prepare
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          { status: 'ACTIVE', desiredCount: 0, runningCount: 0, deployments: [{ status: 'PRIMARY' }] },
        ],
      });

      // Act
      const status = await fleet.describe(slot);

      // Assess
      expect(status).toEqual({
        desiredCount: 0,
        runningCount: 0,
        pendingCount: 0,
        taskDefinition: null,
        steady: true,
      });
    });

    it('names the service when ECS reports it missing', async () => {
      // Prepare
      ecs.on(DescribeServicesCommand).resolves({
        services: [],
        failures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web-green', reason: 'MISSING' }],
      });

      // Act
      const describing = fleet.describe(slot);

      // Assess
      await expect(describing).rejects.toThrow(EcsServiceNotFoundError);
      await expect(describing).rejects.toThrow('ECS service web-green not found in cluster prod (MISSING)');
    });

    it('treats an INACTIVE (deleted) service as missing', async () => {
      // Prepare
      ecs
        .on(DescribeServicesCommand)
        .resolves({ services: [{ serviceName: 'web-green', status: 'INACTIVE' }] });

      // Act
      const describing = fleet.describe(slot);

      // Assess
      await expect(describing).rejects.toThrow(EcsServiceNotFoundError);
    });
  });

  describe('readRevision', () => {
    it('describes the revision (no tags, nothing registered) and returns its writable fields as JSON', async () => {
      // Prepare
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition() });

      // Act
      const definition = await fleet.readRevision(FROM);

      // Assess
      expect(ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 1);
      expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: FROM });
      expect(ecs.calls()).toHaveLength(1);
      const {
        taskDefinitionArn: _arn,
        revision: _revision,
        status: _status,
        compatibilities: _compatibilities,
        requiresAttributes: _requires,
        registeredAt: _at,
        registeredBy: _by,
        deregisteredAt: _deregistered,
        ...writable
      } = describedTaskDefinition();
      expect(definition).toEqual(writable);
    });

    it('fails when ECS describes no task definition', async () => {
      ecs.on(DescribeTaskDefinitionCommand).resolves({});

      await expect(fleet.readRevision(FROM)).rejects.toThrow(EcsFleetError);
    });
  });

  describe('registerRevision', () => {
    it('clones the task definition without read-only fields, changing only the named image and keeping tags', async () => {
      // Prepare
      ecs.on(DescribeTaskDefinitionCommand).resolves({
        taskDefinition: describedTaskDefinition(),
        tags: [
          { key: 'team', value: 'payments' },
          { key: 'aws:cloudformation:stack-name', value: 'web' },
        ],
      });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW_ARN } });

      // Act
      const arn = await fleet.registerRevision({ from: FROM, container: 'app', image: 'web:2.0.0' });

      // Assess
      expect(arn).toBe(NEW_ARN);
      expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
        taskDefinition: FROM,
        include: ['TAGS'],
      });
      expect(ecs).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 1);
      const sent = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input;
      expect(sent).toStrictEqual({
        family: 'web',
        taskRoleArn: 'arn:aws:iam::123456789012:role/web-task',
        executionRoleArn: 'arn:aws:iam::123456789012:role/web-exec',
        networkMode: 'awsvpc',
        cpu: '512',
        memory: '1024',
        requiresCompatibilities: ['FARGATE'],
        runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
        volumes: [{ name: 'scratch' }],
        containerDefinitions: [
          {
            name: 'app',
            image: 'web:2.0.0',
            essential: true,
            portMappings: [{ containerPort: 8080 }],
            environment: [{ name: 'MODE', value: 'prod' }],
          },
          { name: 'log-router', image: 'fluent-bit:2.1', essential: false },
        ],
        tags: [{ key: 'team', value: 'payments' }],
      });
    });

    it('sends no tags field when the source has none', async () => {
      // Prepare
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition(), tags: [] });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEW_ARN } });

      // Act
      await fleet.registerRevision({ from: FROM, container: 'app', image: 'web:2.0.0' });

      // Assess
      const sent = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input;
      expect(Object.keys(sent)).not.toContain('tags');
    });

    it('rejects an unknown container, listing the known ones, and registers nothing', async () => {
      // Prepare
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: describedTaskDefinition() });

      // Act
      const registering = fleet.registerRevision({ from: FROM, container: 'api', image: 'web:2.0.0' });

      // Assess
      await expect(registering).rejects.toThrow(InvalidInputError);
      await expect(registering).rejects.toThrow('its containers are: app, log-router');
      expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
    });

    it('maps ECS throttling to ThrottlingError, keeping the cause', async () => {
      // Prepare
      const throttled = new ECSServiceException({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
      ecs.on(DescribeTaskDefinitionCommand).rejects(throttled);

      // Act
      const error = await fleet
        .registerRevision({ from: FROM, container: 'app', image: 'web:2.0.0' })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ThrottlingError);
      expect((error as ThrottlingError).name).toBe('ThrottlingError');
      expect((error as ThrottlingError).cause).toBe(throttled);
    });
  });

  describe('deploy and scale', () => {
    it('deploys a task definition with a desired count', async () => {
      // Prepare
      ecs.on(UpdateServiceCommand).resolves({});

      // Act
      await fleet.deploy(slot, NEW_ARN, 3);

      // Assess
      expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toStrictEqual({
        cluster: 'prod',
        service: 'web-green',
        taskDefinition: NEW_ARN,
        desiredCount: 3,
      });
    });

    it('scales by changing only the desired count', async () => {
      // Prepare
      ecs.on(UpdateServiceCommand).resolves({});

      // Act
      await fleet.scale(slot, 0);

      // Assess
      expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toStrictEqual({
        cluster: 'prod',
        service: 'web-green',
        desiredCount: 0,
      });
    });

    it('names the service when it does not exist', async () => {
      // Prepare
      ecs
        .on(UpdateServiceCommand)
        .rejects(new ServiceNotFoundException({ message: 'Service not found.', $metadata: {} }));

      // Act
      const scaling = fleet.scale(slot, 0);

      // Assess
      await expect(scaling).rejects.toThrow(EcsServiceNotFoundError);
      await expect(scaling).rejects.toThrow('service web-green in cluster prod');
    });

    it('wraps other ECS errors in EcsFleetError with the cause', async () => {
      // Prepare
      const invalid = new ECSServiceException({
        name: 'ClientException',
        message: 'TaskDefinition is inactive',
        $fault: 'client',
        $metadata: {},
      });
      ecs.on(UpdateServiceCommand).rejects(invalid);

      // Act
      const error = await fleet.deploy(slot, NEW_ARN, 3).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(EcsFleetError);
      expect((error as Error).message).toContain('ClientException: TaskDefinition is inactive');
      expect((error as Error).cause).toBe(invalid);
    });
  });

  describe('stoppedTasks', () => {
    const SINCE = Date.parse('2026-03-02T10:00:00Z');
    const arn = (n: number) =>
      `arn:aws:ecs:eu-west-1:123456789012:task/prod/${n.toString(16).padStart(32, '0')}`;
    /** A stopped task as DescribeTasks returns it, `minutes` after SINCE (negative: before). */
    const stoppedTask = (n: number, minutes: number, fields: Partial<Task> = {}): Task => ({
      taskArn: arn(n),
      clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
      group: 'service:web-green',
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      stoppingAt: new Date(SINCE + minutes * 60_000 - 5000),
      stoppedAt: new Date(SINCE + minutes * 60_000),
      containers: [
        { name: 'app', lastStatus: 'STOPPED', exitCode: 137, reason: 'OutOfMemoryError: Container killed' },
        { name: 'log-router', lastStatus: 'STOPPED', exitCode: 143 },
      ],
      ...fields,
    });

    it('lists the stopped tasks of the service, then describes them, keeping those stopped since the time', async () => {
      // Prepare
      ecs.on(ListTasksCommand).resolves({ taskArns: [arn(1), arn(2), arn(3)] });
      ecs.on(DescribeTasksCommand).resolves({
        tasks: [
          stoppedTask(1, -30),
          stoppedTask(2, 3),
          stoppedTask(3, 1, { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity' }),
        ],
      });

      // Act
      const stops = await fleet.stoppedTasks(slot, SINCE);

      // Assess
      expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toStrictEqual([
        { cluster: 'prod', serviceName: 'web-green', desiredStatus: 'STOPPED', maxResults: 100 },
      ]);
      expect(ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input)).toStrictEqual([
        { cluster: 'prod', tasks: [arn(1), arn(2), arn(3)] },
      ]);
      expect(stops).toStrictEqual([
        {
          id: arn(3),
          stoppedAt: SINCE + 60_000,
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: 'Scaling activity',
          containers: [
            { name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed' },
            { name: 'log-router', exitCode: 143 },
          ],
        },
        {
          id: arn(2),
          stoppedAt: SINCE + 180_000,
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containers: [
            { name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed' },
            { name: 'log-router', exitCode: 143 },
          ],
        },
      ]);
    });

    it('follows every ListTasks page and describes the tasks 100 at a time', async () => {
      // Prepare
      const all = Array.from({ length: 250 }, (_, i) => arn(i + 1));
      ecs
        .on(ListTasksCommand)
        .resolvesOnce({ taskArns: all.slice(0, 100), nextToken: 'page-2' })
        .resolvesOnce({ taskArns: all.slice(100, 200), nextToken: 'page-3' })
        .resolvesOnce({ taskArns: all.slice(200) });
      ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
        tasks: input.tasks.map((taskArn) => stoppedTask(Number.parseInt(taskArn.slice(-32), 16), 1)),
      }));

      // Act
      const stops = await fleet.stoppedTasks(slot, SINCE);

      // Assess
      expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toStrictEqual([
        { cluster: 'prod', serviceName: 'web-green', desiredStatus: 'STOPPED', maxResults: 100 },
        {
          cluster: 'prod',
          serviceName: 'web-green',
          desiredStatus: 'STOPPED',
          maxResults: 100,
          nextToken: 'page-2',
        },
        {
          cluster: 'prod',
          serviceName: 'web-green',
          desiredStatus: 'STOPPED',
          maxResults: 100,
          nextToken: 'page-3',
        },
      ]);
      expect(ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input)).toStrictEqual([
        { cluster: 'prod', tasks: all.slice(0, 100) },
        { cluster: 'prod', tasks: all.slice(100, 200) },
        { cluster: 'prod', tasks: all.slice(200) },
      ]);
      expect(stops.map((s) => s.id)).toEqual(all);
    });

    it('sends no DescribeTasks when nothing stopped', async () => {
      // Prepare
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });

      // Act
      const stops = await fleet.stoppedTasks(slot, SINCE);

      // Assess
      expect(stops).toEqual([]);
      expect(ecs).not.toHaveReceivedCommand(DescribeTasksCommand);
    });

    it('dates a task still stopping by stoppingAt, skips one not yet stopping, and ignores tasks gone since the listing', async () => {
      // Prepare
      ecs.on(ListTasksCommand).resolves({ taskArns: [arn(1), arn(2), arn(3)] });
      ecs.on(DescribeTasksCommand).resolves({
        tasks: [
          stoppedTask(1, 2, {
            lastStatus: 'DEACTIVATING',
            stoppedAt: undefined,
            containers: [{ name: 'app' }],
          }),
          stoppedTask(2, 2, { lastStatus: 'RUNNING', stoppingAt: undefined, stoppedAt: undefined }),
        ],
        failures: [{ arn: arn(3), reason: 'MISSING' }],
      });

      // Act
      const stops = await fleet.stoppedTasks(slot, SINCE);

      // Assess
      expect(stops).toStrictEqual([
        {
          id: arn(1),
          stoppedAt: SINCE + 120_000 - 5000,
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'app' }],
        },
      ]);
    });

    it('names the service when it does not exist, and maps throttling to ThrottlingError', async () => {
      // Prepare
      ecs
        .on(ListTasksCommand)
        .rejectsOnce(new ServiceNotFoundException({ message: 'Service not found.', $metadata: {} }))
        .rejectsOnce(
          new ECSServiceException({
            name: 'ThrottlingException',
            message: 'Rate exceeded',
            $fault: 'client',
            $metadata: {},
          }),
        );

      // Act
      const missing = fleet.stoppedTasks(slot, SINCE);
      await expect(missing).rejects.toThrow(EcsServiceNotFoundError);
      const throttled = fleet.stoppedTasks(slot, SINCE);

      // Assess
      await expect(missing).rejects.toThrow('ListTasks: ECS service web-green in cluster prod not found');
      await expect(throttled).rejects.toThrow(ThrottlingError);
    });
  });
});
