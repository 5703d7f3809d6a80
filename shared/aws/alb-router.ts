/** The Router port on an Application Load Balancer listener (default action) or listener rule. */
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  type TargetGroupTuple,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { COLORS, percentWeights, weightsProblem, type Weights } from '../domain/colors';
import { GreenlightError, InvalidInputError, ThrottlingError } from '../domain/errors';
import type { RouteRef, RouteStickiness, Router, TargetHealth } from '../ports/router';
import { errorCode, normaliseAwsError } from './errors';

/** An ELB call failed, or the route is not set up the way blue/green needs. */
export class AlbRouterError extends GreenlightError {}

/** The forward action of a route and where blue and green sit in it. */
interface ForwardAction {
  actions: Action[];
  index: number;
  targetGroups: TargetGroupTuple[];
}

/** The Router port on ALB weighted forward actions. */
export class AlbRouter implements Router {
  private readonly client: ElasticLoadBalancingV2Client;

  constructor(options: { client: ElasticLoadBalancingV2Client }) {
    this.client = options.client;
  }

  /**
   * Current split as percentages; ALB weights (0–999) are scaled so that blue + green = 100, and
   * a color with any weight keeps at least 1 % (percentWeights), so a split never reads as unsplit.
   */
  async getWeights(route: RouteRef): Promise<Weights> {
    const { targetGroups } = await this.forwardAction(route);
    const blue = weightOf(targetGroups, route.targetGroups.blue);
    const green = weightOf(targetGroups, route.targetGroups.green);
    if (blue + green === 0) {
      throw new AlbRouterError(`${describeRoute(route)} gives weight 0 to both blue and green`);
    }
    return percentWeights({ blue, green });
  }

  /**
   * Rewrites only the blue and green weights of the route's forward action; every other action,
   * the order and the stickiness settings are written back unchanged.
   */
  async setWeights(route: RouteRef, weights: Weights): Promise<void> {
    const problem = weightsProblem(weights);
    if (problem) throw new InvalidInputError(`weights: ${problem}`, [{ path: 'weights', message: problem }]);
    const { actions, index } = await this.forwardAction(route);
    const updated = actions.map((action, i) => {
      const writable = writableAction(action);
      if (i !== index) return writable;
      // The API rejects a top-level TargetGroupArn next to a ForwardConfig that differs from it.
      const { TargetGroupArn: _single, ...rest } = writable;
      return {
        ...rest,
        ForwardConfig: {
          ...rest.ForwardConfig,
          TargetGroups: (rest.ForwardConfig?.TargetGroups ?? []).map((tg) => {
            const color = COLORS.find((c) => route.targetGroups[c] === tg.TargetGroupArn);
            return color ? { ...tg, Weight: weights[color] } : tg;
          }),
        },
      };
    });
    if (route.rule) {
      const rule = route.rule;
      await this.call('ModifyRule', route, () =>
        this.client.send(new ModifyRuleCommand({ RuleArn: rule, Actions: updated })),
      );
    } else {
      await this.call('ModifyListener', route, () =>
        this.client.send(new ModifyListenerCommand({ ListenerArn: route.listener, DefaultActions: updated })),
      );
    }
  }

  /** The forward action's target group stickiness (`ForwardConfig.TargetGroupStickinessConfig`). */
  async stickiness(route: RouteRef): Promise<RouteStickiness> {
    const { actions, index } = await this.forwardAction(route);
    const config = actions[index]?.ForwardConfig?.TargetGroupStickinessConfig;
    return { enabled: config?.Enabled === true, durationSeconds: config?.DurationSeconds ?? null };
  }

