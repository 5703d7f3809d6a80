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

function queriesFor(color: 'blue' | 'green', targetGroup: string, period: number) {
  return [
    query(`req_${color}`, targetGroup, 'RequestCount', 'Sum', period),
    query(`err_target_${color}`, targetGroup, 'HTTPCode_Target_5XX_Count', 'Sum', period),
    query(`err_conn_${color}`, targetGroup, 'TargetConnectionErrorCount', 'Sum', period),
    query(`p50_${color}`, targetGroup, 'TargetResponseTime', 'p50', period),
    query(`p99_${color}`, targetGroup, 'TargetResponseTime', 'p99', period),
  ];
}

describe('CloudWatchMetrics', () => {
  beforeEach(() => {
    cloudwatch.reset();
    elb.reset();
  });

  it('asks for both target groups in one GetMetricData call over the window widened to whole minutes', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await metrics.sample(targetGroups, T0 + 10_000, T0 + 2 * MINUTE + 5_000);

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
    const sample = await metrics.sample(targetGroups, T0, T0 + MINUTE);

    // Assess
    expect(sample).toEqual({
      blue: { requests: 950, errors: 2, p50Ms: 21, p99Ms: 200 },
      green: { requests: 50, errors: 7, p50Ms: 50, p99Ms: 1500 },
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
    const sample = await metrics.sample(targetGroups, T0, T0 + MINUTE);

    // Assess
    expect(sample.green).toEqual({ requests: 0, errors: 0, p50Ms: null, p99Ms: null });
    expect(sample.blue).toEqual({ requests: 0, errors: 0, p50Ms: null, p99Ms: null });
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
    const sample = await metrics.sample(targetGroups, T0, T0 + MINUTE);

    // Assess
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    expect(cloudwatch).toHaveReceivedNthCommandWith(2, GetMetricDataCommand, { NextToken: 'page-2' });
    expect(sample.green.requests).toBe(42);
  });

  it('asks for one full minute when the window is shorter than a minute', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await metrics.sample(targetGroups, T0 + 5_000, T0 + 5_000);

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
    await fromArn.sample(targetGroups, T0, T0 + MINUTE);

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
    await lookingUp.sample(targetGroups, T0, T0 + MINUTE);
    await lookingUp.sample(targetGroups, T0 + MINUTE, T0 + 2 * MINUTE);

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
    const sampling = lookingUp.sample(targetGroups, T0, T0 + MINUTE);

    // Assess
    await expect(sampling).rejects.toThrow(CloudWatchMetricsError);
    await expect(sampling).rejects.toThrow(
      `target group ${targetGroups.green} is attached to 0 load balancers`,
    );
    expect(cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  it('rejects a target group that is not an ARN before calling CloudWatch', async () => {
    // Act
    const sampling = metrics.sample({ ...targetGroups, green: 'web-green' }, T0, T0 + MINUTE);

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
    const sampling = metrics.sample(targetGroups, T0, T0 + MINUTE);

    // Assess
    await expect(sampling).rejects.toThrow(ThrottlingError);
  });

  it('fails clearly when access to a metric is denied', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'req_blue', Values: [], StatusCode: 'Forbidden' }],
    });

    // Act
    const sampling = metrics.sample(targetGroups, T0, T0 + MINUTE);

    // Assess
    await expect(sampling).rejects.toThrow(CloudWatchMetricsError);
    await expect(sampling).rejects.toThrow('access denied for req_blue');
  });
});
