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

/** The load balancer as the deployment sees it (ALB on AWS, the weighted proxy locally). */
export interface Router {
  getWeights(route: RouteRef): Promise<Weights>;
  setWeights(route: RouteRef, weights: Weights): Promise<void>;
  targetHealth(targetGroup: string): Promise<TargetHealth>;
}
