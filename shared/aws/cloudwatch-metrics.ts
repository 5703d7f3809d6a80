/** The Metrics port on CloudWatch `AWS/ApplicationELB` per-target-group metrics. */
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { COLORS, type Color } from '../domain/colors';
import { GreenlightError, InvalidInputError, ThrottlingError } from '../domain/errors';
import {
  cloudWatchModelIssues,
  DEFAULT_METRICS_MODEL,
  periodStart,
  type LoadBalancerReadings,
  type LoadBalancerWindow,
  publishedUntil,
  type MetricsModel,
  type PublishedWindow,
} from '../domain/gate';
import type { LoadBalancerWindows, Metrics } from '../ports/metrics';
import { normaliseAwsError } from './errors';

/** A CloudWatch call failed, or returned data we cannot use. */
export class CloudWatchMetricsError extends GreenlightError {}

const NAMESPACE = 'AWS/ApplicationELB';

/**
 * What one window is made of, per color. Errors are target 5xx plus connections the balancer
 * could not open to a target (each one a 502 to the client). HTTPCode_ELB_5XX_Count is not here:
 * CloudWatch publishes it only per load balancer (and AZ), never per target group, so it cannot
 * tell green's failures from blue's; sampleLoadBalancer reads it for the gate's own rule.
 */
const SERIES = [
  { key: 'req', metric: 'RequestCount', stat: 'Sum' },
  { key: 'err_target', metric: 'HTTPCode_Target_5XX_Count', stat: 'Sum' },
  { key: 'err_conn', metric: 'TargetConnectionErrorCount', stat: 'Sum' },
  { key: 'p50', metric: 'TargetResponseTime', stat: 'p50' },
  { key: 'p99', metric: 'TargetResponseTime', stat: 'p99' },
] as const;
/** Requests per period, to find the last period with published data. */
const PER_PERIOD = [{ key: 'req_period', metric: 'RequestCount', stat: 'Sum' }] as const;
type Series = (typeof SERIES)[number] | (typeof PER_PERIOD)[number];
type SeriesKey = Series['key'];
/** The load balancer's own figures, summed over the window (dimension LoadBalancer alone). */
const LOAD_BALANCER_SERIES = [
  { key: 'lb_req', metric: 'RequestCount' },
  { key: 'lb_5xx', metric: 'HTTPCode_ELB_5XX_Count' },
  { key: 'lb_502', metric: 'HTTPCode_ELB_502_Count' },
  { key: 'lb_503', metric: 'HTTPCode_ELB_503_Count' },
  { key: 'lb_504', metric: 'HTTPCode_ELB_504_Count' },
] as const;
const NO_TRAFFIC = { requests: 0, errors: 0, p50Ms: null, p99Ms: null } as const;

const queryId = (key: SeriesKey, color: Color) => `${key}_${color}`;

/**
 * ALB metrics per target group carry a LoadBalancer dimension too. Either name the load balancer
 * (one per adapter), or give an ELB client and each target group's own load balancer is looked up
 * once per container: one deploy function then serves services behind different load balancers.
 */
export type CloudWatchMetricsOptions = { client: CloudWatchClient } & (
  | {
      /** The load balancer, as its ARN or its `app/<name>/<id>` dimension value. */
      loadBalancer: string;
      elbv2?: undefined;
    }
  | { elbv2: ElasticLoadBalancingV2Client; loadBalancer?: undefined }
);

/** The Metrics port on CloudWatch: one GetMetricData call covers both target groups. */
export class CloudWatchMetrics implements Metrics {
  private readonly client: CloudWatchClient;
  private readonly loadBalancer: string | undefined;
  private readonly elbv2: ElasticLoadBalancingV2Client | undefined;
  /** Target group ARN → its load balancer's dimension value; a target group never changes ALB mid-deployment. */
  private readonly loadBalancerOf = new Map<string, string>();

  constructor(options: CloudWatchMetricsOptions) {
    this.client = options.client;
    this.loadBalancer =
      options.loadBalancer === undefined ? undefined : loadBalancerDimension(options.loadBalancer);
    this.elbv2 = options.elbv2;
    if (this.loadBalancer === undefined && this.elbv2 === undefined) {
      throw new InvalidInputError('CloudWatchMetrics needs either loadBalancer or an elbv2 client');
    }
  }

