/** The Metrics port over the local weighted proxy's per-target-group 1-s buckets. */
import type { Color } from '../../domain/colors';
import { LAG_FREE_METRICS_MODEL, type PublishedWindow } from '../../domain/gate';
import type { Metrics } from '../../ports/metrics';
import type { AlbProxy } from './proxy';

/**
 * Reads traffic windows from an AlbProxy: exact counts and percentiles at 1-s resolution, readable
 * the moment a request ends. Kinder than CloudWatch (60-s periods published minutes later), and
 * it says so in every sample: `periodSeconds` 1 and `until` the evaluation time, whatever the
 * spec's `metrics` model describes for AWS.
 */
export class LocalMetrics implements Metrics {
  constructor(private readonly proxy: AlbProxy) {}

  /** Aggregates [fromMs, nowMs) for each color's target group; all of it is complete and published. */
  async sample(
    targetGroups: Record<Color, string>,
    fromMs: number,
    nowMs: number,
  ): Promise<Record<Color, PublishedWindow>> {
    const window = (color: Color): PublishedWindow => ({
      ...this.proxy.metrics(targetGroups[color], fromMs, nowMs),
      from: fromMs,
      until: Math.max(fromMs, nowMs),
      periodSeconds: LAG_FREE_METRICS_MODEL.periodSeconds,
    });
    return { blue: window('blue'), green: window('green') };
  }
}
