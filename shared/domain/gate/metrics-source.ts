/**
 * Where the gate reads each color's traffic (`gate.metrics`): the ALB's own per-target-group
 * CloudWatch metrics (`alb`, the default), the user's CloudWatch queries (`cloudwatch`: metric
 * math or metric stats in any namespace, e.g. high-resolution EMF metrics with a `color`
 * dimension), or PromQL against a Prometheus HTTP API (`prometheus`, SigV4-signed for Amazon
 * Managed Service for Prometheus). Every source answers the same question — requests, errors and
 * latency per color over the published part of a window — and each says its own timing (period,
 * publication delay), so the gate's rules on published data (published-data.ts) hold for all.
 *
 * Queries are templates: `{{color}}` (blue | green), `{{targetGroup}}` (the slot's target group
 * as the spec names it), `{{targetGroupName}}` (its name: the part after `targetgroup/`), and
 * `{{range}}` (Prometheus: the window as a duration, e.g. `60s`) or `{{period}}` (CloudWatch: the
 * period in seconds). Or, instead of one template, one query set per color (`perColor`).
 *
 * Pure: the adapters (shared/aws/cloudwatch-query-metrics.ts, prometheus-metrics.ts) run them.
 */
import { z } from 'zod';
import type { Color } from '../colors';
import { InvalidInputError } from '../errors';
import { DEFAULT_METRICS_MODEL, type MetricsModel } from './published-data';

/** CloudWatch periods for high-resolution metrics (any multiple of 60 also works). */
export const HIGH_RESOLUTION_PERIODS = [1, 5, 10, 20, 30] as const;

const template = z.string().trim().min(1).max(4_096);

/** One CloudWatch series: a metric math expression, or one metric's statistic. */
export const CloudWatchQuerySchema = z
  .object({
    /** Metric math (e.g. `SUM(SEARCH('{App,color} color="{{color}}" MetricName="Requests"', 'Sum', {{period}}))`). */
    expression: template.optional(),
    metric: z
      .object({
        namespace: z.string().min(1).max(255),
        name: z.string().min(1).max(255),
        /** Dimension values may use the placeholders. */
        dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(1_024)).default({}),
      })
      .strict()
      .optional(),
    /** With `metric`: Sum, Average, p99, … */
    stat: z.string().min(1).max(50).optional(),
  })
  .strict()
  .superRefine((query, ctx) => {
    if ((query.expression === undefined) === (query.metric === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of expression or metric' });
    }
    if (query.metric && !query.stat) {
      ctx.addIssue({ code: 'custom', path: ['stat'], message: 'required with metric (e.g. Sum, p99)' });
    }
    if (query.expression !== undefined && query.stat !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['stat'],
        message: 'only with metric: an expression has its own',
      });
    }
  });
export type CloudWatchQuery = z.output<typeof CloudWatchQuerySchema>;

/** What every source returns per color; p50 is optional (reported, not judged on alone). */
function querySet<Q extends z.ZodType>(query: Q) {
  return z
    .object({
      /** Requests served in the period (a count). */
      requests: query,
      /** Failed requests (5xx) in the period (a count). */
      errors: query,
      /** p99 latency in the period. */
      p99: query,
      p50: query.optional(),
    })
    .strict();
}

function withColors<S extends z.ZodType>(set: S) {
  return {
    /** One template for both colors (placeholders filled per color). */
    queries: set.optional(),
    /** Or a query set per color. */
    perColor: z.object({ blue: set, green: set }).strict().optional(),
  };
}

const checkQueries =
  (allowed: readonly string[]) =>
  (value: { queries?: unknown; perColor?: unknown }, ctx: z.RefinementCtx) => {
    if ((value.queries === undefined) === (value.perColor === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['queries'],
        message: 'expected exactly one of queries (a template with {{color}}) or perColor ({ blue, green })',
      });
    }
    // A placeholder the source does not fill would reach CloudWatch or Prometheus as text.
    const walk = (node: unknown, path: (string | number)[]) => {
      if (typeof node === 'string') {
        for (const name of unknownPlaceholders(node, allowed)) {
          ctx.addIssue({
            code: 'custom',
            path,
            message: `unknown placeholder {{${name}}} (known: ${allowed.map((a) => `{{${a}}}`).join(', ')})`,
          });
        }
      } else if (node && typeof node === 'object') {
        for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
      }
    };
    walk({ queries: value.queries, perColor: value.perColor }, []);
  };

const COMMON_PLACEHOLDERS = ['color', 'targetGroup', 'targetGroupName'] as const;

const delaySeconds = z.number().int().min(0).max(3_600);

export const AlbSourceSchema = z.object({ source: z.literal('alb') }).strict();

export const CloudWatchSourceSchema = z
  .object({
    source: z.literal('cloudwatch'),
    /** The data's period: 1, 5, 10, 20 or 30 s for high-resolution metrics, else a multiple of 60. */
    periodSeconds: z
      .number()
      .int()
      .min(1)
      .max(3_600)
      .refine(
        (s) => (HIGH_RESOLUTION_PERIODS as readonly number[]).includes(s) || s % 60 === 0,
        'expected 1, 5, 10, 20, 30 (high-resolution metrics) or a multiple of 60',
      ),
    /**
     * How long after a period ends its data is complete in GetMetricData. AWS states no bound;
     * high-resolution metrics appear "seconds after they are published", EMF adds the log
     * flush interval (the CloudWatch agent's force_flush_interval, 5 s by default). Err long.
     */
    publishDelaySeconds: delaySeconds.default(30),
    /** Unit the latency queries return. */
    latencyUnit: z.enum(['milliseconds', 'seconds']).default('milliseconds'),
    ...withColors(querySet(CloudWatchQuerySchema)),
  })
  .strict()
  .superRefine(checkQueries([...COMMON_PLACEHOLDERS, 'period']));