  /**
   * Traffic of each target group from `fromMs` (floored to the minute) to the end of the last
   * minute complete and published at `nowMs` (period end + publishDelaySeconds ≤ now): the current
   * minute, and the minutes CloudWatch may not have received yet, are never read as if final.
   * Nothing published yet: no call, and `until` equals `from`. Missing data means no traffic: 0
   * requests and null latencies, which the gate reads as inconclusive, never as a pass.
   */
  async sample(
    targetGroups: Record<Color, string>,
    fromMs: number,
    nowMs: number,
    model: MetricsModel = DEFAULT_METRICS_MODEL,
  ): Promise<Record<Color, PublishedWindow>> {
    const periodSeconds = model.periodSeconds;
    refuseModel(model);
    const dimensions = Object.fromEntries(
      COLORS.map((color) => [color, targetGroupDimension(targetGroups[color])]),
    ) as Record<Color, string>;
    const start = periodStart(fromMs, periodSeconds);
    const end = publishedUntil(fromMs, nowMs, model);
    if (end <= start) {
      const empty = (): PublishedWindow => ({ ...NO_TRAFFIC, from: start, until: start, periodSeconds });
      return { blue: empty(), green: empty() };
    }
    // One period spanning the window: CloudWatch then computes p99 over all of the window's
    // requests, which no combination of per-minute percentiles can reproduce.
    const span = (end - start) / 1000;
    const loadBalancers = await this.loadBalancersOf(targetGroups);
    const queries = COLORS.flatMap((color) => [
      ...this.queries(SERIES, color, dimensions[color], loadBalancers[color], span),
      ...this.queries(PER_PERIOD, color, dimensions[color], loadBalancers[color], periodSeconds),
    ]);

    const { values, timestamps } = await this.getMetricData(queries, start, end);

    const sum = (id: string) => (values.get(id) ?? []).reduce((a, b) => a + b, 0);
    // Should a window ever come back in several points, the worst one is the safe summary.
    const worstMs = (id: string) => {
      const points = values.get(id) ?? [];
      return points.length === 0 ? null : Math.max(...points) * 1000;
    };
    /**
     * ALB reports nothing for a minute without requests, so a trailing minute with no data point
     * may be quiet or not yet published: the data counts as complete only up to the last minute
     * that has one. A publication slower than the configured delay then delays the verdict
     * instead of hiding that minute's traffic.
     */
    const until = (color: Color) => {
      const id = queryId('req_period', color);
      const points = values.get(id) ?? [];
      const times = timestamps.get(id) ?? [];
      const withData = times.filter((_, i) => (points[i] ?? 0) > 0);
      if (withData.length === 0) return start;
      return Math.min(end, Math.max(...withData) + periodSeconds * 1000);
    };
    const window = (color: Color): PublishedWindow => ({
      requests: sum(queryId('req', color)),
      errors: sum(queryId('err_target', color)) + sum(queryId('err_conn', color)),
      p50Ms: worstMs(queryId('p50', color)),
      p99Ms: worstMs(queryId('p99', color)),
      from: start,
      until: until(color),
      periodSeconds,
    });
    return { blue: window('blue'), green: window('green') };
  }

