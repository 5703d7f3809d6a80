/** The Router port over the local weighted proxy: one listener, two target groups per route. */
import { weightsProblem, type Weights } from '../domain/colors';
import { InvalidInputError } from '../domain/errors';
import type { TargetHealth } from '../domain/gate';
import type { RouteRef, Router } from '../ports/router';
import type { AlbProxy } from './alb-proxy';

export interface LocalRouterOptions {
  /** The name routes must use for the proxy's single listener. */
  listener: string;
}

/** Routes traffic through an AlbProxy, mapping blue/green to its target groups. */
export class LocalRouter implements Router {
  constructor(
    private readonly proxy: AlbProxy,
    private readonly options: LocalRouterOptions,
  ) {}

  /** Weights of the route's two target groups on the proxy (0 for a group not in the forward action). */
  async getWeights(route: RouteRef): Promise<Weights> {
    this.checkRoute(route);
    const forward = this.proxy.getWeights();
    return { blue: forward[route.targetGroups.blue] ?? 0, green: forward[route.targetGroups.green] ?? 0 };
  }

  /** Validates the weights, then replaces the proxy's forward action with the route's two groups. */
  async setWeights(route: RouteRef, weights: Weights): Promise<void> {
    this.checkRoute(route);
    const problem = weightsProblem(weights);
    if (problem) throw new InvalidInputError(`weights: ${problem}`, [{ path: 'weights', message: problem }]);
    this.proxy.setWeights({
      [route.targetGroups.blue]: weights.blue,
      [route.targetGroups.green]: weights.green,
    });
  }

  /** Target health counts of a target group. */
  async targetHealth(targetGroup: string): Promise<TargetHealth> {
    return this.proxy.targetHealth(targetGroup);
  }

  private checkRoute(route: RouteRef): void {
    if (route.listener !== this.options.listener) {
      throw new InvalidInputError(
        `route.listener: the local proxy has one listener "${this.options.listener}", got "${route.listener}"`,
        [{ path: 'route.listener', message: `expected "${this.options.listener}"` }],
      );
    }
    if (route.targetGroups.blue === route.targetGroups.green) {
      throw new InvalidInputError(
        `route.targetGroups: blue and green must be different target groups, both are "${route.targetGroups.blue}"`,
        [{ path: 'route.targetGroups', message: 'blue and green must differ' }],
      );
    }
  }
}
