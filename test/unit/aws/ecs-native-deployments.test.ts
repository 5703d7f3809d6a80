import 'aws-sdk-client-mock-jest';
import {
  type ServiceDeploymentStatus,
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ecsState,
  EcsNativeDeploymentError,
  EcsNativeDeployments,
  type EcsNativeTarget,
} from '../../../shared/aws/ecs-native-deployments';
import { ecsDeploymentConfiguration } from '../../../shared/domain/controllers/ecs-plan';
import { GateSchema } from '../../../shared/domain/gate';
import { DEFAULT_METRICS_MODEL } from '../../../shared/domain/gate/published-data';

const ecs = mockClient(ECSClient);
const deployments = new EcsNativeDeployments({ ecs: new ECSClient({ region: 'eu-west-1' }) });

const GATE = GateSchema.parse({});
const HOOK_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-prod-ecs-hook';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/greenlight-prod-ecs-hook-invoke';
const TASK_DEF = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42';
const SD_ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/abc123';
const START = {
  cluster: 'prod',
  taskDefinitionArn: TASK_DEF,
  container: { name: 'app', port: 8080 },
  description: 'dep-1',
};

function linearTarget(): EcsNativeTarget {
  const mapped = ecsDeploymentConfiguration(
    {
      plan: { steps: [25, 50, 75].map((weight) => ({ weight, holdSeconds: 90, gate: GATE })) },
      gate: GATE,
      bakeSeconds: 300,
      bakeWindowSeconds: 60,
      metrics: DEFAULT_METRICS_MODEL,
      alarms: [],
    },
    { hookFunctionArn: HOOK_ARN, hookRoleArn: ROLE_ARN, hookTimeoutMinutes: 1440 },
  );
  if (!mapped.ok) throw new Error('expected a mapping');
  return { service: 'web', configuration: mapped.value };
}

const OTHER_HOOK = {
  targetType: 'AWS_LAMBDA' as const,
  hookTargetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:team-smoke-test',
  roleArn: ROLE_ARN,
  lifecycleStages: ['POST_SCALE_UP' as const],
};

function givenService(overrides: Record<string, unknown> = {}) {
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'web',
        deploymentController: { type: 'ECS' },
        loadBalancers: [
          {
            targetGroupArn: 'arn:tg/web-a',
            advancedConfiguration: {
              alternateTargetGroupArn: 'arn:tg/web-b',
              productionListenerRule: 'arn:rule/prod',
              roleArn: ROLE_ARN,
            },
          },
        ],
        deploymentConfiguration: {
          maximumPercent: 200,
          minimumHealthyPercent: 100,
          deploymentCircuitBreaker: { enable: true, rollback: true },
          strategy: 'CANARY',
          canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
          bakeTimeInMinutes: 10,
          lifecycleHooks: [
            OTHER_HOOK,
            {
              targetType: 'AWS_LAMBDA',
              hookTargetArn: HOOK_ARN,
              roleArn: ROLE_ARN,
              lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'],
            },
          ],
        },
        ...overrides,
      },
    ],
  });
}

beforeEach(() => ecs.reset());

