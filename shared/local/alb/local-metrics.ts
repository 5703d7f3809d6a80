/** The Metrics port over the local weighted proxy's per-target-group 1-s buckets. */
import { COLORS, type Color } from '../../domain/colors';
import { InvalidInputError } from '../../domain/errors';
import {
  CLOUDWATCH_PERIOD_SECONDS,
  DEFAULT_METRICS_MODEL,
  DEFAULT_PUBLISH_DELAY_SECONDS,
  LAG_FREE_METRICS_MODEL,
  periodStart,
  publishedUntil,
  type LoadBalancerReadings,
  type LoadBalancerWindow,
  type MetricsModel,
  type PublishedWindow,
} from '../../domain/gate';
import type { LoadBalancerWindows, Metrics } from '../../ports/metrics';
import type { AlbProxy } from './proxy';

/**
 * How the simulated CloudWatch publishes the proxy's figures on AWS timing: in periods of
 * `periodSeconds`, each readable `publishDelaySeconds` after it ends (in the proxy clock's time,
 * virtual when the rehearsal is compressed). This is the world's lag; the spec's
 * `metrics.publishDelaySeconds` is what the gate assumes of it, as on AWS.
 */
export interface PublicationModel {
  periodSeconds: number;
  publishDelaySeconds: number;
}

/** CloudWatch's ALB metrics as the rehearsal models them: 60-s periods, readable 120 s after they end. */
export const CLOUDWATCH_PUBLICATION: PublicationModel = {
  periodSeconds: CLOUDWATCH_PERIOD_SECONDS,
  publishDelaySeconds: DEFAULT_PUBLISH_DELAY_SECONDS,
};

/** The load balancer the rehearsal's proxy stands for, as named in verdicts. */
export const LOCAL_LOAD_BALANCER = 'local-alb (the rehearsal proxy)';

export interface LocalMetricsOptions {
  /**
   * Read the buckets as CloudWatch publishes them (see `sample`). Unset: lag-free 1-s data,
   * kinder than CloudWatch, and said so in every sample.
   */
  awsTiming?: PublicationModel;
}

/**
 * Reads traffic windows from an AlbProxy: exact counts and percentiles at 1-s resolution.
 *
 * Lag-free (the default): readable the moment a request ends, every answer counted against its
 * target group; each sample says so (`periodSeconds` 1 and `until` the evaluation time), whatever
 * the spec's `metrics` model describes for AWS.
 *
 * AWS timing: what CloudWatchMetrics would return on AWS, from the same requests. The buckets are
 * summed into the spec's periods, a period exists only once it ended `publishDelaySeconds` ago
 * (the world's lag, not the spec's), and the adapter's own rules apply on top: it asks only up
 * to the spec's `publishedUntil`, and counts data as complete only up to the last period with a
 * request. Per target group, as CloudWatch: target 5xx and failed connections; the proxy's own
 * 502/504 (and its 503s without a healthy target) are load-balancer figures, read apart by
 * `sampleLoadBalancer` as CloudWatch's HTTPCode_ELB_5XX_Count: summed over every target group and
 * listener of the proxy (one load balancer), on the same periods and delay.
 */
export class LocalMetrics implements Metrics {
  constructor(
    private readonly proxy: Pick<
      AlbProxy,
      'metrics' | 'loadBalancerErrors' | 'loadBalancerErrorsByStatus' | 'targetGroups'
    >,
    private readonly options: LocalMetricsOptions = {},
  ) {}

  /** Each color's traffic from `fromMs` up to where its data is complete and published at `nowMs`. */
  async sample(
    targetGroups: Record<Color, string>,
    fromMs: number,
    nowMs: number,
    model: MetricsModel = DEFAULT_METRICS_MODEL,
  ): Promise<Record<Color, PublishedWindow>> {
    const publication = this.options.awsTiming;
    if (!publication) {
      const window = (color: Color): PublishedWindow => ({
        ...this.proxy.metrics(targetGroups[color], fromMs, nowMs),
        from: fromMs,
        until: Math.max(fromMs, nowMs),
        periodSeconds: LAG_FREE_METRICS_MODEL.periodSeconds,
      });
      return { blue: window('blue'), green: window('green') };
    }
    const periodSeconds = model.periodSeconds;
    this.refuse(model, publication);
    const periodMs = periodSeconds * 1000;
    const start = periodStart(fromMs, periodSeconds);
    // What the adapter asks for (the spec's model) and what has landed (the world's lag).
    const asked = publishedUntil(fromMs, nowMs, model);
    // A period of the spec's (whole world periods) has landed once its last world period has.
    const landed = periodStart(nowMs - publication.publishDelaySeconds * 1000, periodSeconds);
    const end = Math.max(start, Math.min(asked, landed));
    const window = (color: Color): PublishedWindow => {
      const targetGroup = targetGroups[color];
      // ALB reports no data point for a period without requests: the adapter's data is complete
      // only up to the last period that has one.
      let until = start;
      for (let at = end - periodMs; at >= start; at -= periodMs) {
        if (this.proxy.metrics(targetGroup, at, at + periodMs, 'cloudwatch').requests > 0) {
          until = at + periodMs;
          break;
        }
      }
      const traffic =
        until > start
          ? this.proxy.metrics(targetGroup, start, until, 'cloudwatch')
          : { requests: 0, errors: 0, p50Ms: null, p99Ms: null };
      return { ...traffic, from: start, until, periodSeconds };
    };
    return { blue: window('blue'), green: window('green') };
  }

