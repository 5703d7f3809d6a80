/**
 * One canary deployment through the real state machine and step handlers with the production AWS
 * adapters on a mocked account (test/support/mock-aws.ts): what the adapters send, in order.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import type { ModifyListenerCommandInput } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EcsFleet } from '../../shared/aws/ecs-fleet';
import { classifyTaskStops } from '../../shared/domain/gate';
import { MOCK_AWS, MockAws } from '../support/mock-aws';
import { MOCK_IMAGES, runMockedDeployment, type MockedDeployment } from '../support/mock-aws-run';

const NEW_REVISION = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42';

function inputs<T = Record<string, unknown>>(run: MockedDeployment, api: string): T[] {
  return run.calls.filter((c) => c.api === api).map((c) => c.input as T);
}

/** The blue/green weights each ModifyListener wrote, in order. */
function writtenWeights(run: MockedDeployment) {
  return inputs<ModifyListenerCommandInput>(run, 'elasticloadbalancing:ModifyListener').map((input) => {
    const { DefaultActions } = input;
    const tuples = DefaultActions?.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroups ?? [];
    const weight = (arn: string) => tuples.find((t) => t.TargetGroupArn === arn)?.Weight;
    return { blue: weight(MOCK_AWS.targetGroups.blue), green: weight(MOCK_AWS.targetGroups.green) };
  });
}

const lastIndex = (run: MockedDeployment, match: (api: string, input: Record<string, unknown>) => boolean) =>
  run.calls.findLastIndex((c) => match(c.api, c.input as Record<string, unknown>));

const outcomeAttributes = (outcome: string) => ({
  event: { DataType: 'String', StringValue: 'deployment' },
  outcome: { DataType: 'String', StringValue: outcome },
  service: { DataType: 'String', StringValue: 'web' },
  cluster: { DataType: 'String', StringValue: 'prod' },
});

