import 'aws-sdk-client-mock-jest';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { AlbRouter, AlbRouterError } from '../../../shared/aws/alb-router';
import { soleColor } from '../../../shared/domain/colors';
import { InvalidInputError, ThrottlingError } from '../../../shared/domain/errors';
import type { RouteRef } from '../../../shared/ports/router';

const elb = mockClient(ElasticLoadBalancingV2Client);
const router = new AlbRouter({ client: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }) });

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const BLUE_TG = `${ARN}:targetgroup/web-blue/0123456789abcdef`;
const GREEN_TG = `${ARN}:targetgroup/web-green/fedcba9876543210`;
const LISTENER = `${ARN}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const RULE = `${ARN}:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const listenerRoute: RouteRef = { listener: LISTENER, targetGroups: { blue: BLUE_TG, green: GREEN_TG } };
const ruleRoute: RouteRef = { ...listenerRoute, rule: RULE };

const authenticate: Action = {
  Type: 'authenticate-cognito',
  Order: 1,
  AuthenticateCognitoConfig: {
    UserPoolArn: 'arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc',
    UserPoolClientId: 'client',
    UserPoolDomain: 'login',
  },
};

function forward(blueWeight: number, greenWeight: number): Action {
  return {
    Type: 'forward',
    Order: 2,
    TargetGroupArn: blueWeight > 0 && greenWeight === 0 ? BLUE_TG : undefined,
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: BLUE_TG, Weight: blueWeight },
        { TargetGroupArn: GREEN_TG, Weight: greenWeight },
      ],
      TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 },
    },
  };
}