export const PrometheusSourceSchema = z
  .object({
    source: z.literal('prometheus'),
    /**
     * Base URL of the Prometheus HTTP API (`/api/v1/query` is appended): e.g.
     * `http://prometheus:9090` or `https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-…`.
     */
    url: z
      .url({ protocol: /^https?$/ })
      .max(2_048)
      .refine((u) => !/[?#]/.test(u), 'expected no query string or fragment'),
    /** Sign requests with SigV4 (service `aps`): Amazon Managed Service for Prometheus. */
    sigv4: z
      .object({ region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region') })
      .strict()
      .optional(),
    /** The scrape interval: data exists at that resolution, so windows are whole multiples of it. */
    periodSeconds: z.number().int().min(1).max(3_600).default(15),
    /**
     * How long after a period ends its samples are queryable: at least one scrape interval (the
     * last sample of a period is scraped up to one interval later), plus rule evaluation and,
     * on AMP, remote-write ingestion. Default: 2 intervals, at least 30 s.
     */
    publishDelaySeconds: delaySeconds.optional(),
    /** Unit the latency queries return (histogram_quantile over `_seconds` buckets: seconds). */
    latencyUnit: z.enum(['milliseconds', 'seconds']).default('seconds'),
    ...withColors(querySet(template)),
  })
  .strict()
  .superRefine(checkQueries([...COMMON_PLACEHOLDERS, 'range']))
  .superRefine((source, ctx) => {
    if (source.publishDelaySeconds !== undefined && source.publishDelaySeconds < source.periodSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['publishDelaySeconds'],
        message: `must be at least periodSeconds (${source.periodSeconds}): a period's last samples are scraped up to one scrape interval after it ends`,
      });
    }
  })
  .transform((source) => ({
    ...source,
    publishDelaySeconds: source.publishDelaySeconds ?? Math.max(30, 2 * source.periodSeconds),
  }));

export const GateMetricsSchema = z.discriminatedUnion('source', [
  AlbSourceSchema,
  CloudWatchSourceSchema,
  PrometheusSourceSchema,
]);
export type GateMetrics = z.output<typeof GateMetricsSchema>;
export type GateMetricsInput = z.input<typeof GateMetricsSchema>;
export type CloudWatchSource = z.output<typeof CloudWatchSourceSchema>;
export type PrometheusSource = z.output<typeof PrometheusSourceSchema>;
export type SourceQueries<S extends CloudWatchSource | PrometheusSource> = NonNullable<S['queries']>;

export const DEFAULT_GATE_METRICS: GateMetrics = { source: 'alb' };

/**
 * The timing the gate judges on: the spec's `metrics` model for the ALB source, the source's own
 * period and publication delay otherwise.
 */
export function gateMetricsModel(spec: {
  metrics: MetricsModel;
  gate: { metrics?: GateMetrics };
}): MetricsModel {
  const source = spec.gate.metrics ?? DEFAULT_GATE_METRICS;
  if (source.source === 'alb') return spec.metrics;
  return { periodSeconds: source.periodSeconds, publishDelaySeconds: source.publishDelaySeconds };
}

/** Whether a spec's `metrics` model was left at its default (it describes the ALB source only). */
export const isDefaultMetricsModel = (model: MetricsModel) =>
  model.periodSeconds === DEFAULT_METRICS_MODEL.periodSeconds &&
  model.publishDelaySeconds === DEFAULT_METRICS_MODEL.publishDelaySeconds;

/** What the placeholders stand for, for one color. */
export interface QueryContext {
  color: Color;
  targetGroup: string;
  /** Prometheus `{{range}}`, in seconds. */
  rangeSeconds?: number;
  /** CloudWatch `{{period}}`, in seconds. */
  periodSeconds?: number;
}

/** The target group's name: `web-green` of `…:targetgroup/web-green/0123abcd` (or the value itself). */
export function targetGroupName(targetGroup: string): string {
  const match = /targetgroup\/([^/]+)\//.exec(targetGroup);
  return match?.[1] ?? targetGroup;
}

/** Fills a template's placeholders; an unknown `{{name}}` is an error naming it. */
export function fillTemplate(text: string, context: QueryContext): string {
  return text.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (whole, name: string) => {
    switch (name) {
      case 'color':
        return context.color;
      case 'targetGroup':
        return context.targetGroup;
      case 'targetGroupName':
        return targetGroupName(context.targetGroup);
      case 'range':
        if (context.rangeSeconds === undefined) break;
        return `${context.rangeSeconds}s`;
      case 'period':
        if (context.periodSeconds === undefined) break;
        return String(context.periodSeconds);
    }
    throw new InvalidInputError(`unknown placeholder ${whole} in "${text}"`);
  });
}

/** The queries of one color: the template, or that color's own set. */
export function queriesFor<T>(source: { queries?: T; perColor?: Record<Color, T> }, color: Color): T {
  const queries = source.perColor?.[color] ?? source.queries;
  if (queries === undefined) throw new InvalidInputError('gate.metrics: no queries configured');
  return queries;
}

/** The placeholders a template uses that `allowed` does not know (validation at parse time). */
export function unknownPlaceholders(text: string, allowed: readonly string[]): string[] {
  return [...text.matchAll(/\{\{\s*([A-Za-z]+)\s*\}\}/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => !allowed.includes(name));
}
