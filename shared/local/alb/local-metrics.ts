/** The Metrics port over the local weighted proxy's per-target-group 1-s buckets. */
import type { Color } from '../../domain/colors';
import type { TrafficWindow } from '../../domain/gate';
import type { Metrics } from '../../ports/metrics';
import type { AlbProxy } from './proxy';

/** Reads traffic windows from an AlbProxy (exact counts and percentiles, 1-s resolution). */
export class LocalMetrics implements Metrics {
  constructor(private readonly proxy: AlbProxy) {}

  /** Aggregates [fromMs, toMs) for each color's target group. */
  async sample(
    targetGroups: Record<Color, string>,
    fromMs: number,
    toMs: number,
  ): Promise<Record<Color, TrafficWindow>> {
    return {
      blue: this.proxy.metrics(targetGroups.blue, fromMs, toMs),
      green: this.proxy.metrics(targetGroups.green, fromMs, toMs),
    };
  }
}
