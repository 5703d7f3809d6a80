/**
 * The Router port over the local weighted proxy: each route's listener is one of the proxy's
 * listeners (the main one under the name given here, the others under their own names).
 */
import { weightsProblem, type Weights } from '../../domain/colors';
import { InvalidInputError } from '../../domain/errors';
import type { TargetHealth } from '../../domain/gate';
import type { RouteRef, RouteStickiness, Router } from '../../ports/router';
import { DEFAULT_LISTENER, type AlbProxy } from './proxy';

export interface LocalRouterOptions {
  /** The name routes use for the proxy's main (default) listener. */
  listener: string;
}

/** Routes traffic through an AlbProxy, mapping blue/green to its target groups. */
export class LocalRouter implements Router {
  constructor(
    private readonly proxy: AlbProxy,
    private readonly options: LocalRouterOptions,
  ) {}

  /** Weights of the route's two target groups on its listener (0 for a group not in the forward action). */
  async getWeights(route: RouteRef): Promise<Weights> {
    const forward = this.proxy.getWeights(this.listenerOf(route));
    return { blue: forward[route.targetGroups.blue] ?? 0, green: forward[route.targetGroups.green] ?? 0 };
  }

  /** Validates the weights, then replaces the listener's forward action with the route's two groups. */
  async setWeights(route: RouteRef, weights: Weights): Promise<void> {
    const listener = this.listenerOf(route);
    const problem = weightsProblem(weights);
    if (problem) throw new InvalidInputError(`weights: ${problem}`, [{ path: 'weights', message: problem }]);
    this.proxy.setWeights(
      {
        [route.targetGroups.blue]: weights.blue,
        [route.targetGroups.green]: weights.green,
      },
      listener,
    );
  }

  /**
   * Never sticky: the local proxy has no target group stickiness (not modelled), so a spec whose
   * ALB listener pins clients is only refused on AWS.
   */
  async stickiness(route: RouteRef): Promise<RouteStickiness> {
    this.listenerOf(route);
    return { enabled: false, durationSeconds: null };
  }

  /** Target health counts of a target group. */
  async targetHealth(targetGroup: string): Promise<TargetHealth> {
    return this.proxy.targetHealth(targetGroup);
  }

  /** The proxy listener a route names, after checking the route. */
  private listenerOf(route: RouteRef): string {
    if (route.rule) {
      throw new InvalidInputError(
        `route.rule: the local proxy has no listener rules, got "${route.rule}"; use a listener of its own`,
        [{ path: 'route.rule', message: 'not supported locally' }],
      );
    }
    if (route.targetGroups.blue === route.targetGroups.green) {
      throw new InvalidInputError(
        `route.targetGroups: blue and green must be different target groups, both are "${route.targetGroups.blue}"`,
        [{ path: 'route.targetGroups', message: 'blue and green must differ' }],
      );
    }
    if (route.listener === this.options.listener) return DEFAULT_LISTENER;
    const others = this.proxy.listenerNames().filter((name) => name !== DEFAULT_LISTENER);
    if (!others.includes(route.listener)) {
      const known = [this.options.listener, ...others].map((name) => `"${name}"`).join(', ');
      throw new InvalidInputError(
        `route.listener: the local proxy has no listener "${route.listener}" (known: ${known})`,
        [{ path: 'route.listener', message: `expected one of ${known}` }],
      );
    }
    return route.listener;
  }
}