describe('EcsNativeDeployments', () => {
  describe('start', () => {
    it('updates the service with the task definition and the mapped strategy and hook, keeping the service’s other settings', async () => {
      // Prepare
      givenService();
      ecs.on(UpdateServiceCommand).resolves({ service: { currentServiceDeployment: SD_ARN } });

      // Act
      const started = await deployments.start(linearTarget(), START);

      // Assess
      expect(started).toEqual({ deploymentId: SD_ARN });
      expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 1);
      expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({
        cluster: 'prod',
        service: 'web',
        taskDefinition: TASK_DEF,
        deploymentConfiguration: {
          maximumPercent: 200,
          minimumHealthyPercent: 100,
          deploymentCircuitBreaker: { enable: true, rollback: true },
          strategy: 'LINEAR',
          bakeTimeInMinutes: 0,
          linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 0 },
          lifecycleHooks: [
            OTHER_HOOK,
            {
              targetType: 'AWS_LAMBDA',
              hookTargetArn: HOOK_ARN,
              roleArn: ROLE_ARN,
              lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT'],
              hookDetails: {
                greenlight: {
                  gate: GATE,
                  metrics: DEFAULT_METRICS_MODEL,
                  stepHoldSeconds: 90,
                  bakeSeconds: 300,
                  bakeWindowSeconds: 60,
                },
              },
              timeoutConfiguration: { timeoutInMinutes: 1440, action: 'ROLLBACK' },
            },
          ],
        },
      });
      expect(ecs).not.toHaveReceivedCommand(ListServiceDeploymentsCommand);
    });

    it('finds the new service deployment with ListServiceDeployments when UpdateService does not name it', async () => {
      givenService();
      ecs.on(UpdateServiceCommand).resolves({ service: {} });
      ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [
          { serviceDeploymentArn: 'arn:old', createdAt: new Date('2026-01-01T00:00:00Z') },
          { serviceDeploymentArn: SD_ARN, createdAt: new Date('2026-01-01T00:05:00Z') },
        ],
      });
      await expect(deployments.start(linearTarget(), START)).resolves.toEqual({ deploymentId: SD_ARN });
      expect(ecs).toHaveReceivedCommandWith(ListServiceDeploymentsCommand, {
        cluster: 'prod',
        service: 'web',
        status: ['PENDING', 'IN_PROGRESS'],
      });
    });

    it('refuses a service that CodeDeploy controls, or without a target group pair, before updating it', async () => {
      givenService({ deploymentController: { type: 'CODE_DEPLOY' } });
      await expect(deployments.start(linearTarget(), START)).rejects.toThrow(
        "service web has deployment controller CODE_DEPLOY: ECS's own strategies need ECS",
      );
      ecs.reset();
      givenService({ loadBalancers: [{ targetGroupArn: 'arn:tg/web-a' }] });
      await expect(deployments.start(linearTarget(), START)).rejects.toThrow(EcsNativeDeploymentError);
      expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
    });
  });

  describe('status', () => {
    it('reads DescribeServiceDeployments, waiting when a PAUSE hook awaits action', async () => {
      ecs.on(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [SD_ARN] }).resolves({
        serviceDeployments: [
          {
            status: 'IN_PROGRESS',
            lifecycleHookDetails: [{ hookId: 'hook-1', targetType: 'PAUSE', status: 'AWAITING_ACTION' }],
          },
        ],
      });
      await expect(deployments.status(SD_ARN)).resolves.toEqual({
        state: 'waiting',
        controllerStatus: 'IN_PROGRESS',
      });
    });

    it('gives the rollback’s reason', async () => {
      ecs.on(DescribeServiceDeploymentsCommand).resolves({
        serviceDeployments: [
          { status: 'ROLLBACK_SUCCESSFUL', rollback: { reason: 'Lifecycle hook FAILED' } },
        ],
      });
      await expect(deployments.status(SD_ARN)).resolves.toEqual({
        state: 'rolled-back',
        controllerStatus: 'ROLLBACK_SUCCESSFUL',
        reason: 'Lifecycle hook FAILED',
      });
    });

    it('names a service deployment ECS does not know', async () => {
      ecs
        .on(DescribeServiceDeploymentsCommand)
        .resolves({ serviceDeployments: [], failures: [{ reason: 'MISSING' }] });
      await expect(deployments.status(SD_ARN)).rejects.toThrow(
        `service deployment ${SD_ARN} not found (MISSING)`,
      );
    });

    it.each([
      ['PENDING', 'in-progress'],
      ['IN_PROGRESS', 'in-progress'],
      ['STOP_REQUESTED', 'in-progress'],
      ['ROLLBACK_REQUESTED', 'rolling-back'],
      ['ROLLBACK_IN_PROGRESS', 'rolling-back'],
      ['SUCCESSFUL', 'succeeded'],
      ['ROLLBACK_SUCCESSFUL', 'rolled-back'],
      ['STOPPED', 'stopped'],
      ['ROLLBACK_FAILED', 'failed'],
    ])('%s is %s', (status, state) => {
      expect(ecsState(status)).toBe(state);
    });
  });

  it('abort stops the service deployment with ROLLBACK', async () => {
    ecs.on(StopServiceDeploymentCommand).resolves({ serviceDeploymentArn: SD_ARN });
    await deployments.abort(SD_ARN);
    expect(ecs).toHaveReceivedCommandWith(StopServiceDeploymentCommand, {
      serviceDeploymentArn: SD_ARN,
      stopType: 'ROLLBACK',
    });
  });

  it.each([
    ['ROLLBACK_IN_PROGRESS', true],
    ['STOPPED', true],
    ['SUCCESSFUL', true],
    ['IN_PROGRESS', false],
  ])('abort refused with ConflictException on a %s deployment is done: %s', async (status, done) => {
    ecs
      .on(StopServiceDeploymentCommand)
      .rejects(Object.assign(new Error('conflict'), { name: 'ConflictException' }));
    ecs
      .on(DescribeServiceDeploymentsCommand)
      .resolves({ serviceDeployments: [{ status: status as ServiceDeploymentStatus }] });
    const aborted = deployments.abort(SD_ARN);
    if (done) await expect(aborted).resolves.toBeUndefined();
    else await expect(aborted).rejects.toThrow(/StopServiceDeployment/);
    expect(ecs).toHaveReceivedCommandWith(StopServiceDeploymentCommand, {
      serviceDeploymentArn: SD_ARN,
      stopType: 'ROLLBACK',
    });
    expect(ecs).toHaveReceivedCommandWith(DescribeServiceDeploymentsCommand, {
      serviceDeploymentArns: [SD_ARN],
    });
  });

  it('abort refused otherwise is an error, without reading the deployment', async () => {
    ecs
      .on(StopServiceDeploymentCommand)
      .rejects(Object.assign(new Error('bad arn'), { name: 'InvalidParameterException' }));
    await expect(deployments.abort(SD_ARN)).rejects.toThrow(/StopServiceDeployment/);
    expect(ecs).toHaveReceivedCommandTimes(DescribeServiceDeploymentsCommand, 0);
  });

  describe('promote', () => {
    it('continues the PAUSE hook awaiting action', async () => {
      ecs.on(DescribeServiceDeploymentsCommand).resolves({
        serviceDeployments: [
          {
            status: 'IN_PROGRESS',
            lifecycleHookDetails: [
              { hookId: 'hook-0', targetType: 'AWS_LAMBDA', status: 'SUCCEEDED' },
              { hookId: 'hook-1', targetType: 'PAUSE', status: 'AWAITING_ACTION' },
            ],
          },
        ],
      });
      ecs.on(ContinueServiceDeploymentCommand).resolves({ serviceDeploymentArn: SD_ARN });
      await expect(deployments.promote(SD_ARN)).resolves.toEqual({ continued: true });
      expect(ecs).toHaveReceivedCommandWith(ContinueServiceDeploymentCommand, {
        serviceDeploymentArn: SD_ARN,
        hookId: 'hook-1',
        action: 'CONTINUE',
      });
    });

    it('says when nothing awaits action', async () => {
      ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [{ status: 'IN_PROGRESS' }] });
      await expect(deployments.promote(SD_ARN)).resolves.toEqual({
        continued: false,
        reason: 'service deployment is IN_PROGRESS: no PAUSE hook awaits action',
      });
      expect(ecs).not.toHaveReceivedCommand(ContinueServiceDeploymentCommand);
    });
  });

  describe('findStarted', () => {
    it('adopts the service’s current deployment when it runs toward this revision and is still in progress', async () => {
      ecs.on(DescribeServicesCommand).resolves({
        services: [{ serviceName: 'web', taskDefinition: TASK_DEF, currentServiceDeployment: SD_ARN }],
      });
      ecs.on(DescribeServiceDeploymentsCommand).resolves({
        serviceDeployments: [{ serviceDeploymentArn: SD_ARN, status: 'IN_PROGRESS' }],
      });

      await expect(deployments.findStarted(linearTarget(), START)).resolves.toEqual({ deploymentId: SD_ARN });
      expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, { cluster: 'prod', services: ['web'] });
      expect(ecs).toHaveReceivedCommandWith(DescribeServiceDeploymentsCommand, {
        serviceDeploymentArns: [SD_ARN],
      });
    });

    it('adopts nothing for another revision, or a deployment that has ended', async () => {
      ecs.on(DescribeServicesCommand).resolves({
        services: [{ serviceName: 'web', taskDefinition: `${TASK_DEF}0`, currentServiceDeployment: SD_ARN }],
      });
      await expect(deployments.findStarted(linearTarget(), START)).resolves.toBeNull();
      expect(ecs).not.toHaveReceivedCommand(DescribeServiceDeploymentsCommand);

      ecs.reset();
      ecs.on(DescribeServicesCommand).resolves({
        services: [{ serviceName: 'web', taskDefinition: TASK_DEF, currentServiceDeployment: SD_ARN }],
      });
      ecs.on(DescribeServiceDeploymentsCommand).resolves({
        serviceDeployments: [{ serviceDeploymentArn: SD_ARN, status: 'SUCCESSFUL' }],
      });
      await expect(deployments.findStarted(linearTarget(), START)).resolves.toBeNull();
    });
  });
});
