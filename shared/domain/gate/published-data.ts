/**
 * Metric data as CloudWatch publishes it: in whole periods, some time after each period ends.
 *
 * AWS ("CloudWatch metrics for your Application Load Balancer"): "If there are requests flowing
 * through the load balancer, Elastic Load Balancing measures and sends its metrics in 60-second
 * intervals. If there are no requests ... the metric is not reported." AWS states no delivery
 * latency; a minute's data reaches GetMetricData a minute or more after that minute ends. So the
 * gate only judges periods that are complete and published, and the spec's `metrics` model says
 * how long publication may take (`publishDelaySeconds`, safe when longer than the real lag).
 *
 * Pure: the Metrics adapters report what their data covers (PublishedWindow) and the gate
 * compares that coverage, never the clock, with the step's hold and the bake.
 */
import { z } from 'zod';
import type { TrafficWindow } from './verdict';

/** The period ALB metrics are sent in; CloudWatch takes whole multiples of it for these metrics. */
export const CLOUDWATCH_PERIOD_SECONDS = 60;
/**
 * Default publication delay: a period is read 2 minutes after it ends (3 after it starts). AWS
 * states no latency; data usually appears one to two minutes after its minute. A delay shorter
 * than the real lag makes a period look published and empty, so the default errs long (and the
 * CloudWatch adapter also refuses to count trailing periods without data as published).
 */
export const DEFAULT_PUBLISH_DELAY_SECONDS = 120;

/**
 * The metric data the gate is judged on. Default: CloudWatch's ALB metrics (60-s periods,
 * published 120 s after they end). `{ periodSeconds: 1, publishDelaySeconds: 0 }` describes the
 * local rehearsal's 1-s, lag-free data; the CloudWatch adapter refuses it.
 */
export const MetricsSchema = z
  .object({
    /** Resolution of the data: 60 (or a multiple) on CloudWatch ALB metrics, 1 for the rehearsal's buckets. */
    periodSeconds: z
      .number()
      .int()
      .min(1)
      .max(3_600)
      .refine((s) => s === 1 || s % CLOUDWATCH_PERIOD_SECONDS === 0, {
        message: 'expected 1 (the rehearsal’s 1-s data) or a multiple of 60 (CloudWatch ALB metrics)',
      })
      .default(CLOUDWATCH_PERIOD_SECONDS),
    /** How long after a period ends its data is complete and readable. */
    publishDelaySeconds: z.number().int().min(0).max(3_600).default(DEFAULT_PUBLISH_DELAY_SECONDS),
  })
  .strict();
export type MetricsModel = z.output<typeof MetricsSchema>;

export const DEFAULT_METRICS_MODEL: MetricsModel = {
  periodSeconds: CLOUDWATCH_PERIOD_SECONDS,
  publishDelaySeconds: DEFAULT_PUBLISH_DELAY_SECONDS,
};

/** The rehearsal's proxy buckets: 1-s periods, readable at once. Kinder than CloudWatch, and named so. */
export const LAG_FREE_METRICS_MODEL: MetricsModel = { periodSeconds: 1, publishDelaySeconds: 0 };

/** One color's traffic and the span of published data it was computed from. */
export interface PublishedWindow extends TrafficWindow {
  /** Start of the data (epoch ms): the window's start, floored to a period. */
  from: number;
  /** The data is complete and published up to here (epoch ms); equal to `from` when none is yet. */
  until: number;
  /** The data's period (1 for the rehearsal's buckets, 60 on CloudWatch). */
  periodSeconds: number;
}

/** Start of the period holding `at`. */
export function periodStart(at: number, periodSeconds: number): number {
  const ms = periodSeconds * 1000;
  return Math.floor(at / ms) * ms;
}

/**
 * End of the last period complete and published at `now`: a period [s, s + P) is readable once
 * `s + P + delay ≤ now`. Never before `from`'s period start.
 */
export function publishedUntil(from: number, now: number, model: MetricsModel): number {
  const start = periodStart(from, model.periodSeconds);
  const edge = periodStart(now - model.publishDelaySeconds * 1000, model.periodSeconds);
  return Math.max(start, edge);
}

/** Whether the data holds anything of a step that started at `startedAt`. */
export const hasDataSince = (data: Pick<PublishedWindow, 'until'>, startedAt: number) =>
  data.until > startedAt;

