import 'aws-sdk-client-mock-jest';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchQueryMetrics } from '../../../shared/aws/cloudwatch-query-metrics';
import { InvalidInputError } from '../../../shared/domain/errors';
import { CloudWatchSourceSchema, type GateMetrics } from '../../../shared/domain/gate';

const cloudwatch = mockClient(CloudWatchClient);
const metrics = new CloudWatchQueryMetrics({ client: new CloudWatchClient({ region: 'eu-west-1' }) });
const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const targetGroups = {
  blue: `${ARN}:targetgroup/web-blue/0123456789abcdef`,
  green: `${ARN}:targetgroup/web-green/fedcba9876543210`,
};
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const S = 1000;

const source: GateMetrics = CloudWatchSourceSchema.parse({
  source: 'cloudwatch',
  periodSeconds: 10,
  publishDelaySeconds: 20,
  queries: {
    requests: {
      metric: { namespace: 'Web', name: 'Requests', dimensions: { color: '{{color}}' } },
      stat: 'Sum',
    },
    errors: {
      metric: { namespace: 'Web', name: 'Errors5xx', dimensions: { color: '{{color}}' } },
      stat: 'Sum',
    },
    p99: {
      expression:
        'MAX(SEARCH(\'{Web,TargetGroup} TargetGroup="{{targetGroupName}}" MetricName="Latency"\', \'p99\', {{period}}))',
    },
  },
});

const stat = (id: string, name: string, color: string, statName: string) => ({
  Id: id,
  MetricStat: {
    Metric: { Namespace: 'Web', MetricName: name, Dimensions: [{ Name: 'color', Value: color }] },
    Period: 10,
    Stat: statName,
  },
  ReturnData: true,
});

describe('CloudWatchQueryMetrics', () => {
  beforeEach(() => cloudwatch.reset());

  it('sends each color its filled queries over the published 10-s periods', async () => {
    // Prepare: from T0+3 s, now T0+65 s, delay 20 s → periods [T0, T0+40 s) are published.
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        {
          Id: 'requests_blue',
          Timestamps: [new Date(T0), new Date(T0 + 10 * S), new Date(T0 + 20 * S)],
          Values: [100, 90, 110],
        },
        { Id: 'errors_blue', Timestamps: [new Date(T0)], Values: [1] },
        { Id: 'p99_blue', Timestamps: [new Date(T0), new Date(T0 + 10 * S)], Values: [40, 55] },
        // Green's last period with requests is [T0+10, T0+20): its data ends there, not at T0+40.
        { Id: 'requests_green', Timestamps: [new Date(T0), new Date(T0 + 10 * S)], Values: [5, 6] },
        { Id: 'errors_green', Timestamps: [new Date(T0), new Date(T0 + 10 * S)], Values: [2, 3] },
        { Id: 'p99_green', Timestamps: [new Date(T0 + 10 * S)], Values: [120] },
      ],
    });

    // Act
    const windows = await metrics.sample(targetGroups, T0 + 3 * S, T0 + 65 * S, undefined, source);

    // Assess
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      StartTime: new Date(T0),
      EndTime: new Date(T0 + 40 * S),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        stat('requests_blue', 'Requests', 'blue', 'Sum'),
        stat('errors_blue', 'Errors5xx', 'blue', 'Sum'),
        {
          Id: 'p99_blue',
          Expression:
            'MAX(SEARCH(\'{Web,TargetGroup} TargetGroup="web-blue" MetricName="Latency"\', \'p99\', 10))',
          Period: 10,
          ReturnData: true,
        },
        stat('requests_green', 'Requests', 'green', 'Sum'),
        stat('errors_green', 'Errors5xx', 'green', 'Sum'),
        {
          Id: 'p99_green',
          Expression:
            'MAX(SEARCH(\'{Web,TargetGroup} TargetGroup="web-green" MetricName="Latency"\', \'p99\', 10))',
          Period: 10,
          ReturnData: true,
        },
      ],
    });
    expect(windows.blue).toEqual({
      requests: 300,
      errors: 1,
      p50Ms: null,
      p99Ms: 55,
      from: T0,
      until: T0 + 30 * S,
      periodSeconds: 10,
    });
    expect(windows.green).toEqual({
      requests: 11,
      errors: 5,
      p50Ms: null,
      p99Ms: 120,
      from: T0,
      until: T0 + 20 * S,
      periodSeconds: 10,
    });
  });

  it('reads nothing before a period is published, and missing data as no traffic', async () => {
    // Nothing published: no call.
    const early = await metrics.sample(targetGroups, T0 + 3 * S, T0 + 25 * S, undefined, source);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 0);
    expect(early.green).toMatchObject({ requests: 0, until: T0, p99Ms: null });

    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const none = await metrics.sample(targetGroups, T0, T0 + 65 * S, undefined, source);
    expect(none.green).toEqual({
      requests: 0,
      errors: 0,
      p50Ms: null,
      p99Ms: null,
      from: T0,
      until: T0,
      periodSeconds: 10,
    });
  });

  it('converts latency in seconds and pages through NextToken', async () => {
    const seconds = { ...source, latencyUnit: 'seconds' } as GateMetrics;
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'requests_green', Timestamps: [new Date(T0)], Values: [10] }],
        NextToken: 'next',
      })
      .resolvesOnce({ MetricDataResults: [{ Id: 'p99_green', Timestamps: [new Date(T0)], Values: [0.25] }] });
    const windows = await metrics.sample(targetGroups, T0, T0 + 65 * S, undefined, seconds);
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'next']);
    expect(windows.green).toMatchObject({ requests: 10, p99Ms: 250, until: T0 + 10 * S });
  });

  it('refuses a spec of another source', async () => {
    await expect(metrics.sample(targetGroups, T0, T0 + 65 * S, undefined, { source: 'alb' })).rejects.toThrow(
      InvalidInputError,
    );
  });
});
