import type { ScalingConfig } from '../domain/scaling';
import type { SlotRef } from './fleet';

export type { ScalingConfig, ScalingSuspension } from '../domain/scaling';

/**
 * Application Auto Scaling on one slot's ECS service (its desired count), as a deployment uses it.
 * Every write updates a scalable target that exists; none registers a new one or deregisters one.
 */
export interface Scaling {
  /** The service's scalable target, or null when it has none (Auto Scaling does not act on it). */
  read(slot: SlotRef): Promise<ScalingConfig | null>;
  /** Suspends dynamic scale-in, scale-out and scheduled scaling, with these bounds. */
  suspend(slot: SlotRef, bounds: { minCapacity: number; maxCapacity: number }): Promise<void>;
  /** Writes a saved configuration back: bounds and suspended state as they were. */
  restore(slot: SlotRef, config: ScalingConfig): Promise<void>;
  /** Min = max = 0, everything suspended: the service stays at 0 tasks. */
  holdAtZero(slot: SlotRef): Promise<void>;
}
