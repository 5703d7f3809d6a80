import 'aws-sdk-client-mock-jest';
import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchMetrics, CloudWatchMetricsError } from '../../../shared/aws/cloudwatch-metrics';
import { InvalidInputError, ThrottlingError } from '../../../shared/domain/errors';

const cloudwatch = mockClient(CloudWatchClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const LB = 'app/web/50dc6c495c0c9188';
const metrics = new CloudWatchMetrics({
  client: new CloudWatchClient({ region: 'eu-west-1' }),
  loadBalancer: LB,
});

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const targetGroups = {
  blue: `${ARN}:targetgroup/web-blue/0123456789abcdef`,
  green: `${ARN}:targetgroup/web-green/fedcba9876543210`,
};
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
/** With the default model (60-s periods read 120 s after they end), the minute [T0, T0 + 1 min) is published here. */
const ONE_MINUTE_PUBLISHED = T0 + 3 * MINUTE;

function query(id: string, targetGroup: string, metric: string, stat: string, period: number) {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ApplicationELB',
        MetricName: metric,
        Dimensions: [
          { Name: 'TargetGroup', Value: targetGroup },
          { Name: 'LoadBalancer', Value: LB },
        ],
      },
      Period: period,
      Stat: stat,
    },
    ReturnData: true,
  };
}

/** One color's queries: the window's figures in one spanning period, and its requests per period. */
function queriesFor(color: 'blue' | 'green', targetGroup: string, span: number, period = 60) {
  return [
    query(`req_${color}`, targetGroup, 'RequestCount', 'Sum', span),
    query(`err_target_${color}`, targetGroup, 'HTTPCode_Target_5XX_Count', 'Sum', span),
    query(`err_conn_${color}`, targetGroup, 'TargetConnectionErrorCount', 'Sum', span),
    query(`p50_${color}`, targetGroup, 'TargetResponseTime', 'p50', span),
    query(`p99_${color}`, targetGroup, 'TargetResponseTime', 'p99', span),
    query(`req_period_${color}`, targetGroup, 'RequestCount', 'Sum', period),
  ];
}

/** Per-minute request counts of a color, as GetMetricData returns them. */
const perMinute = (color: 'blue' | 'green', counts: Record<number, number>) => ({
  Id: `req_period_${color}`,
  Timestamps: Object.keys(counts).map((at) => new Date(Number(at))),
  Values: Object.values(counts),
  StatusCode: 'Complete' as const,
});

