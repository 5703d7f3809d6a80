/**
 * The EcsBlueGreen port over the rehearsal (simulated ECS and ELB): the simulated ECS service's
 * blue/green pair of local target groups, and the proxy's listeners standing for the production and
 * test listener rules (the local proxy has listeners, not rules: a listener's forward action is
 * what a rule's would be). What DescribeServices and DescribeRules answer on AWS.
 */
import { InvalidInputError } from '../../domain/errors';
import type { EcsBlueGreen, EcsBlueGreenRoute } from '../../ports/ecs-blue-green';
import { DEFAULT_LISTENER, type AlbProxy } from '../alb/proxy';

export interface LocalEcsBlueGreenOptions {
  /** The simulated service's ARN, as its hook events name it. */
  serviceArn: string;
  route: EcsBlueGreenRoute;
  /** The name the route uses for the proxy's main (default) listener. */
  productionListener: string;
}

export class LocalEcsBlueGreen implements EcsBlueGreen {
  constructor(
    private readonly proxy: AlbProxy,
    private readonly options: LocalEcsBlueGreenOptions,
  ) {}

  /** The service's one blue/green route; another service has none (as a service without advancedConfiguration). */
  async routes(serviceArn: string): Promise<EcsBlueGreenRoute[]> {
    return serviceArn === this.options.serviceArn ? [{ ...this.options.route }] : [];
  }

  /** The forward weights of the proxy listener standing for the rule (an unknown rule is an error, like DescribeRules'). */
  async ruleWeights(ruleArn: string): Promise<Record<string, number>> {
    const listener = ruleArn === this.options.productionListener ? DEFAULT_LISTENER : ruleArn;
    if (!this.proxy.listenerNames().includes(listener)) {
      throw new InvalidInputError(`rule "${ruleArn}": no such local listener`);
    }
    return this.proxy.getWeights(listener);
  }
}
