import type { Color } from '../domain/colors';
import type { GateMetrics, MetricsModel, PublishedWindow } from '../domain/gate';

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
}
