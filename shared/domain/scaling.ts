/**
 * Application Auto Scaling during a deployment: what each color's scalable target is set to while
 * the deployment runs, and what it is set back to when it ends.
 *
 * AWS facts this relies on (Application Auto Scaling API reference, RegisterScalableTarget and
 * SuspendedState): updating a scalable target changes only the fields sent; any update moves the
 * service's current desired count into [MinCapacity, MaxCapacity] at once, even one that sends
 * neither; suspended dynamic scaling means no target tracking or step policy adds or removes tasks;
 * suspended scheduled scaling means no scheduled action runs; deregistering a target deletes its
 * scaling policies and scheduled actions.
 *
 * So Greenlight never deregisters and never registers a target that did not exist. While it runs,
 * both colors are suspended (scale-in, scale-out and scheduled) and their bounds are widened — never
 * narrowed — to include every count the deployment will set, so that no update of ours resizes a
 * color and no bound fights Launch (up to the live count) or Rollback (down to 0). Min = Max is not
 * pinned: a pin moves the desired count to the pin as soon as it is written, so a pin computed from
 * a count read a moment earlier would resize a color Auto Scaling had just scaled.
 */
import { z } from 'zod';
import { otherColor, type Color } from './colors';

/** Which kinds of scaling activity are suspended on a scalable target. */
export interface ScalingSuspension {
  dynamicScalingIn: boolean;
  dynamicScalingOut: boolean;
  scheduledScaling: boolean;
}

/** A service's scalable target (ECS desired count): its bounds and what is suspended. */
export interface ScalingConfig {
  minCapacity: number;
  maxCapacity: number;
  suspended: ScalingSuspension;
}

/** Each color's scalable target as Prepare found it; null for a color whose service has none. */
export type DeploymentScaling = Record<Color, ScalingConfig | null>;

const Count = z.number().int().min(0);
export const ScalingConfigSchema: z.ZodType<ScalingConfig> = z.object({
  minCapacity: Count,
  maxCapacity: Count,
  suspended: z.object({
    dynamicScalingIn: z.boolean(),
    dynamicScalingOut: z.boolean(),
    scheduledScaling: z.boolean(),
  }),
});
export const DeploymentScalingSchema: z.ZodType<DeploymentScaling> = z.object({
  blue: ScalingConfigSchema.nullable(),
  green: ScalingConfigSchema.nullable(),
});

export const ALL_SUSPENDED: ScalingSuspension = {
  dynamicScalingIn: true,
  dynamicScalingOut: true,
  scheduledScaling: true,
};

/**
 * What a color no longer serving is left with: min = max = 0 and everything suspended, so that
 * neither a policy, a schedule nor a later resume of either raises it back to a minimum. Its
 * policies and scheduled actions stay attached for when it is live again.
 */
export const HELD_AT_ZERO: ScalingConfig = { minCapacity: 0, maxCapacity: 0, suspended: ALL_SUSPENDED };

/** Bounds that contain the target's own and every count in `counts`: never narrower than the original. */
export function widenedBounds(
  original: Pick<ScalingConfig, 'minCapacity' | 'maxCapacity'>,
  counts: number[],
): { minCapacity: number; maxCapacity: number } {
  return {
    minCapacity: Math.min(original.minCapacity, ...counts),
    maxCapacity: Math.max(original.maxCapacity, ...counts),
  };
}

/** The desired counts each color has now and will be given by the deployment. */
export interface DeploymentCounts {
  /** The live color's desired count now (it keeps it until retired). */
  live: number;
  /** What Launch brings the new color up to. */
  launch: number;
}

/**
 * Each color's scalable target while the deployment runs (null: the color has none, nothing to
 * do): all suspended, bounds widened to the live color's count and, for the new color, to 0 (where
 * it is and where Rollback puts it) and the launch count. A new color left above its widened max
 * by an earlier failure is brought down to it by the update: it serves nothing, and Launch sets
 * its count anyway.
 */
export function scalingDuringDeployment(
  saved: DeploymentScaling,
  liveColor: Color,
  counts: DeploymentCounts,
): Record<Color, ScalingConfig | null> {
  const newColor = otherColor(liveColor);
  const live = saved[liveColor];
  const idle = saved[newColor];
  return {
    [liveColor]: live ? { ...widenedBounds(live, [counts.live]), suspended: ALL_SUSPENDED } : null,
    [newColor]: idle ? { ...widenedBounds(idle, [0, counts.launch]), suspended: ALL_SUSPENDED } : null,
  } as Record<Color, ScalingConfig | null>;
}

/** A configuration that can be given to a serving color: one that does not force it to 0. */
function servable(config: ScalingConfig | null): ScalingConfig | null {
  return config && config.maxCapacity > 0 ? config : null;
}

export interface ScalingAtEnd {
  /** The configuration to set on the color left live; null when there is none to set. */
  restore: ScalingConfig | null;
  /** The color no longer serving has a scalable target, to be held at 0 (HELD_AT_ZERO). */
  holdIdleAtZero: boolean;
}

/**
 * What the deployment's end sets. The color left live gets the service's configuration — the one
 * the live color had when the deployment started — so a promotion moves the user's bounds and
 * suspension over to the new color; if the live color had none (or one at max 0), the color left
 * live gets its own original back. Only a color that has a scalable target is ever written.
 */
export function scalingAtEnd(saved: DeploymentScaling, startLive: Color, finalLive: Color): ScalingAtEnd {
  const idle = otherColor(finalLive);
  const restore = saved[finalLive] ? (servable(saved[startLive]) ?? servable(saved[finalLive])) : null;
  return { restore, holdIdleAtZero: saved[idle] !== null };
}

/** `min 2, max 10, scale-in suspended`: a configuration for history and messages. */
export function describeScaling(config: ScalingConfig | null): string {
  if (!config) return 'no scalable target';
  const { suspended } = config;
  const names = [
    suspended.dynamicScalingIn ? 'scale-in' : null,
    suspended.dynamicScalingOut ? 'scale-out' : null,
    suspended.scheduledScaling ? 'scheduled' : null,
  ].filter((n): n is string => n !== null);
  return `min ${config.minCapacity}, max ${config.maxCapacity}${names.length > 0 ? `, ${names.join(' + ')} suspended` : ''}`;
}