  /**
   * The proxy as one load balancer: requests with a chosen target and its own 5xx over all its
   * target groups and listeners (CloudWatch's RequestCount and HTTPCode_ELB_5XX_Count per load
   * balancer), on AWS timing only: same periods, same world lag, same "complete up to the last
   * period with data" rule as `sample`. Lag-free: null, since `sample` then already counts these
   * errors against the color they were routed to (kinder than AWS, which cannot).
   */
  async sampleLoadBalancer(
    _targetGroups: Record<Color, string>,
    windows: LoadBalancerWindows,
    nowMs: number,
    model: MetricsModel = DEFAULT_METRICS_MODEL,
  ): Promise<LoadBalancerReadings | null> {
    const publication = this.options.awsTiming;
    if (!publication) return null;
    this.refuse(model, publication);
    const periodSeconds = model.periodSeconds;
    const periodMs = periodSeconds * 1000;
    const landed = periodStart(nowMs - publication.publishDelaySeconds * 1000, periodSeconds);
    const groups = this.proxy.targetGroups();
    const read = (from: number, to: number) => {
      let requests = 0;
      let errors = 0;
      const byStatus: Record<string, number> = {};
      for (const group of groups) {
        requests += this.proxy.metrics(group, from, to, 'cloudwatch').requests;
        errors += this.proxy.loadBalancerErrors(group, from, to);
        for (const [status, n] of Object.entries(this.proxy.loadBalancerErrorsByStatus(group, from, to)))
          byStatus[status] = (byStatus[status] ?? 0) + n;
      }
      return { requests, errors, byStatus };
    };
    const window = (fromMs: number, toMs: number | null): LoadBalancerWindow => {
      const start = periodStart(fromMs, periodSeconds);
      // What the adapter asks for (the spec's model) and what has landed (the world's lag).
      const published = Math.min(publishedUntil(fromMs, nowMs, model), landed);
      const end = Math.max(
        start,
        toMs === null ? published : Math.min(published, periodStart(toMs, periodSeconds)),
      );
      let until = start;
      for (let at = end - periodMs; at >= start; at -= periodMs) {
        const period = read(at, at + periodMs);
        if (period.requests > 0 || period.errors > 0) {
          until = at + periodMs;
          break;
        }
      }
      const counts = until > start ? read(start, until) : { requests: 0, errors: 0, byStatus: {} };
      return {
        loadBalancer: LOCAL_LOAD_BALANCER,
        requests: counts.requests,
        errors: counts.errors,
        byStatus: {
          '502': counts.byStatus['502'] ?? 0,
          '503': counts.byStatus['503'] ?? 0,
          '504': counts.byStatus['504'] ?? 0,
        },
        from: start,
        until,
        periodSeconds,
      };
    };
    return {
      step: window(windows.since, null),
      baseline: window(windows.baseline.from, windows.baseline.to),
    };
  }

  private refuse(model: MetricsModel, publication: PublicationModel): void {
    if (model.periodSeconds % publication.periodSeconds === 0) return;
    const message = `the rehearsal on AWS timing publishes ${publication.periodSeconds}-s periods (as CloudWatch's ALB metrics); ${model.periodSeconds} s describes other data`;
    throw new InvalidInputError(`metrics.periodSeconds: ${message}`, [
      { path: 'metrics.periodSeconds', message },
    ]);
  }

  /**
   * The proxy's own 5xx (CloudWatch's HTTPCode_ELB_5XX_Count, per load balancer: both colors' and
   * every listener's) in [fromMs, toMs), for the demo's report; the gate reads sampleLoadBalancer.
   */
  loadBalancerErrors(targetGroups: Record<Color, string>, fromMs: number, toMs: number): number {
    const groups = new Set(COLORS.map((color) => targetGroups[color]));
    let errors = 0;
    for (const group of groups) errors += this.proxy.loadBalancerErrors(group, fromMs, toMs);
    return errors;
  }
}