describe('CloudWatchMetrics', () => {
  beforeEach(() => {
    cloudwatch.reset();
    elb.reset();
  });

  it('asks for both target groups in one call, from the minute the window starts in to the last published minute', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act: 5 min 5 s in; minutes end + 120 s ≤ now are published: up to 3 min.
    await metrics.sample(targetGroups, T0 + 10_000, T0 + 5 * MINUTE + 5_000);

    // Assess
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input).toStrictEqual({
      MetricDataQueries: [
        ...queriesFor('blue', 'targetgroup/web-blue/0123456789abcdef', 180),
        ...queriesFor('green', 'targetgroup/web-green/fedcba9876543210', 180),
      ],
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 3 * MINUTE),
      ScanBy: 'TimestampAscending',
      NextToken: undefined,
    });
  });

  it('never reads the current, unfinished minute, even with no publication delay', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await metrics.sample(targetGroups, T0, T0 + 2 * MINUTE + 59_000, {
      periodSeconds: 60,
      publishDelaySeconds: 0,
    });

    // Assess
    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 2 * MINUTE),
    });
  });

  it('waits out the configured delay: 300 s leaves the minutes of the last 5 min unread', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await metrics.sample(targetGroups, T0, T0 + 10 * MINUTE, { periodSeconds: 60, publishDelaySeconds: 300 });

    // Assess
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.EndTime).toEqual(new Date(T0 + 5 * MINUTE));
    expect(input.MetricDataQueries?.[0]?.MetricStat?.Period).toBe(300);
  });

  it('asks for the model period when it is a multiple of a minute', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act: 5-min periods, no delay, 12 min in: [0, 10 min) published.
    await metrics.sample(targetGroups, T0 + MINUTE, T0 + 12 * MINUTE, {
      periodSeconds: 300,
      publishDelaySeconds: 0,
    });

    // Assess
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input).toMatchObject({
      MetricDataQueries: [
        ...queriesFor('blue', 'targetgroup/web-blue/0123456789abcdef', 600, 300),
        ...queriesFor('green', 'targetgroup/web-green/fedcba9876543210', 600, 300),
      ],
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 10 * MINUTE),
    });
  });

  it('makes no call before any minute of the window is published, and says the data ends at its start', async () => {
    // Act: 2 min 30 s in, the first minute is read only at 3 min.
    const sample = await metrics.sample(targetGroups, T0 + 10_000, T0 + 2 * MINUTE + 30_000);

    // Assess
    expect(cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
    const nothing = {
      requests: 0,
      errors: 0,
      p50Ms: null,
      p99Ms: null,
      from: T0,
      until: T0,
      periodSeconds: 60,
    };
    expect(sample).toEqual({ blue: nothing, green: nothing });
  });

  it('refuses the rehearsal model (1-s periods), naming metrics.periodSeconds', async () => {
    // Act
    const sampling = metrics.sample(targetGroups, T0, T0 + 10 * MINUTE, {
      periodSeconds: 1,
      publishDelaySeconds: 0,
    });

    // Assess
    await expect(sampling).rejects.toThrow(InvalidInputError);
    await expect(sampling).rejects.toMatchObject({ issues: [{ path: 'metrics.periodSeconds' }] });
    expect(cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  it('says the data is complete up to the last published minute that has requests, per color', async () => {
    // Prepare: published up to 4 min; green has data up to 3 min, blue none in the last minute but one.
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        perMinute('green', { [T0]: 10, [T0 + MINUTE]: 12, [T0 + 2 * MINUTE]: 11, [T0 + 3 * MINUTE]: 9 }),
        perMinute('blue', { [T0]: 200, [T0 + MINUTE]: 190 }),
      ],
    });

    // Act
    const sample = await metrics.sample(targetGroups, T0, T0 + 6 * MINUTE);

    // Assess: a trailing minute without data may be quiet or not yet published: not counted as complete.
    expect(sample.green).toMatchObject({ from: T0, until: T0 + 4 * MINUTE, periodSeconds: 60 });
    expect(sample.blue).toMatchObject({ from: T0, until: T0 + 2 * MINUTE });
  });

  it('sums counts, adds connection errors to 5xx and converts latency from seconds to milliseconds', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'req_blue', Values: [950], StatusCode: 'Complete' },
        { Id: 'err_target_blue', Values: [2], StatusCode: 'Complete' },
        { Id: 'p50_blue', Values: [0.021], StatusCode: 'Complete' },
        { Id: 'p99_blue', Values: [0.2], StatusCode: 'Complete' },
        { Id: 'req_green', Values: [50], StatusCode: 'Complete' },
        { Id: 'err_target_green', Values: [3], StatusCode: 'Complete' },
        { Id: 'err_conn_green', Values: [4], StatusCode: 'Complete' },
        { Id: 'p50_green', Values: [0.05], StatusCode: 'Complete' },
        { Id: 'p99_green', Values: [1.5], StatusCode: 'Complete' },
      ],
    });

    // Act
    const sample = await metrics.sample(targetGroups, T0, ONE_MINUTE_PUBLISHED);

    // Assess
    expect(sample).toEqual({
      blue: { requests: 950, errors: 2, p50Ms: 21, p99Ms: 200, from: T0, until: T0, periodSeconds: 60 },
      green: { requests: 50, errors: 7, p50Ms: 50, p99Ms: 1500, from: T0, until: T0, periodSeconds: 60 },
    });
  });

  it('reads missing data as no traffic: 0 requests and null latencies', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'req_green', Values: [], StatusCode: 'Complete' },
        { Id: 'p99_green', Values: [], StatusCode: 'Complete' },
      ],
    });

    // Act
    const sample = await metrics.sample(targetGroups, T0, ONE_MINUTE_PUBLISHED);

    // Assess
    const none = { requests: 0, errors: 0, p50Ms: null, p99Ms: null, from: T0, until: T0, periodSeconds: 60 };
    expect(sample.green).toEqual(none);
    expect(sample.blue).toEqual(none);
  });

  it('follows NextToken and merges the pages', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'req_green', Values: [30], StatusCode: 'PartialData' }],
        NextToken: 'page-2',
      })
      .resolvesOnce({ MetricDataResults: [{ Id: 'req_green', Values: [12], StatusCode: 'Complete' }] });

    // Act
    const sample = await metrics.sample(targetGroups, T0, ONE_MINUTE_PUBLISHED);

    // Assess
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cloudwatch).toHaveReceivedNthCommandWith(2, GetMetricDataCommand, { NextToken: 'page-2' });
    expect(sample.green.requests).toBe(42);
  });

  it('asks for one full minute once the minute the window starts in is published', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await metrics.sample(targetGroups, T0 + 5_000, ONE_MINUTE_PUBLISHED);

    // Assess
    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: new Date(T0),
      EndTime: new Date(T0 + MINUTE),
    });
  });

  it('accepts the load balancer as an ARN', async () => {
    // Prepare
    const fromArn = new CloudWatchMetrics({
      client: new CloudWatchClient({ region: 'eu-west-1' }),
      loadBalancer: `${ARN}:loadbalancer/${LB}`,
    });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await fromArn.sample(targetGroups, T0, ONE_MINUTE_PUBLISHED);

    // Assess
    const first = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries?.[0];
    expect(first?.MetricStat?.Metric?.Dimensions).toContainEqual({ Name: 'LoadBalancer', Value: LB });
  });

  it("looks up each target group's load balancer once when given an ELB client instead of a name", async () => {
    // Prepare
    const lookingUp = new CloudWatchMetrics({
      client: new CloudWatchClient({ region: 'eu-west-1' }),
      elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
    });
    elb.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        { TargetGroupArn: targetGroups.blue, LoadBalancerArns: [`${ARN}:loadbalancer/${LB}`] },
        { TargetGroupArn: targetGroups.green, LoadBalancerArns: [`${ARN}:loadbalancer/${LB}`] },
      ],
    });
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await lookingUp.sample(targetGroups, T0, ONE_MINUTE_PUBLISHED);
    await lookingUp.sample(targetGroups, T0 + MINUTE, ONE_MINUTE_PUBLISHED + MINUTE);

    // Assess
    expect(elb).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 1);
    expect(elb).toHaveReceivedCommandWith(DescribeTargetGroupsCommand, {
      TargetGroupArns: [targetGroups.blue, targetGroups.green],
    });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[1]!.args[0].input.MetricDataQueries).toStrictEqual([
      ...queriesFor('blue', 'targetgroup/web-blue/0123456789abcdef', 60),
      ...queriesFor('green', 'targetgroup/web-green/fedcba9876543210', 60),
    ]);
  });

  it('refuses a target group attached to no load balancer, since it has no metrics to read', async () => {
    // Prepare
    const lookingUp = new CloudWatchMetrics({
      client: new CloudWatchClient({ region: 'eu-west-1' }),
      elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
    });
    elb.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        { TargetGroupArn: targetGroups.blue, LoadBalancerArns: [`${ARN}:loadbalancer/${LB}`] },
        { TargetGroupArn: targetGroups.green, LoadBalancerArns: [] },
      ],
    });

    // Act
    const sampling = lookingUp.sample(targetGroups, T0, ONE_MINUTE_PUBLISHED);

    // Assess
    await expect(sampling).rejects.toThrow(CloudWatchMetricsError);
    await expect(sampling).rejects.toThrow(
      `target group ${targetGroups.green} is attached to 0 load balancers`,
    );
    expect(cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  it('rejects a target group that is not an ARN before calling CloudWatch', async () => {
    // Act
    const sampling = metrics.sample({ ...targetGroups, green: 'web-green' }, T0, ONE_MINUTE_PUBLISHED);

    // Assess
    await expect(sampling).rejects.toThrow(InvalidInputError);
    expect(cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  it('maps CloudWatch throttling to ThrottlingError', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).rejects(
      new CloudWatchServiceException({
        name: 'Throttling',
        message: 'Rate exceeded',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const sampling = metrics.sample(targetGroups, T0, ONE_MINUTE_PUBLISHED);

    // Assess
    await expect(sampling).rejects.toThrow(ThrottlingError);
  });

  it('fails clearly when access to a metric is denied', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'req_blue', Values: [], StatusCode: 'Forbidden' }],
    });

    // Act
    const sampling = metrics.sample(targetGroups, T0, ONE_MINUTE_PUBLISHED);

    // Assess
    await expect(sampling).rejects.toThrow(CloudWatchMetricsError);
    await expect(sampling).rejects.toThrow('access denied for req_blue');
  });
});

