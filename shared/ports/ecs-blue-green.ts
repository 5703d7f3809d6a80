/** An ECS service deployed by ECS's own blue/green, linear or canary strategy, as its lifecycle hook reads it. */
import type { EcsBlueGreenRoute } from '../domain/hooks/ecs-target-groups';

export type { EcsBlueGreenRoute };

export interface EcsBlueGreen {
  /**
   * The service's load balancer entries that have a blue/green pair (a target group and an
   * alternate one); an entry without `advancedConfiguration` is left out.
   */
  routes(serviceArn: string): Promise<EcsBlueGreenRoute[]>;
  /** A listener rule's forward weights by target group ARN. */
  ruleWeights(ruleArn: string): Promise<Record<string, number>>;
}
