import type { Color, Weights } from '../domain/colors';
import type { TargetHealth } from '../domain/gate';

/** Where production traffic is split: a listener's default action or one listener rule. */
export interface RouteRef {
  listener: string;
  /** When set, the weights live on this listener rule instead of the listener's default action. */
  rule?: string;
  targetGroups: Record<Color, string>;
}

export type { TargetHealth };

/** A route's target group stickiness (ALB `TargetGroupStickinessConfig` on its forward action). */
export interface RouteStickiness {
  enabled: boolean;
  /** How long a client stays pinned to the target group it was sent to; null when not set. */
  durationSeconds: number | null;
}

/** The load balancer as the deployment sees it (ALB on AWS, the weighted proxy locally). */
export interface Router {
  getWeights(route: RouteRef): Promise<Weights>;
  setWeights(route: RouteRef, weights: Weights): Promise<void>;
  targetHealth(targetGroup: string): Promise<TargetHealth>;
  /** The route's target group stickiness, which pins clients to a color whatever the weights. */
  stickiness(route: RouteRef): Promise<RouteStickiness>;
}