describe('a canary deployment with the production adapters on mocked AWS', () => {
  let good: MockedDeployment;
  let bad: MockedDeployment;

  beforeAll(async () => {
    good = await runMockedDeployment({ release: 'good' });
    bad = await runMockedDeployment({ release: 'bad' });
  });

  describe('a good release', () => {
    it('is promoted', () => {
      expect(good.result.status).toBe('SUCCEEDED');
      expect(good.result.output).toMatchObject({ finish: { status: 'PROMOTED', lockReleased: true } });
    });

    it('registers a copy of the live revision with only the image changed and AWS tags dropped', () => {
      expect(inputs(good, 'ecs:DescribeTaskDefinition')).toEqual([
        {
          taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:41',
          include: ['TAGS'],
        },
      ]);
      const [registered] = inputs(good, 'ecs:RegisterTaskDefinition');
      expect(registered).toMatchObject({
        family: 'web',
        cpu: '512',
        containerDefinitions: [
          { name: 'app', image: MOCK_IMAGES.good },
          { name: 'log-router', image: expect.stringContaining('fluent-bit') },
        ],
        tags: [{ key: 'team', value: 'shop' }],
      });
      expect(registered).not.toHaveProperty('revision');
      expect(registered).not.toHaveProperty('taskDefinitionArn');
    });

    it('moves traffic 95/5 → 75/25 → 0/100, rewriting the whole forward action each time', () => {
      expect(writtenWeights(good)).toEqual([
        { blue: 95, green: 5 },
        { blue: 75, green: 25 },
        { blue: 0, green: 100 },
      ]);
      expect(inputs(good, 'elasticloadbalancing:ModifyListener')[0]).toEqual({
        ListenerArn: MOCK_AWS.listenerArn,
        DefaultActions: [
          {
            Type: 'forward',
            Order: 1,
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: MOCK_AWS.targetGroups.blue, Weight: 95 },
                { TargetGroupArn: MOCK_AWS.targetGroups.green, Weight: 5 },
              ],
              TargetGroupStickinessConfig: { Enabled: false },
            },
          },
        ],
      });
      expect(good.aws.listenerWeights()).toEqual({ blue: 0, green: 100 });
    });

    it('launches green on the new revision, and retires blue only after 100 % on green is read back', () => {
      expect(inputs(good, 'ecs:UpdateService')).toEqual([
        { cluster: 'prod', service: 'web-green', taskDefinition: NEW_REVISION, desiredCount: 2 },
        { cluster: 'prod', service: 'web-blue', desiredCount: 0 },
      ]);
      const promotion = lastIndex(good, (api) => api === 'elasticloadbalancing:ModifyListener');
      const readBack = lastIndex(good, (api) => api === 'elasticloadbalancing:DescribeListeners');
      const retire = lastIndex(
        good,
        (api, input) => api === 'ecs:UpdateService' && input.service === 'web-blue',
      );
      expect(promotion).toBeLessThan(readBack);
      expect(readBack).toBeLessThan(retire);
      expect(good.aws.service('green')).toMatchObject({
        taskDefinition: NEW_REVISION,
        desiredCount: 2,
        runningCount: 2,
      });
      expect(good.aws.service('blue')).toMatchObject({ desiredCount: 0, runningCount: 0 });
    });

    it('publishes exactly one notification, with the PROMOTED attributes', () => {
      expect(good.counts['sns:Publish']).toBe(1);
      expect(good.aws.published).toEqual([
        expect.objectContaining({
          TopicArn: MOCK_AWS.topicArn,
          Subject: `greenlight: web promoted (${MOCK_IMAGES.good})`,
          MessageAttributes: outcomeAttributes('PROMOTED'),
        }),
      ]);
    });

    it('reads metrics only once published, at most twice per gate evaluation, and looks the load balancer up once', () => {
      const evaluations = (good.invocations.Evaluate ?? 0) + (good.invocations.EvaluateBake ?? 0);
      expect(evaluations).toBeGreaterThan(0);
      const reads = good.calls.filter((c) => c.api === 'cloudwatch:GetMetricData');
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.length).toBeLessThanOrEqual(2 * evaluations);
      // The spec's default model: a minute is read only 120 s after it ends.
      for (const read of reads) {
        const input = read.input as { EndTime: Date };
        expect(input.EndTime.getTime() + 120_000).toBeLessThanOrEqual(read.at);
        expect(input.EndTime.getTime() % 60_000).toBe(0);
      }
      expect(good.counts['elasticloadbalancing:DescribeTargetGroups']).toBe(1);
      expect(Object.keys(good.counts).filter((api) => api.includes('unfaked'))).toEqual([]);
    });

    it("lists the new color's stopped tasks once per gate evaluation, and describes none when none stopped", () => {
      const evaluations = (good.invocations.Evaluate ?? 0) + (good.invocations.EvaluateBake ?? 0);
      const listed = inputs(good, 'ecs:ListTasks');
      expect(listed).toHaveLength(evaluations);
      expect(new Set(listed.map((input) => JSON.stringify(input)))).toEqual(
        new Set([
          JSON.stringify({
            cluster: 'prod',
            serviceName: 'web-green',
            desiredStatus: 'STOPPED',
            maxResults: 100,
          }),
        ]),
      );
      expect(good.counts['ecs:DescribeTasks']).toBeUndefined();
    });
  });

  describe('Application Auto Scaling', () => {
    const ECS_TARGET = { ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount' };
    const SUSPENDED = {
      DynamicScalingInSuspended: true,
      DynamicScalingOutSuspended: true,
      ScheduledScalingSuspended: true,
    };
    const USER = {
      DynamicScalingInSuspended: false,
      DynamicScalingOutSuspended: false,
      ScheduledScalingSuspended: false,
    };
    const target = (service: string) => ({ ...ECS_TARGET, ResourceId: `service/prod/${service}` });

    it('reads both targets once, in Prepare, and suspends both with bounds that fit the launch', () => {
      for (const run of [good, bad]) {
        expect(inputs(run, 'application-autoscaling:DescribeScalableTargets')).toEqual([
          {
            ServiceNamespace: 'ecs',
            ResourceIds: ['service/prod/web-blue'],
            ScalableDimension: 'ecs:service:DesiredCount',
          },
          {
            ServiceNamespace: 'ecs',
            ResourceIds: ['service/prod/web-green'],
            ScalableDimension: 'ecs:service:DesiredCount',
          },
        ]);
        expect(inputs(run, 'application-autoscaling:RegisterScalableTarget').slice(0, 2)).toEqual([
          { ...target('web-blue'), MinCapacity: 2, MaxCapacity: 6, SuspendedState: SUSPENDED },
          { ...target('web-green'), MinCapacity: 0, MaxCapacity: 2, SuspendedState: SUSPENDED },
        ]);
      }
      // Both suspended before green is launched: nothing can shrink it while it comes up.
      const registers = good.calls.flatMap((c, i) =>
        c.api === 'application-autoscaling:RegisterScalableTarget' ? [i] : [],
      );
      const launch = lastIndex(
        good,
        (api, input) => api === 'ecs:UpdateService' && input.service === 'web-green',
      );
      expect(registers).toHaveLength(4);
      expect(registers[1]).toBeLessThan(launch);
    });

    it("promoted: holds blue at 0 before scaling it down and gives green blue's configuration", () => {
      expect(inputs(good, 'application-autoscaling:RegisterScalableTarget').slice(2)).toEqual([
        { ...target('web-blue'), MinCapacity: 0, MaxCapacity: 0, SuspendedState: SUSPENDED },
        { ...target('web-green'), MinCapacity: 2, MaxCapacity: 6, SuspendedState: USER },
      ]);
      const hold = lastIndex(
        good,
        (api, input) =>
          api === 'application-autoscaling:RegisterScalableTarget' &&
          input.ResourceId === 'service/prod/web-blue',
      );
      const retire = lastIndex(
        good,
        (api, input) => api === 'ecs:UpdateService' && input.service === 'web-blue',
      );
      expect(hold).toBeLessThan(retire);
      expect(good.aws.scalableTarget('green')).toEqual({
        min: 2,
        max: 6,
        suspended: { in: false, out: false, scheduled: false },
      });
      expect(good.aws.scalableTarget('blue')).toEqual({
        min: 0,
        max: 0,
        suspended: { in: true, out: true, scheduled: true },
      });
      expect(good.aws.service('green')).toMatchObject({ desiredCount: 2 });
    });

    it('rolled back: holds green at 0 and gives blue its own configuration back', () => {
      expect(inputs(bad, 'application-autoscaling:RegisterScalableTarget').slice(2)).toEqual([
        { ...target('web-green'), MinCapacity: 0, MaxCapacity: 0, SuspendedState: SUSPENDED },
        { ...target('web-blue'), MinCapacity: 2, MaxCapacity: 6, SuspendedState: USER },
      ]);
      expect(bad.aws.scalableTarget('blue')).toEqual({
        min: 2,
        max: 6,
        suspended: { in: false, out: false, scheduled: false },
      });
      expect(bad.aws.service('blue')).toMatchObject({ desiredCount: 2 });
      expect(bad.aws.service('green')).toMatchObject({ desiredCount: 0 });
    });
  });

  describe('a bad release (20 % 5xx on the new color)', () => {
    it('is rolled back', () => {
      expect(bad.result.status).toBe('FAILED');
      expect(bad.result.error).toBe('DeploymentRolledBack');
    });

    it('puts 100 % back on blue last, then scales green to 0 after reading the weights back', () => {
      expect(writtenWeights(bad)).toEqual([
        { blue: 95, green: 5 },
        { blue: 100, green: 0 },
      ]);
      expect(bad.aws.listenerWeights()).toEqual({ blue: 100, green: 0 });
      expect(inputs(bad, 'ecs:UpdateService')).toEqual([
        { cluster: 'prod', service: 'web-green', taskDefinition: NEW_REVISION, desiredCount: 2 },
        { cluster: 'prod', service: 'web-green', desiredCount: 0 },
      ]);
      const restore = lastIndex(bad, (api) => api === 'elasticloadbalancing:ModifyListener');
      const readBack = lastIndex(bad, (api) => api === 'elasticloadbalancing:DescribeListeners');
      const scaleDown = lastIndex(bad, (api) => api === 'ecs:UpdateService');
      expect(restore).toBeLessThan(readBack);
      expect(readBack).toBeLessThan(scaleDown);
      expect(bad.aws.service('green')).toMatchObject({ desiredCount: 0, runningCount: 0 });
      expect(bad.aws.service('blue')).toMatchObject({ desiredCount: 2, runningCount: 2 });
    });

    it('publishes exactly one notification, with the ROLLED_BACK attributes', () => {
      expect(bad.aws.published).toEqual([
        expect.objectContaining({ MessageAttributes: outcomeAttributes('ROLLED_BACK') }),
      ]);
    });

    it('releases the lock', () => {
      expect(inputs(bad, 'dynamodb:DeleteItem')).toContainEqual(
        expect.objectContaining({ Key: { pk: 'LOCK#prod/web', sk: 'LOCK' } }),
      );
    });
  });
});