/** Whether published data covers a hold (or a fixed window) that ends at `endsAt`. */
export const coversUntil = (data: Pick<PublishedWindow, 'until'>, startedAt: number, endsAt: number) =>
  hasDataSince(data, startedAt) && data.until >= endsAt;

/** What the timing rules read of a spec: its model, holds, bake and timeouts. */
export interface TimedSpec {
  metrics: MetricsModel;
  plan: { steps: { holdSeconds: number; gate: { stepTimeoutSeconds: number } }[] };
  gate: { stepTimeoutSeconds: number };
  bakeSeconds: number;
  bakeWindowSeconds: number;
  /** True when the plan's steps were written explicitly (issues then name `plan.steps[i]`). */
  customSteps: boolean;
}

export interface TimingIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Combinations that cannot work on the spec's metric data:
 * - a non-zero hold (or bake) shorter than one period: data comes in whole periods, so the step
 *   would wait for at least one period anyway while the spec claims less; 0 means "as soon as
 *   published data allows";
 * - a bake window shorter than one period or not a whole number of them: windows are made of
 *   whole published periods;
 * - a step timeout shorter than one period plus the delay: the step's own data could not be
 *   published before its deadline, so the step could never pass.
 */
export function metricsTimingIssues(spec: TimedSpec): TimingIssue[] {
  const { periodSeconds: period, publishDelaySeconds: delay } = spec.metrics;
  const model = `metrics.periodSeconds ${period}`;
  const issues: TimingIssue[] = [];
  const shortHold = (seconds: number) => seconds > 0 && seconds < period;
  const holdMessage = (seconds: number) =>
    `${seconds} s is shorter than one period (${model}): data is published in whole periods; use 0 (as soon as published data allows) or at least ${period}`;
  spec.plan.steps.forEach((step, i) => {
    if (shortHold(step.holdSeconds)) {
      const path = spec.customSteps ? ['plan', 'steps', i, 'holdSeconds'] : ['plan', 'holdSeconds'];
      if (!issues.some((issue) => issue.path.join('.') === path.join('.'))) {
        issues.push({ path, message: holdMessage(step.holdSeconds) });
      }
    }
    if (
      step.gate.stepTimeoutSeconds < period + delay &&
      step.gate.stepTimeoutSeconds !== spec.gate.stepTimeoutSeconds
    ) {
      issues.push({
        path: ['plan', 'steps', i, 'gate', 'stepTimeoutSeconds'],
        message: timeoutMessage(step.gate.stepTimeoutSeconds, period, delay),
      });
    }
  });
  if (spec.gate.stepTimeoutSeconds < period + delay) {
    issues.push({
      path: ['gate', 'stepTimeoutSeconds'],
      message: timeoutMessage(spec.gate.stepTimeoutSeconds, period, delay),
    });
  }
  if (shortHold(spec.bakeSeconds)) {
    issues.push({ path: ['bakeSeconds'], message: holdMessage(spec.bakeSeconds) });
  }
  if (spec.bakeWindowSeconds < period || spec.bakeWindowSeconds % period !== 0) {
    issues.push({
      path: ['bakeWindowSeconds'],
      message: `${spec.bakeWindowSeconds} s is not a whole number of periods (${model}): the bake's windows are made of whole published periods`,
    });
  }
  return issues;
}

const timeoutMessage = (seconds: number, period: number, delay: number) =>
  `${seconds} s is shorter than one period plus the publication delay (${period} + ${delay} s, metrics): ` +
  'the step’s own data could not be published before its deadline';

/**
 * Why CloudWatch's ALB metrics cannot be described by `model`: they come in 60-s periods (or
 * multiples), so the rehearsal's lag-free 1-s model (`LAG_FREE_METRICS_MODEL`) would judge data
 * CloudWatch does not have. Checked by the AWS entry points (API, pipeline, Prepare) before
 * anything starts, and again by the CloudWatch adapter.
 */
export function cloudWatchModelIssues(model: MetricsModel): TimingIssue[] {
  if (model.periodSeconds % CLOUDWATCH_PERIOD_SECONDS === 0) return [];
  return [
    {
      path: ['metrics', 'periodSeconds'],
      message:
        `${model.periodSeconds} s describes other data than CloudWatch's ALB metrics (60-s periods, published a minute or more after they end)` +
        `${model.periodSeconds === 1 && model.publishDelaySeconds === 0 ? ": it is the rehearsal's lag-free model" : ''}; ` +
        'remove "metrics" for CloudWatch’s default model or use a multiple of 60',
    },
  ];
}