describe('AlbRouter', () => {
  beforeEach(() => {
    elb.reset();
  });

  describe('getWeights', () => {
    it('reads the weights of the listener default forward action', async () => {
      // Prepare
      elb
        .on(DescribeListenersCommand)
        .resolves({ Listeners: [{ DefaultActions: [authenticate, forward(95, 5)] }] });

      // Act
      const weights = await router.getWeights(listenerRoute);

      // Assess
      expect(elb).toHaveReceivedCommandWith(DescribeListenersCommand, { ListenerArns: [LISTENER] });
      expect(weights).toEqual({ blue: 95, green: 5 });
    });

    it('reads the weights of a listener rule when the route names one', async () => {
      // Prepare
      elb.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE, Actions: [forward(75, 25)] }] });

      // Act
      const weights = await router.getWeights(ruleRoute);

      // Assess
      expect(elb).toHaveReceivedCommandWith(DescribeRulesCommand, { RuleArns: [RULE] });
      expect(elb).not.toHaveReceivedCommand(DescribeListenersCommand);
      expect(weights).toEqual({ blue: 75, green: 25 });
    });

    it('converts ALB weights on the 0–999 scale to percentages summing to 100', async () => {
      // Prepare
      elb.on(DescribeListenersCommand).resolves({ Listeners: [{ DefaultActions: [forward(999, 333)] }] });

      // Act
      const weights = await router.getWeights(listenerRoute);

      // Assess
      expect(weights).toEqual({ blue: 75, green: 25 });
    });

    it('rounds so that the two percentages still sum to 100', async () => {
      // Prepare: 1/8 = 12.5 % and 7/8 = 87.5 % would round to 13 + 88.
      elb.on(DescribeListenersCommand).resolves({ Listeners: [{ DefaultActions: [forward(1, 7)] }] });

      // Act
      const weights = await router.getWeights(listenerRoute);

      // Assess
      expect(weights.blue + weights.green).toBe(100);
      expect(weights).toEqual({ blue: 13, green: 87 });
    });

    it.each([
      [1, 999, { blue: 1, green: 99 }],
      [999, 1, { blue: 99, green: 1 }],
      [2, 997, { blue: 1, green: 99 }],
    ])(
      'reads ALB weights %i/%i as a split (%j), never as one color at 100 %%',
      async (blue, green, expected) => {
        // Prepare: 1/1000 of the traffic rounds to 0 %, yet the listener is split.
        elb
          .on(DescribeListenersCommand)
          .resolves({ Listeners: [{ DefaultActions: [forward(blue, green)] }] });

        // Act
        const weights = await router.getWeights(listenerRoute);

        // Assess
        expect(elb).toHaveReceivedCommandWith(DescribeListenersCommand, { ListenerArns: [LISTENER] });
        expect(weights).toEqual(expected);
        expect(soleColor(weights)).toBeNull();
      },
    );

    it('names the missing target group when the forward action lacks one color', async () => {
      // Prepare
      elb.on(DescribeListenersCommand).resolves({
        Listeners: [{ DefaultActions: [{ Type: 'forward', TargetGroupArn: BLUE_TG }] }],
      });

      // Act
      const reading = router.getWeights(listenerRoute);

      // Assess
      await expect(reading).rejects.toThrow(AlbRouterError);
      await expect(reading).rejects.toThrow(`but not to green (${GREEN_TG})`);
    });

    it('refuses a route without a forward action', async () => {
      // Prepare
      elb.on(DescribeListenersCommand).resolves({
        Listeners: [
          { DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }] },
        ],
      });

      // Act
      const reading = router.getWeights(listenerRoute);

      // Assess
      await expect(reading).rejects.toThrow('has no forward action (actions: fixed-response)');
    });

    it('maps ELB throttling to ThrottlingError', async () => {
      // Prepare
      const throttled = new ElasticLoadBalancingV2ServiceException({
        name: 'Throttling',
        message: 'Rate exceeded',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
      elb.on(DescribeListenersCommand).rejects(throttled);

      // Act
      const error = await router.getWeights(listenerRoute).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ThrottlingError);
      expect((error as Error).cause).toBe(throttled);
    });
  });

  describe('stickiness', () => {
    it("reads the forward action's target group stickiness of the listener", async () => {
      // Prepare: forward() carries TargetGroupStickinessConfig {Enabled: true, DurationSeconds: 300}.
      elb
        .on(DescribeListenersCommand)
        .resolves({ Listeners: [{ DefaultActions: [authenticate, forward(100, 0)] }] });

      // Act
      const stickiness = await router.stickiness(listenerRoute);

      // Assess
      expect(elb).toHaveReceivedCommandWith(DescribeListenersCommand, { ListenerArns: [LISTENER] });
      expect(stickiness).toEqual({ enabled: true, durationSeconds: 300 });
    });

    it("reads a rule's, and reports none when the forward action has no stickiness config", async () => {
      // Prepare
      const plain: Action = {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE_TG, Weight: 100 },
            { TargetGroupArn: GREEN_TG, Weight: 0 },
          ],
        },
      };
      elb.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE, Actions: [plain] }] });

      // Act
      const stickiness = await router.stickiness(ruleRoute);

      // Assess
      expect(elb).toHaveReceivedCommandWith(DescribeRulesCommand, { RuleArns: [RULE] });
      expect(stickiness).toEqual({ enabled: false, durationSeconds: null });
    });
  });

  describe('setWeights', () => {
    it('rewrites only the forward weights on the listener, keeping other actions, order and stickiness', async () => {
      // Prepare
      elb
        .on(DescribeListenersCommand)
        .resolves({ Listeners: [{ DefaultActions: [authenticate, forward(100, 0)] }] });
      elb.on(ModifyListenerCommand).resolves({});

      // Act
      await router.setWeights(listenerRoute, { blue: 90, green: 10 });

      // Assess
      expect(elb).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
      expect(elb.commandCalls(ModifyListenerCommand)[0]!.args[0].input).toStrictEqual({
        ListenerArn: LISTENER,
        DefaultActions: [
          authenticate,
          {
            Type: 'forward',
            Order: 2,
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: BLUE_TG, Weight: 90 },
                { TargetGroupArn: GREEN_TG, Weight: 10 },
              ],
              TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 },
            },
          },
        ],
      });
      expect(elb).not.toHaveReceivedCommand(ModifyRuleCommand);
    });

    it('uses ModifyRule for a rule route', async () => {
      // Prepare
      elb.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE, Actions: [forward(75, 25)] }] });
      elb.on(ModifyRuleCommand).resolves({});

      // Act
      await router.setWeights(ruleRoute, { blue: 0, green: 100 });

      // Assess
      expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
      expect(elb.commandCalls(ModifyRuleCommand)[0]!.args[0].input).toStrictEqual({
        RuleArn: RULE,
        Actions: [
          {
            Type: 'forward',
            Order: 2,
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: BLUE_TG, Weight: 0 },
                { TargetGroupArn: GREEN_TG, Weight: 100 },
              ],
              TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 },
            },
          },
        ],
      });
    });

    it('keeps an OIDC action writable by asking ALB to reuse its stored client secret', async () => {
      // Prepare
      const oidc: Action = {
        Type: 'authenticate-oidc',
        Order: 1,
        AuthenticateOidcConfig: {
          Issuer: 'https://idp.example.com',
          AuthorizationEndpoint: 'https://idp.example.com/authorize',
          TokenEndpoint: 'https://idp.example.com/token',
          UserInfoEndpoint: 'https://idp.example.com/userinfo',
          ClientId: 'greenlight',
        },
      };
      elb.on(DescribeListenersCommand).resolves({ Listeners: [{ DefaultActions: [oidc, forward(50, 50)] }] });
      elb.on(ModifyListenerCommand).resolves({});

      // Act
      await router.setWeights(listenerRoute, { blue: 0, green: 100 });

      // Assess
      const sent = elb.commandCalls(ModifyListenerCommand)[0]!.args[0].input.DefaultActions?.[0];
      expect(sent).toEqual({
        ...oidc,
        AuthenticateOidcConfig: { ...oidc.AuthenticateOidcConfig, UseExistingClientSecret: true },
      });
    });

    it('rejects weights that do not sum to 100 without touching the load balancer', async () => {
      // Act
      const setting = router.setWeights(listenerRoute, { blue: 50, green: 60 });

      // Assess
      await expect(setting).rejects.toThrow(InvalidInputError);
      expect(elb).not.toHaveReceivedCommand(DescribeListenersCommand);
      expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    });

    it('refuses to write when a third target group also receives traffic', async () => {
      // Prepare
      const third = `${ARN}:targetgroup/legacy/aaaaaaaaaaaaaaaa`;
      const action = forward(50, 50);
      action.ForwardConfig!.TargetGroups!.push({ TargetGroupArn: third, Weight: 10 });
      elb.on(DescribeListenersCommand).resolves({ Listeners: [{ DefaultActions: [action] }] });

      // Act
      const setting = router.setWeights(listenerRoute, { blue: 0, green: 100 });

      // Assess
      await expect(setting).rejects.toThrow(`also sends traffic to ${third}`);
      expect(elb).not.toHaveReceivedCommand(ModifyListenerCommand);
    });
  });

  describe('targetHealth', () => {
    it('counts healthy, unhealthy and transitioning targets', async () => {
      // Prepare
      const states = [
        'healthy',
        'healthy',
        'initial',
        'draining',
        'unhealthy',
        'unused',
        'unavailable',
      ] as const;
      elb.on(DescribeTargetHealthCommand).resolves({
        TargetHealthDescriptions: states.map((State, i) => ({
          Target: { Id: `10.0.0.${i}` },
          TargetHealth: { State },
        })),
      });

      // Act
      const health = await router.targetHealth(GREEN_TG);

      // Assess
      expect(elb).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG });
      expect(health).toEqual({ healthy: 2, unhealthy: 3, transitioning: 2 });
    });

    it('reports zero targets for an empty target group', async () => {
      // Prepare
      elb.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });

      // Act
      const health = await router.targetHealth(GREEN_TG);

      // Assess
      expect(health).toEqual({ healthy: 0, unhealthy: 0, transitioning: 0 });
    });

    it('wraps an unknown target group in AlbRouterError naming it', async () => {
      // Prepare
      elb.on(DescribeTargetHealthCommand).rejects(
        new ElasticLoadBalancingV2ServiceException({
          name: 'TargetGroupNotFound',
          message: 'One or more target groups not found',
          $fault: 'client',
          $metadata: {},
        }),
      );

      // Act
      const reading = router.targetHealth(GREEN_TG);

      // Assess
      await expect(reading).rejects.toThrow(AlbRouterError);
      await expect(reading).rejects.toThrow(`target group ${GREEN_TG}`);
    });
  });
});