describe("the mocked account's stopped tasks, read by the production ECS adapter", () => {
  let now = Date.UTC(2026, 0, 1, 12);
  let aws: MockAws;
  const fleet = new EcsFleet({ client: new ECSClient({ region: 'eu-west-1' }) });
  const green = { cluster: MOCK_AWS.cluster, service: MOCK_AWS.services.green };

  beforeEach(() => {
    aws = new MockAws({ now: () => now });
  });
  afterEach(() => aws.restore());

  it('lists the tasks a scale-in stopped, as expected stops, for an hour', async () => {
    await fleet.scale(green, 3);
    now += 60_000;
    const since = now;
    await fleet.scale(green, 1);
    now += 60_000;

    const stops = await fleet.stoppedTasks(green, since);
    now += 3600_000;
    const anHourLater = await fleet.stoppedTasks(green, since);

    expect(stops).toHaveLength(2);
    expect(stops[0]).toMatchObject({
      stoppedAt: since,
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: expect.stringMatching(/^Scaling activity initiated by \(deployment ecs-svc\/\d+\)$/),
      containers: [
        { name: 'app', exitCode: 0 },
        { name: 'log-router', exitCode: 0 },
      ],
    });
    expect(classifyTaskStops(stops, green).failures).toEqual([]);
    expect(anHourLater).toEqual([]);
    expect(aws.counts()).toMatchObject({ 'ecs:ListTasks': 2, 'ecs:DescribeTasks': 1 });
  });

  it('pages ListTasks by 100 and describes 100 tasks per call', async () => {
    await fleet.scale(green, 150);
    const since = now;
    await fleet.scale(green, 0);

    const stops = await fleet.stoppedTasks(green, since);

    expect(stops).toHaveLength(150);
    expect(aws.counts()).toMatchObject({ 'ecs:ListTasks': 2, 'ecs:DescribeTasks': 2 });
    expect(aws.calls.filter((c) => c.api === 'ecs:ListTasks').map((c) => c.input)).toEqual([
      { cluster: 'prod', serviceName: 'web-green', desiredStatus: 'STOPPED', maxResults: 100 },
      {
        cluster: 'prod',
        serviceName: 'web-green',
        desiredStatus: 'STOPPED',
        maxResults: 100,
        nextToken: expect.any(String),
      },
    ]);
  });
});