  /**
   * The load balancer's RequestCount and own 5xx (HTTPCode_ELB_5XX_Count and its 502/503/504
   * parts, dimension LoadBalancer alone: CloudWatch has no per-target-group figure for them), in
   * one call: per-period sums from the baseline's start to the last published period, added up
   * per window in code (sums add exactly, unlike the percentiles `sample` asks in one span). Data
   * counts as complete up to the last period with a request or an ELB 5xx (a period with neither
   * has no data point, whether quiet or not yet published).
   */
  async sampleLoadBalancer(
    targetGroups: Record<Color, string>,
    windows: LoadBalancerWindows,
    nowMs: number,
    model: MetricsModel = DEFAULT_METRICS_MODEL,
  ): Promise<LoadBalancerReadings> {
    const periodSeconds = model.periodSeconds;
    const periodMs = periodSeconds * 1000;
    refuseModel(model);
    const loadBalancers = await this.loadBalancersOf(targetGroups);
    if (loadBalancers.blue !== loadBalancers.green) {
      throw new CloudWatchMetricsError(
        `the blue and green target groups sit behind different load balancers (${loadBalancers.blue}, ${loadBalancers.green}); one listener forwards to both`,
      );
    }
    const loadBalancer = loadBalancers.blue;
    const baselineFrom = periodStart(windows.baseline.from, periodSeconds);
    const baselineTo = Math.max(baselineFrom, periodStart(windows.baseline.to, periodSeconds));
    const since = periodStart(windows.since, periodSeconds);
    const start = Math.min(baselineFrom, since);
    const end = publishedUntil(start, nowMs, model);
    const points = new Map<string, Map<number, number>>();
    if (end > start) {
      const dimensions = [{ Name: 'LoadBalancer', Value: loadBalancer }];
      const queries: MetricDataQuery[] = LOAD_BALANCER_SERIES.map((one) => ({
        Id: one.key,
        MetricStat: {
          Metric: { Namespace: NAMESPACE, MetricName: one.metric, Dimensions: dimensions },
          Period: periodSeconds,
          Stat: 'Sum',
        },
        ReturnData: true,
      }));
      const { values, timestamps } = await this.getMetricData(queries, start, end);
      for (const one of LOAD_BALANCER_SERIES) {
        const byTime = new Map<number, number>();
        const times = timestamps.get(one.key) ?? [];
        (values.get(one.key) ?? []).forEach((v, i) => {
          const at = times[i];
          if (at !== undefined) byTime.set(at, (byTime.get(at) ?? 0) + v);
        });
        points.set(one.key, byTime);
      }
    }
    const window = (from: number, to: number): LoadBalancerWindow => {
      const upTo = Math.max(from, Math.min(to, end));
      const sum = (key: string) => {
        let total = 0;
        for (const [at, v] of points.get(key) ?? []) if (at >= from && at < upTo) total += v;
        return total;
      };
      let until = from;
      for (const key of ['lb_req', 'lb_5xx']) {
        for (const [at, v] of points.get(key) ?? []) {
          if (at >= from && at < upTo && v > 0) until = Math.max(until, at + periodMs);
        }
      }
      return {
        loadBalancer,
        requests: sum('lb_req'),
        errors: sum('lb_5xx'),
        byStatus: { '502': sum('lb_502'), '503': sum('lb_503'), '504': sum('lb_504') },
        from,
        until,
        periodSeconds,
      };
    };
    return { step: window(since, Number.POSITIVE_INFINITY), baseline: window(baselineFrom, baselineTo) };
  }