/** A load-balancer query: the dimension LoadBalancer alone (no per-target-group figure exists). */
function lbQuery(id: string, metric: string, period: number) {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ApplicationELB',
        MetricName: metric,
        Dimensions: [{ Name: 'LoadBalancer', Value: LB }],
      },
      Period: period,
      Stat: 'Sum',
    },
    ReturnData: true,
  };
}

const series = (id: string, points: Record<number, number>) => ({
  Id: id,
  Timestamps: Object.keys(points).map((at) => new Date(Number(at))),
  Values: Object.values(points),
  StatusCode: 'Complete' as const,
});

describe('CloudWatchMetrics.sampleLoadBalancer', () => {
  beforeEach(() => {
    cloudwatch.reset();
    elb.reset();
  });

  /** The deployment began at T0 + 10 min: the baseline is [T0, T0 + 10 min); the step began at T0 + 12 min. */
  const windows = { since: T0 + 12 * MINUTE + 10_000, baseline: { from: T0, to: T0 + 10 * MINUTE } };

  it('asks for the load balancer’s requests and ELB 5xx (502/503/504) per load balancer, per minute, in one call up to the last published minute', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act: 15 min 5 s in, minutes published up to 13 min (120 s delay)
    await metrics.sampleLoadBalancer(targetGroups, windows, T0 + 15 * MINUTE + 5_000);

    // Assess
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input).toStrictEqual({
      MetricDataQueries: [
        lbQuery('lb_req', 'RequestCount', 60),
        lbQuery('lb_5xx', 'HTTPCode_ELB_5XX_Count', 60),
        lbQuery('lb_502', 'HTTPCode_ELB_502_Count', 60),
        lbQuery('lb_503', 'HTTPCode_ELB_503_Count', 60),
        lbQuery('lb_504', 'HTTPCode_ELB_504_Count', 60),
      ],
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 13 * MINUTE),
      ScanBy: 'TimestampAscending',
      NextToken: undefined,
    });
  });

  it('sums each window, and counts the step complete up to the last minute with a request or an ELB 5xx', async () => {
    // Prepare: baseline minutes with 1 error in 2000 requests; the step's third minute has only
    // 503s (no target chosen, so no RequestCount point); a minute between the two windows is ignored.
    const at = (minute: number) => T0 + minute * MINUTE;
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        series('lb_req', { [at(0)]: 1000, [at(9)]: 1000, [at(10)]: 777, [at(12)]: 500, [at(13)]: 400 }),
        series('lb_5xx', { [at(9)]: 1, [at(10)]: 7, [at(12)]: 10, [at(14)]: 4 }),
        series('lb_502', { [at(12)]: 8 }),
        series('lb_503', { [at(9)]: 1, [at(14)]: 4 }),
        series('lb_504', { [at(12)]: 2 }),
      ],
    });

    // Act
    const reading = await metrics.sampleLoadBalancer(targetGroups, windows, T0 + 20 * MINUTE);

    // Assess
    expect(reading).toEqual({
      step: {
        loadBalancer: LB,
        requests: 900,
        errors: 14,
        byStatus: { '502': 8, '503': 4, '504': 2 },
        from: at(12),
        until: at(15),
        periodSeconds: 60,
      },
      baseline: {
        loadBalancer: LB,
        requests: 2000,
        errors: 1,
        byStatus: { '502': 0, '503': 1, '504': 0 },
        from: at(0),
        until: at(10),
        periodSeconds: 60,
      },
    });
  });

  it('makes no call before a minute is published, and says no data since either start', async () => {
    // Act
    const reading = await metrics.sampleLoadBalancer(
      targetGroups,
      { since: T0, baseline: { from: T0, to: T0 } },
      T0 + 2 * MINUTE,
    );

    // Assess
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
    expect(reading.step).toMatchObject({ loadBalancer: LB, requests: 0, errors: 0, from: T0, until: T0 });
  });

  it("resolves the target groups' load balancer with an ELB client, and refuses two different ones", async () => {
    // Prepare
    const byLookup = new CloudWatchMetrics({
      client: new CloudWatchClient({ region: 'eu-west-1' }),
      elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
    });
    elb.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        { TargetGroupArn: targetGroups.blue, LoadBalancerArns: [`${ARN}:loadbalancer/${LB}`] },
        {
          TargetGroupArn: targetGroups.green,
          LoadBalancerArns: [`${ARN}:loadbalancer/app/other/1111111111111111`],
        },
      ],
    });

    // Act
    const reading = byLookup.sampleLoadBalancer(targetGroups, windows, T0 + 20 * MINUTE);

    // Assess
    await expect(reading).rejects.toThrow(CloudWatchMetricsError);
    await expect(reading).rejects.toThrow(/different load balancers/);
    expect(elb).toHaveReceivedCommandWith(DescribeTargetGroupsCommand, {
      TargetGroupArns: [targetGroups.blue, targetGroups.green],
    });
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
  });

  it('refuses the rehearsal’s lag-free model, naming metrics.periodSeconds', async () => {
    // Act
    const reading = metrics.sampleLoadBalancer(targetGroups, windows, T0 + 20 * MINUTE, {
      periodSeconds: 1,
      publishDelaySeconds: 0,
    });

    // Assess
    await expect(reading).rejects.toThrow(InvalidInputError);
    await expect(reading).rejects.toMatchObject({ issues: [{ path: 'metrics.periodSeconds' }] });
  });
});
