import type { Color } from '../domain/colors';
import type { TrafficWindow } from '../domain/gate';

/** Per-target-group traffic figures over a time window. */
export interface Metrics {
  /** Aggregates the window [fromMs, toMs) for each color's target group. */
  sample(
    targetGroups: Record<Color, string>,
    fromMs: number,
    toMs: number,
  ): Promise<Record<Color, TrafficWindow>>;
}
