import 'aws-sdk-client-mock-jest';
import {
  DescribeServiceRevisionsCommand,
  DescribeTaskSetsCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { EcsNewTaskStops, EcsNewTaskStopsError } from '../../../shared/aws/ecs-new-task-stops';
import { ThrottlingError } from '../../../shared/domain/errors';
import {
  crashedTask,
  spotInterruptedTask,
  taskArn,
  TASK_DEFINITION_NEW,
  TASK_DEFINITION_OLD,
} from '../../fixtures/ecs-stopped-tasks';

const ecs = mockClient(ECSClient);
const stops = new EcsNewTaskStops({ client: new ECSClient({ region: 'eu-west-1' }) });
const service = { cluster: 'prod', service: 'gl-web' };
const REVISION = 'arn:aws:ecs:eu-west-1:123456789012:service-revision/prod/gl-web/4887727112223374290';
const TASK_SET = 'ecs-svc/2222222222222222222';
const SINCE = Date.parse('2026-05-01T12:00:00Z');
const arn = (n: number) => taskArn('prod', n);

/** One new-revision Spot stop and one crash, one old-revision crash, one new stop before SINCE. */
function stoppedTasksListed() {
  ecs.on(ListTasksCommand).resolves({ taskArns: [arn(1), arn(2), arn(3), arn(4)] });
  ecs.on(DescribeTasksCommand).resolves({
    tasks: [
      spotInterruptedTask('prod', 1, TASK_DEFINITION_NEW, SINCE + 60_000),
      crashedTask('prod', 2, TASK_DEFINITION_OLD, SINCE + 30_000),
      crashedTask('prod', 3, TASK_DEFINITION_NEW, SINCE + 20_000),
      crashedTask('prod', 4, TASK_DEFINITION_NEW, SINCE - 1),
    ],
  });
}

const LISTED = { cluster: 'prod', serviceName: 'gl-web', desiredStatus: 'STOPPED', maxResults: 100 };

beforeEach(() => ecs.reset());

describe('EcsNewTaskStops', () => {
  describe('ofServiceRevision', () => {
    it("reads the revision's task definition, then keeps the service's stops of that task definition since the time", async () => {
      // Prepare
      ecs.on(DescribeServiceRevisionsCommand).resolves({
        serviceRevisions: [
          {
            serviceRevisionArn: REVISION,
            serviceArn: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/gl-web',
            clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
            taskDefinition: TASK_DEFINITION_NEW,
          },
        ],
      });
      stoppedTasksListed();

      // Act
      const read = await stops.ofServiceRevision(service, REVISION, SINCE);

      // Assess
      expect(ecs.commandCalls(DescribeServiceRevisionsCommand).map((c) => c.args[0].input)).toStrictEqual([
        { serviceRevisionArns: [REVISION] },
      ]);
      expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toStrictEqual([LISTED]);
      expect(ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input)).toStrictEqual([
        { cluster: 'prod', tasks: [arn(1), arn(2), arn(3), arn(4)] },
      ]);
      expect(read).toStrictEqual([
        {
          id: arn(3),
          stoppedAt: SINCE + 20_000,
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'app', exitCode: 1 }],
        },
        {
          id: arn(1),
          stoppedAt: SINCE + 60_000,
          stopCode: 'SpotInterruption',
          stoppedReason: 'Your Spot Task was interrupted.',
          containers: [{ name: 'app', exitCode: 143 }],
        },
      ]);
    });

    it('fails, naming the revision and ECS’s reason, when the revision is not described', async () => {
      // Prepare
      ecs.on(DescribeServiceRevisionsCommand).resolves({
        serviceRevisions: [],
        failures: [{ arn: REVISION, reason: 'MISSING' }],
      });

      // Act
      const reading = stops.ofServiceRevision(service, REVISION, SINCE);

      // Assess
      await expect(reading).rejects.toThrow(EcsNewTaskStopsError);
      await expect(reading).rejects.toThrow(
        `service revision ${REVISION}: no task definition described (MISSING)`,
      );
      expect(ecs).not.toHaveReceivedCommand(ListTasksCommand);
    });
  });

  describe('ofTaskSet', () => {
    it("reads the task set's task definition, then keeps the service's stops of that task definition since the time", async () => {
      // Prepare
      ecs.on(DescribeTaskSetsCommand).resolves({
        taskSets: [{ id: TASK_SET, taskDefinition: TASK_DEFINITION_NEW, externalId: 'd-A1B2C3D4E' }],
      });
      stoppedTasksListed();

      // Act
      const read = await stops.ofTaskSet(service, TASK_SET, SINCE);

      // Assess
      expect(ecs.commandCalls(DescribeTaskSetsCommand).map((c) => c.args[0].input)).toStrictEqual([
        { cluster: 'prod', service: 'gl-web', taskSets: [TASK_SET] },
      ]);
      expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toStrictEqual([LISTED]);
      expect(read.map((s) => [s.id, s.stopCode])).toEqual([
        [arn(3), 'EssentialContainerExited'],
        [arn(1), 'SpotInterruption'],
      ]);
    });

    it('fails when the task set is not described, and maps throttling to ThrottlingError', async () => {
      // Prepare
      ecs
        .on(DescribeTaskSetsCommand)
        .resolvesOnce({ taskSets: [], failures: [{ arn: TASK_SET, reason: 'MISSING' }] })
        .rejectsOnce(
          new ECSServiceException({
            name: 'ThrottlingException',
            message: 'Rate exceeded',
            $fault: 'client',
            $metadata: {},
          }),
        );

      // Act
      const missing = stops.ofTaskSet(service, TASK_SET, SINCE);
      await expect(missing).rejects.toThrow(EcsNewTaskStopsError);
      const throttled = stops.ofTaskSet(service, TASK_SET, SINCE);

      // Assess
      await expect(missing).rejects.toThrow(
        `task set ${TASK_SET} of service gl-web: no task definition described (MISSING)`,
      );
      await expect(throttled).rejects.toThrow(ThrottlingError);
      expect(ecs).not.toHaveReceivedCommand(ListTasksCommand);
    });

    it('names the service when the listing is denied', async () => {
      // Prepare
      ecs
        .on(DescribeTaskSetsCommand)
        .resolves({ taskSets: [{ id: TASK_SET, taskDefinition: TASK_DEFINITION_NEW }] });
      ecs.on(ListTasksCommand).rejects(
        new ECSServiceException({
          name: 'AccessDeniedException',
          message: 'denied',
          $fault: 'client',
          $metadata: {},
        }),
      );

      // Act
      const reading = stops.ofTaskSet(service, TASK_SET, SINCE);

      // Assess
      await expect(reading).rejects.toThrow(
        'ECS ListTasks (service gl-web in cluster prod) failed: AccessDeniedException: denied',
      );
    });
  });
});
