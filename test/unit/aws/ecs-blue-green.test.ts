import 'aws-sdk-client-mock-jest';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import {
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { EcsBlueGreenError, EcsBlueGreenService } from '../../../shared/aws/ecs-blue-green';
import { ThrottlingError } from '../../../shared/domain/errors';
import { PROD_RULE, SERVICE_ARN, TEST_RULE, TG_ALTERNATE, TG_PRIMARY } from '../../fixtures/ecs-hook-events';

const ecs = mockClient(ECSClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const service = new EcsBlueGreenService({
  ecs: new ECSClient({ region: 'eu-west-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
});

beforeEach(() => {
  ecs.reset();
  elb.reset();
});

describe('EcsBlueGreenService', () => {
  describe('routes', () => {
    it("reads the service's target group pair and listener rules with DescribeServices in its cluster", async () => {
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            serviceArn: SERVICE_ARN,
            loadBalancers: [
              {
                targetGroupArn: TG_PRIMARY,
                containerName: 'web',
                containerPort: 8080,
                advancedConfiguration: {
                  alternateTargetGroupArn: TG_ALTERNATE,
                  productionListenerRule: PROD_RULE,
                  testListenerRule: TEST_RULE,
                  roleArn: 'arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers',
                },
              },
              // A second load balancer without blue/green configuration is left out.
              { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/other/1' },
            ],
          },
        ],
      });
      await expect(service.routes(SERVICE_ARN)).resolves.toEqual([
        {
          targetGroup: TG_PRIMARY,
          alternateTargetGroup: TG_ALTERNATE,
          productionListenerRule: PROD_RULE,
          testListenerRule: TEST_RULE,
        },
      ]);
      expect(ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 1);
      expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, {
        cluster: 'prod',
        services: [SERVICE_ARN],
      });
    });

    it('says a rule is absent as null', async () => {
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            loadBalancers: [
              {
                targetGroupArn: TG_PRIMARY,
                advancedConfiguration: { alternateTargetGroupArn: TG_ALTERNATE },
              },
            ],
          },
        ],
      });
      await expect(service.routes(SERVICE_ARN)).resolves.toEqual([
        {
          targetGroup: TG_PRIMARY,
          alternateTargetGroup: TG_ALTERNATE,
          productionListenerRule: null,
          testListenerRule: null,
        },
      ]);
    });

    it('fails with the reason when the service is not found', async () => {
      ecs
        .on(DescribeServicesCommand)
        .resolves({ services: [], failures: [{ arn: SERVICE_ARN, reason: 'MISSING' }] });
      await expect(service.routes(SERVICE_ARN)).rejects.toThrow(
        new EcsBlueGreenError(`service ${SERVICE_ARN} not found (MISSING)`),
      );
    });

    it('turns throttling into ThrottlingError', async () => {
      ecs
        .on(DescribeServicesCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      await expect(service.routes(SERVICE_ARN)).rejects.toBeInstanceOf(ThrottlingError);
    });
  });

  describe('ruleWeights', () => {
    it("reads a rule's forward weights by target group with DescribeRules", async () => {
      elb.on(DescribeRulesCommand).resolves({
        Rules: [
          {
            RuleArn: PROD_RULE,
            Actions: [
              {
                Type: 'forward',
                ForwardConfig: {
                  TargetGroups: [
                    { TargetGroupArn: TG_PRIMARY, Weight: 90 },
                    { TargetGroupArn: TG_ALTERNATE, Weight: 10 },
                  ],
                },
              },
            ],
          },
        ],
      });
      await expect(service.ruleWeights(PROD_RULE)).resolves.toEqual({ [TG_PRIMARY]: 90, [TG_ALTERNATE]: 10 });
      expect(elb).toHaveReceivedCommandTimes(DescribeRulesCommand, 1);
      expect(elb).toHaveReceivedCommandWith(DescribeRulesCommand, { RuleArns: [PROD_RULE] });
    });

    it('reads a plain forward to one target group as all of it', async () => {
      elb.on(DescribeRulesCommand).resolves({
        Rules: [{ Actions: [{ Type: 'forward', TargetGroupArn: TG_ALTERNATE }] }],
      });
      await expect(service.ruleWeights(TEST_RULE)).resolves.toEqual({ [TG_ALTERNATE]: 1 });
    });

    it('fails when the rule is not found, or its call fails', async () => {
      elb.on(DescribeRulesCommand).resolves({ Rules: [] });
      await expect(service.ruleWeights(TEST_RULE)).rejects.toThrow(`listener rule ${TEST_RULE} not found`);
      elb
        .on(DescribeRulesCommand)
        .rejects(Object.assign(new Error('no such rule'), { name: 'RuleNotFoundException' }));
      await expect(service.ruleWeights(TEST_RULE)).rejects.toThrow(
        `DescribeRules (${TEST_RULE}) failed: RuleNotFoundException: no such rule`,
      );
    });
  });
});
