/** The Metrics port that reads each spec's own source (`gate.metrics`): alb, cloudwatch or prometheus. */
import type { Color } from '../domain/colors';
import type { GateMetrics, MetricsModel, PublishedWindow } from '../domain/gate';
import type { Metrics } from '../ports/metrics';

export interface MetricsSources {
  /** The ALB's own per-target-group metrics (the default source). */
  alb: Metrics;
  cloudwatch: Metrics;
  prometheus: Metrics;
}

/** Dispatches every sample to the adapter of the spec's source; the ALB's when the spec names none. */
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
}
