import type { Color } from '../domain/colors';
import type { GateMetrics, LoadBalancerReadings, MetricsModel, PublishedWindow } from '../domain/gate';

/** Per-target-group traffic figures, as far as their data is complete and published. */
export interface Metrics {
  /**
   * Aggregates each color's target group from `fromMs` (floored to the data's period) up to the
   * end of the last period complete and published at `nowMs`, and says where that is
   * (`until`, per color). Never returns an unfinished or unpublished period as if it were final.
   * `model` is the spec's description of the data (period, publication delay); an adapter whose
   * data has its own timing (the rehearsal's 1-s buckets) reports that timing instead.
   * `source` is the spec's `gate.metrics` (absent: the ALB's own metrics); adapters of one
   * source ignore it, MetricsBySource dispatches on it.
   */
  sample(
    targetGroups: Record<Color, string>,
    fromMs: number,
    nowMs: number,
    model?: MetricsModel,
    source?: GateMetrics,
  ): Promise<Record<Color, PublishedWindow>>;

  /**
   * The load balancer the two target groups sit behind: its requests and its own 5xx (ELB
   * 502/503/504) since `windows.since` and over `windows.baseline` (before the deployment), both
   * floored to periods and on the same publication rules as `sample`. Null when the source has no
   * such separate figure because its per-target-group figures already count those errors against
   * the color (the lag-free rehearsal).
   */
  sampleLoadBalancer(
    targetGroups: Record<Color, string>,
    windows: LoadBalancerWindows,
    nowMs: number,
    model?: MetricsModel,
  ): Promise<LoadBalancerReadings | null>;
}

/** A source of per-color traffic only (user CloudWatch queries, PromQL): the load balancer's own
 * 5xx are always read from the ALB's metrics (MetricsBySource). */
export type TrafficMetrics = Pick<Metrics, 'sample'>;

/** Where the load balancer's figures are read: since the step began, and the baseline before the deployment. */
export interface LoadBalancerWindows {
  since: number;
  baseline: { from: number; to: number };
}
