/** The Metrics port that reads each spec's own source (`gate.metrics`): alb, cloudwatch or prometheus. */
import type { Color } from '../domain/colors';
import type { GateMetrics, LoadBalancerReadings, MetricsModel, PublishedWindow } from '../domain/gate';
import type { LoadBalancerWindows, Metrics, TrafficMetrics } from '../ports/metrics';

export interface MetricsSources {
  /** The ALB's own per-target-group metrics (the default source). */
  alb: Metrics;
  cloudwatch: TrafficMetrics;
  prometheus: TrafficMetrics;
}

/**
 * Dispatches every sample to the adapter of the spec's source (the ALB's when the spec names none);
 * the load balancer's own 5xx exist only in the ALB's metrics, whatever the source.
 */
export class MetricsBySource implements Metrics {
  constructor(private readonly sources: MetricsSources) {}

  sample(
    targetGroups: Record<Color, string>,
    fromMs: number,
    nowMs: number,
    model?: MetricsModel,
    source?: GateMetrics,
  ): Promise<Record<Color, PublishedWindow>> {
    const adapter = this.sources[source?.source ?? 'alb'];
    return adapter.sample(targetGroups, fromMs, nowMs, model, source);
  }

  sampleLoadBalancer(
    targetGroups: Record<Color, string>,
    windows: LoadBalancerWindows,
    nowMs: number,
    model?: MetricsModel,
  ): Promise<LoadBalancerReadings | null> {
    return this.sources.alb.sampleLoadBalancer(targetGroups, windows, nowMs, model);
  }
}
