import 'aws-sdk-client-mock-jest';
import {
  ApplicationAutoScalingClient,
  ConcurrentUpdateException,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  ValidationException,
} from '@aws-sdk/client-application-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { AppAutoScaling, AppAutoScalingError, scalableResourceId } from '../../../shared/aws/app-autoscaling';
import { ThrottlingError } from '../../../shared/domain/errors';

const aas = mockClient(ApplicationAutoScalingClient);
const scaling = new AppAutoScaling({ client: new ApplicationAutoScalingClient({ region: 'eu-west-1' }) });
const slot = { cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod', service: 'web-green' };
const TARGET = {
  ServiceNamespace: 'ecs' as const,
  ResourceId: 'service/prod/web-green',
  ScalableDimension: 'ecs:service:DesiredCount' as const,
  MinCapacity: 2,
  MaxCapacity: 10,
  RoleARN:
    'arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService',
  CreationTime: new Date('2026-01-01T00:00:00Z'),
  SuspendedState: {
    DynamicScalingInSuspended: true,
    DynamicScalingOutSuspended: false,
    ScheduledScalingSuspended: false,
  },
};
const meta = { $metadata: { httpStatusCode: 400 } };

describe('AppAutoScaling', () => {
  beforeEach(() => {
    aas.reset();
  });

  it('names an ECS service by its cluster name, even when the spec gives the cluster ARN', () => {
    expect(scalableResourceId(slot)).toBe('service/prod/web-green');
  });

  describe('read', () => {
    it("asks for the service's desired-count target only and reads its bounds and suspension", async () => {
      // Prepare
      aas.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [TARGET] });

      // Act
      const config = await scaling.read(slot);

      // Assess
      expect(aas).toHaveReceivedCommandTimes(DescribeScalableTargetsCommand, 1);
      expect(aas).toHaveReceivedCommandWith(DescribeScalableTargetsCommand, {
        ServiceNamespace: 'ecs',
        ResourceIds: ['service/prod/web-green'],
        ScalableDimension: 'ecs:service:DesiredCount',
      });
      expect(aas.commandCalls(DescribeScalableTargetsCommand)[0]!.args[0].input).toEqual({
        ServiceNamespace: 'ecs',
        ResourceIds: ['service/prod/web-green'],
        ScalableDimension: 'ecs:service:DesiredCount',
      });
      expect(config).toEqual({
        minCapacity: 2,
        maxCapacity: 10,
        suspended: { dynamicScalingIn: true, dynamicScalingOut: false, scheduledScaling: false },
      });
    });

    it('returns null for a service with no scalable target: nothing to hold', async () => {
      // Prepare
      aas.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });

      // Assess
      await expect(scaling.read(slot)).resolves.toBeNull();
    });

    it('reads a target that never had SuspendedState as nothing suspended', async () => {
      // Prepare
      const { SuspendedState: _s, ...bare } = TARGET;
      aas.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [bare] });

      // Act
      const config = await scaling.read(slot);

      // Assess
      expect(config?.suspended).toEqual({
        dynamicScalingIn: false,
        dynamicScalingOut: false,
        scheduledScaling: false,
      });
    });

    it('turns throttling into ThrottlingError and anything else into AppAutoScalingError naming the target', async () => {
      // Prepare
      aas
        .on(DescribeScalableTargetsCommand)
        .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
        .rejectsOnce(new ValidationException({ message: 'bad namespace', ...meta }));

      // Assess
      await expect(scaling.read(slot)).rejects.toBeInstanceOf(ThrottlingError);
      const error = await scaling.read(slot).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppAutoScalingError);
      expect((error as Error).message).toBe(
        'Application Auto Scaling DescribeScalableTargets (service/prod/web-green) failed: ValidationException: bad namespace',
      );
    });
  });

  describe('writes', () => {
    beforeEach(() => {
      aas
        .on(RegisterScalableTargetCommand)
        .resolves({ ScalableTargetARN: 'arn:aws:application-autoscaling:x' });
    });

    const sent = () => aas.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input);

    it('suspends scale-in, scale-out and scheduled scaling with the given bounds, and no role', async () => {
      // Act
      await scaling.suspend(slot, { minCapacity: 0, maxCapacity: 4 });

      // Assess
      expect(sent()).toEqual([
        {
          ServiceNamespace: 'ecs',
          ResourceId: 'service/prod/web-green',
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: 0,
          MaxCapacity: 4,
          SuspendedState: {
            DynamicScalingInSuspended: true,
            DynamicScalingOutSuspended: true,
            ScheduledScalingSuspended: true,
          },
        },
      ]);
    });

    it('restores a saved configuration with every field, so the target ends exactly as it was', async () => {
      // Act
      await scaling.restore(slot, {
        minCapacity: 2,
        maxCapacity: 10,
        suspended: { dynamicScalingIn: true, dynamicScalingOut: false, scheduledScaling: false },
      });

      // Assess
      expect(sent()).toEqual([
        {
          ServiceNamespace: 'ecs',
          ResourceId: 'service/prod/web-green',
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: 2,
          MaxCapacity: 10,
          SuspendedState: {
            DynamicScalingInSuspended: true,
            DynamicScalingOutSuspended: false,
            ScheduledScalingSuspended: false,
          },
        },
      ]);
    });

    it('holds a retired service at 0: min = max = 0, everything suspended', async () => {
      // Act
      await scaling.holdAtZero(slot);

      // Assess
      expect(sent()).toEqual([
        {
          ServiceNamespace: 'ecs',
          ResourceId: 'service/prod/web-green',
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: 0,
          MaxCapacity: 0,
          SuspendedState: {
            DynamicScalingInSuspended: true,
            DynamicScalingOutSuspended: true,
            ScheduledScalingSuspended: true,
          },
        },
      ]);
    });

    it('reports a concurrent update as ThrottlingError, for the state machine to retry', async () => {
      // Prepare
      aas
        .on(RegisterScalableTargetCommand)
        .rejects(new ConcurrentUpdateException({ message: 'pending update', ...meta }));

      // Act
      const error = await scaling.holdAtZero(slot).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ThrottlingError);
      expect((error as Error).message).toContain(
        'RegisterScalableTarget (service/prod/web-green): concurrent update',
      );
    });

    it('reports a refusal as AppAutoScalingError with the cause kept', async () => {
      // Prepare
      const refusal = Object.assign(new Error('not authorized to perform RegisterScalableTarget'), {
        name: 'AccessDeniedException',
      });
      aas.on(RegisterScalableTargetCommand).rejects(refusal);

      // Act
      const error = await scaling
        .restore(slot, { minCapacity: 1, maxCapacity: 2, suspended: TARGET_NONE })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(AppAutoScalingError);
      expect((error as Error).cause).toBe(refusal);
    });
  });
});

const TARGET_NONE = { dynamicScalingIn: false, dynamicScalingOut: false, scheduledScaling: false };