  private async getMetricData(
    queries: MetricDataQuery[],
    start: number,
    end: number,
  ): Promise<{ values: Map<string, number[]>; timestamps: Map<string, number[]> }> {
    const values = new Map<string, number[]>();
    const timestamps = new Map<string, number[]>();
    let nextToken: string | undefined;
    do {
      const output = await this.call('CloudWatch GetMetricData', () =>
        this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(start),
            EndTime: new Date(end),
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
        ),
      );
      for (const result of output.MetricDataResults ?? []) {
        checkStatus(result);
        if (!result.Id) continue;
        values.set(result.Id, [...(values.get(result.Id) ?? []), ...(result.Values ?? [])]);
        const times = (result.Timestamps ?? []).map((t) => new Date(t).getTime());
        timestamps.set(result.Id, [...(timestamps.get(result.Id) ?? []), ...times]);
      }
      nextToken = output.NextToken;
    } while (nextToken);
    return { values, timestamps };
  }

  private queries(
    series: readonly Series[],
    color: Color,
    targetGroup: string,
    loadBalancer: string,
    period: number,
  ): MetricDataQuery[] {
    const dimensions = [
      { Name: 'TargetGroup', Value: targetGroup },
      { Name: 'LoadBalancer', Value: loadBalancer },
    ];
    return series.map((one) => ({
      Id: queryId(one.key, color),
      MetricStat: {
        Metric: { Namespace: NAMESPACE, MetricName: one.metric, Dimensions: dimensions },
        Period: period,
        Stat: one.stat,
      },
      ReturnData: true,
    }));
  }

  private async loadBalancersOf(targetGroups: Record<Color, string>): Promise<Record<Color, string>> {
    const fixed = this.loadBalancer;
    if (fixed !== undefined) return { blue: fixed, green: fixed };
    const unknown = [...new Set(COLORS.map((c) => targetGroups[c]))].filter(
      (tg) => !this.loadBalancerOf.has(tg),
    );
    if (unknown.length > 0 && this.elbv2) {
      const elbv2 = this.elbv2;
      const output = await this.call('ELB DescribeTargetGroups', () =>
        elbv2.send(new DescribeTargetGroupsCommand({ TargetGroupArns: unknown })),
      );
      for (const group of output.TargetGroups ?? []) {
        const arns = group.LoadBalancerArns ?? [];
        if (!group.TargetGroupArn) continue;
        if (arns.length !== 1 || !arns[0]) {
          throw new CloudWatchMetricsError(
            `target group ${group.TargetGroupArn} is attached to ${arns.length} load balancers (${arns.join(', ') || 'none'}); ` +
              'its metrics need exactly one (or configure loadBalancer)',
          );
        }
        this.loadBalancerOf.set(group.TargetGroupArn, loadBalancerDimension(arns[0]));
      }
    }
    const resolve = (color: Color) => {
      const found = this.loadBalancerOf.get(targetGroups[color]);
      if (!found)
        throw new CloudWatchMetricsError(`target group ${targetGroups[color]} (${color}) not found`);
      return found;
    };
    return { blue: resolve('blue'), green: resolve('green') };
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw normaliseAwsError(
        error,
        operation,
        (message, cause) => new CloudWatchMetricsError(message, { cause }),
      );
    }
  }
}

/** Refuses a model CloudWatch's ALB metrics cannot serve (Prepare and the API refuse it earlier). */
function refuseModel(model: MetricsModel): void {
  const [issue] = cloudWatchModelIssues(model);
  if (issue)
    throw new InvalidInputError(issue.message, [{ path: issue.path.join('.'), message: issue.message }]);
}

/** Throws on a result CloudWatch could not compute (retryable) or may not show. */
export function checkStatus(result: MetricDataResult): void {
  const detail = (result.Messages ?? []).map((m) => `${m.Code ?? ''} ${m.Value ?? ''}`.trim()).join('; ');
  if (result.StatusCode === 'InternalError') {
    throw new ThrottlingError(`CloudWatch GetMetricData: internal error for ${result.Id} ${detail}`.trim());
  }
  if (result.StatusCode === 'Forbidden') {
    throw new CloudWatchMetricsError(
      `CloudWatch GetMetricData: access denied for ${result.Id} ${detail}`.trim(),
    );
  }
}

/** `targetgroup/<name>/<id>`, the CloudWatch dimension value of a target group ARN. */
export function targetGroupDimension(arnOrDimension: string): string {
  const match = /(?:^|:)(targetgroup\/[^/]+\/[^/]+)$/.exec(arnOrDimension);
  if (!match?.[1]) {
    const message = `expected a target group ARN (…:targetgroup/<name>/<id>), got ${arnOrDimension}`;
    throw new InvalidInputError(message, [{ path: 'targetGroup', message }]);
  }
  return match[1];
}

/** `app/<name>/<id>`, the CloudWatch dimension value of an Application Load Balancer ARN. */
export function loadBalancerDimension(arnOrDimension: string): string {
  const match = /(?:^|:loadbalancer\/)(app\/[^/]+\/[^/]+)$/.exec(arnOrDimension);
  if (!match?.[1]) {
    const message = `expected an Application Load Balancer ARN or app/<name>/<id>, got ${arnOrDimension}`;
    throw new InvalidInputError(message, [{ path: 'loadBalancer', message }]);
  }
  return match[1];
}
