/**
 * The Metrics port on the user's own CloudWatch queries (`gate.metrics.source: cloudwatch`):
 * metric math or metric stats in any namespace — typically an application's high-resolution
 * custom metrics (EMF or PutMetricData with StorageResolution 1) carrying a `color` dimension.
 */
import {
  GetMetricDataCommand,
  type CloudWatchClient,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { COLORS, type Color } from '../domain/colors';
import { InvalidInputError } from '../domain/errors';
import {
  fillTemplate,
  periodStart,
  publishedUntil,
  queriesFor,
  type CloudWatchQuery,
  type CloudWatchSource,
  type GateMetrics,
  type MetricsModel,
  type PublishedWindow,
} from '../domain/gate';
import type { TrafficMetrics } from '../ports/metrics';
import { CloudWatchMetricsError, checkStatus } from './cloudwatch-metrics';
import { normaliseAwsError } from './errors';

type Key = 'requests' | 'errors' | 'p99' | 'p50';
const KEYS: readonly Key[] = ['requests', 'errors', 'p99', 'p50'];

/** The adapter of the `cloudwatch` source: one GetMetricData call (paged) covers both colors. */
export class CloudWatchQueryMetrics implements TrafficMetrics {
  private readonly client: CloudWatchClient;

  constructor(options: { client: CloudWatchClient }) {
    this.client = options.client;
  }

  /**
   * Each color's queries from `fromMs` (floored to the source's period) to the end of the last
   * period complete and published at `nowMs`, in points of one period each: high-resolution
   * periods (1–30 s) only take values in 1, 5, 10, 20, 30, so a whole-window period is not always
   * possible. Counts are summed; latency is the worst period's (safe: never lower than the
   * window's true percentile by more than one period's spread). As with ALB metrics, the data
   * counts as complete only up to the last period with requests: a period not yet published, and
   * a quiet one, look the same, and both make the verdict wait (inconclusive, never a pass).
   */
  async sample(
    targetGroups: Record<Color, string>,
    fromMs: number,
    nowMs: number,
    model?: MetricsModel,
    source?: GateMetrics,
  ): Promise<Record<Color, PublishedWindow>> {
    if (source?.source !== 'cloudwatch') {
      throw new InvalidInputError('CloudWatchQueryMetrics reads gate.metrics with source cloudwatch', [
        { path: 'gate.metrics.source', message: `expected cloudwatch, got ${source?.source ?? 'none'}` },
      ]);
    }
    const timing = model ?? {
      periodSeconds: source.periodSeconds,
      publishDelaySeconds: source.publishDelaySeconds,
    };
    const period = source.periodSeconds;
    const start = periodStart(fromMs, period);
    const end = publishedUntil(fromMs, nowMs, { ...timing, periodSeconds: period });
    const empty = (): PublishedWindow => ({
      requests: 0,
      errors: 0,
      p50Ms: null,
      p99Ms: null,
      from: start,
      until: start,
      periodSeconds: period,
    });
    if (end <= start) return { blue: empty(), green: empty() };

    const queries = COLORS.flatMap((color) => this.queries(source, color, targetGroups[color]));
    const points = new Map<string, { at: number; value: number }[]>();
    let nextToken: string | undefined;
    do {
      const output = await this.call(() =>
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
        const list = points.get(result.Id) ?? [];
        (result.Values ?? []).forEach((value, i) => {
          const at = result.Timestamps?.[i];
          if (at !== undefined && Number.isFinite(value)) list.push({ at: new Date(at).getTime(), value });
        });
        points.set(result.Id, list);
      }
      nextToken = output.NextToken;
    } while (nextToken);

    const scale = source.latencyUnit === 'seconds' ? 1000 : 1;
    const window = (color: Color): PublishedWindow => {
      const of = (key: Key) => points.get(queryId(key, color)) ?? [];
      const requests = of('requests').filter((p) => p.value > 0);
      if (requests.length === 0) return empty();
      const until = Math.min(end, Math.max(...requests.map((p) => p.at)) + period * 1000);
      const inside = (key: Key) => of(key).filter((p) => p.at < until);
      const sum = (key: Key) => inside(key).reduce((total, p) => total + p.value, 0);
      const worst = (key: Key) => {
        const values = inside(key).map((p) => p.value);
        return values.length === 0 ? null : Math.max(...values) * scale;
      };
      return {
        requests: sum('requests'),
        errors: sum('errors'),
        p50Ms: worst('p50'),
        p99Ms: worst('p99'),
        from: start,
        until,
        periodSeconds: period,
      };
    };
    return { blue: window('blue'), green: window('green') };
  }

  private queries(source: CloudWatchSource, color: Color, targetGroup: string): MetricDataQuery[] {
    const set = queriesFor(source, color);
    const context = { color, targetGroup, periodSeconds: source.periodSeconds };
    return KEYS.flatMap((key): MetricDataQuery[] => {
      const query: CloudWatchQuery | undefined = set[key];
      if (!query) return [];
      const id = queryId(key, color);
      if (query.expression !== undefined) {
        return [
          {
            Id: id,
            Expression: fillTemplate(query.expression, context),
            Period: source.periodSeconds,
            ReturnData: true,
          },
        ];
      }
      const metric = query.metric!;
      return [
        {
          Id: id,
          MetricStat: {
            Metric: {
              Namespace: metric.namespace,
              MetricName: metric.name,
              Dimensions: Object.entries(metric.dimensions).map(([Name, value]) => ({
                Name,
                Value: fillTemplate(value, context),
              })),
            },
            Period: source.periodSeconds,
            Stat: query.stat!,
          },
          ReturnData: true,
        },
      ];
    });
  }

  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw normaliseAwsError(
        error,
        'CloudWatch GetMetricData',
        (message, cause) => new CloudWatchMetricsError(message, { cause }),
      );
    }
  }
}

const queryId = (key: Key, color: Color) => `${key}_${color}`;