  /** Targets of the group by health: unused and unavailable targets count as unhealthy. */
  async targetHealth(targetGroup: string): Promise<TargetHealth> {
    const output = await this.call('DescribeTargetHealth', `target group ${targetGroup}`, () =>
      this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroup })),
    );
    const health: TargetHealth = { healthy: 0, unhealthy: 0, transitioning: 0 };
    for (const description of output.TargetHealthDescriptions ?? []) {
      const state = description.TargetHealth?.State;
      if (state === 'healthy') health.healthy++;
      else if (state === 'initial' || state === 'draining') health.transitioning++;
      else health.unhealthy++;
    }
    return health;
  }

  private async forwardAction(route: RouteRef): Promise<ForwardAction> {
    const actions = await this.readActions(route);
    const index = actions.findIndex((a) => a.Type === 'forward');
    const action = actions[index];
    if (!action) {
      const types = actions.map((a) => a.Type).join(', ') || 'none';
      throw new AlbRouterError(`${describeRoute(route)} has no forward action (actions: ${types})`);
    }
    const targetGroups =
      action.ForwardConfig?.TargetGroups ??
      (action.TargetGroupArn ? [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }] : []);
    const listed = new Set(targetGroups.map((tg) => tg.TargetGroupArn));
    const missing = COLORS.filter((c) => !listed.has(route.targetGroups[c]));
    if (missing.length > 0) {
      throw new AlbRouterError(
        `${describeRoute(route)} forwards to ${[...listed].join(', ') || 'nothing'} but not to ` +
          missing.map((c) => `${c} (${route.targetGroups[c]})`).join(' and ') +
          '; list both target groups in the forward action (weight 0 for the idle one)',
      );
    }
    const strangers = targetGroups.filter(
      (tg) => !COLORS.some((c) => route.targetGroups[c] === tg.TargetGroupArn) && (tg.Weight ?? 1) > 0,
    );
    if (strangers.length > 0) {
      throw new AlbRouterError(
        `${describeRoute(route)} also sends traffic to ${strangers.map((tg) => tg.TargetGroupArn).join(', ')}; ` +
          'blue/green weights would not describe where traffic goes',
      );
    }
    return { actions, index, targetGroups };
  }

  private async readActions(route: RouteRef): Promise<Action[]> {
    if (route.rule) {
      const rule = route.rule;
      const output = await this.call('DescribeRules', route, () =>
        this.client.send(new DescribeRulesCommand({ RuleArns: [rule] })),
      );
      const found = output.Rules?.[0];
      if (!found) throw new AlbRouterError(`listener rule ${rule} not found`);
      return found.Actions ?? [];
    }
    const output = await this.call('DescribeListeners', route, () =>
      this.client.send(new DescribeListenersCommand({ ListenerArns: [route.listener] })),
    );
    const listener = output.Listeners?.[0];
    if (!listener) throw new AlbRouterError(`listener ${route.listener} not found`);
    return listener.DefaultActions ?? [];
  }

  private async call<T>(operation: string, target: RouteRef | string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const what = typeof target === 'string' ? target : describeRoute(target);
      // DescribeTargetHealth's "health could not be retrieved" is transient, like throttling.
      if (errorCode(error) === 'HealthUnavailable' || errorCode(error) === 'HealthUnavailableException') {
        throw new ThrottlingError(`ELB ${operation} (${what}): target health temporarily unavailable`, {
          cause: error,
        });
      }
      throw normaliseAwsError(
        error,
        `ELB ${operation} (${what})`,
        (message, cause) => new AlbRouterError(message, { cause }),
      );
    }
  }
}

function describeRoute(route: RouteRef): string {
  return route.rule ? `listener rule ${route.rule}` : `listener ${route.listener}`;
}

/** A forward-only tuple without a weight carries the whole action (ALB's default of 1). */
function weightOf(targetGroups: TargetGroupTuple[], arn: string): number {
  const tuple = targetGroups.find((tg) => tg.TargetGroupArn === arn);
  return tuple?.Weight ?? 1;
}

/**
 * An action as Modify* accepts it. Describe never returns an OIDC client secret, and without the
 * secret or `UseExistingClientSecret` the API rejects the authenticate action we only meant to keep.
 */
function writableAction(action: Action): Action {
  const oidc = action.AuthenticateOidcConfig;
  if (oidc && oidc.ClientSecret === undefined && oidc.UseExistingClientSecret === undefined) {
    return { ...action, AuthenticateOidcConfig: { ...oidc, UseExistingClientSecret: true } };
  }
  return action;
}
