/** The EcsBlueGreen port on ECS DescribeServices and ELB DescribeRules. */
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeRulesCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GreenlightError } from '../domain/errors';
import type { EcsBlueGreen, EcsBlueGreenRoute } from '../ports/ecs-blue-green';
import { normaliseAwsError } from './errors';

/** An ECS or ELB call failed, or the service is not what an ECS blue/green hook needs. */
export class EcsBlueGreenError extends GreenlightError {}

export class EcsBlueGreenService implements EcsBlueGreen {
  private readonly ecs: ECSClient;
  private readonly elbv2: ElasticLoadBalancingV2Client;

  constructor(options: { ecs: ECSClient; elbv2: ElasticLoadBalancingV2Client }) {
    this.ecs = options.ecs;
    this.elbv2 = options.elbv2;
  }

  async routes(serviceArn: string): Promise<EcsBlueGreenRoute[]> {
    // DescribeServices needs the cluster unless it is the default one; the long ARN names it.
    const cluster = /:service\/([^/]+)\/[^/]+$/.exec(serviceArn)?.[1];
    const output = await this.call('DescribeServices', serviceArn, () =>
      this.ecs.send(new DescribeServicesCommand({ ...(cluster ? { cluster } : {}), services: [serviceArn] })),
    );
    const service = output.services?.[0];
    if (!service) {
      const failure = output.failures?.[0];
      throw new EcsBlueGreenError(
        `service ${serviceArn} not found${failure?.reason ? ` (${failure.reason})` : ''}`,
      );
    }
    return (service.loadBalancers ?? []).flatMap((lb): EcsBlueGreenRoute[] => {
      const advanced = lb.advancedConfiguration;
      if (!lb.targetGroupArn || !advanced?.alternateTargetGroupArn) return [];
      return [
        {
          targetGroup: lb.targetGroupArn,
          alternateTargetGroup: advanced.alternateTargetGroupArn,
          productionListenerRule: advanced.productionListenerRule ?? null,
          testListenerRule: advanced.testListenerRule ?? null,
        },
      ];
    });
  }

  async ruleWeights(ruleArn: string): Promise<Record<string, number>> {
    const output = await this.call('DescribeRules', ruleArn, () =>
      this.elbv2.send(new DescribeRulesCommand({ RuleArns: [ruleArn] })),
    );
    const rule = output.Rules?.[0];
    if (!rule) throw new EcsBlueGreenError(`listener rule ${ruleArn} not found`);
    const weights: Record<string, number> = {};
    for (const action of rule.Actions ?? []) {
      if (action.Type !== 'forward') continue;
      const groups = action.ForwardConfig?.TargetGroups;
      if (groups?.length) {
        // A target group without a Weight in a ForwardConfig gets weight 1 (ELB's default).
        for (const g of groups) if (g.TargetGroupArn) weights[g.TargetGroupArn] = g.Weight ?? 1;
      } else if (action.TargetGroupArn) {
        weights[action.TargetGroupArn] = 1;
      }
    }
    return weights;
  }

  private async call<T>(operation: string, target: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw normaliseAwsError(
        error,
        `${operation} (${target})`,
        (message, cause) => new EcsBlueGreenError(message, { cause }),
      );
    }
  }
}
