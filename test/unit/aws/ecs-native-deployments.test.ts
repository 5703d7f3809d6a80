import 'aws-sdk-client-mock-jest';
import {
  type ServiceDeploymentStatus,
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
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
const REV_ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-revision/prod/web/4242';
// Another actor's deployment of the service, to another revision.
const OTHER_SD_ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/web/zzz999';
const OTHER_REV_ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-revision/prod/web/4141';
const OTHER_TASK_DEF = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:41';

/** DescribeServiceDeployments and DescribeServiceRevisions: each deployment's target revision and its task definition. */
function givenDeployments(deployments: { arn: string; revision: string; taskDefinition: string }[]) {
  for (const d of deployments) {
    ecs.on(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [d.arn] }).resolves({
      serviceDeployments: [{ serviceDeploymentArn: d.arn, targetServiceRevision: { arn: d.revision } }],
    });
  }
  ecs.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns: string[] }) => ({
    serviceRevisions: deployments
      .filter((d) => input.serviceRevisionArns.includes(d.revision))
      .map((d) => ({ serviceRevisionArn: d.revision, taskDefinition: d.taskDefinition })),
  }));
}
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
      givenDeployments([{ arn: SD_ARN, revision: REV_ARN, taskDefinition: TASK_DEF }]);

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

    it('follows the deployment UpdateService names once its target revision is found to run the requested task definition', async () => {
      givenService();
      ecs.on(UpdateServiceCommand).resolves({ service: { currentServiceDeployment: SD_ARN } });
      givenDeployments([{ arn: SD_ARN, revision: REV_ARN, taskDefinition: TASK_DEF }]);

      await expect(deployments.start(linearTarget(), START)).resolves.toEqual({ deploymentId: SD_ARN });
      expect(ecs.commandCalls(DescribeServiceDeploymentsCommand).map((c) => c.args[0].input)).toEqual([
        { serviceDeploymentArns: [SD_ARN] },
      ]);
      expect(ecs.commandCalls(DescribeServiceRevisionsCommand).map((c) => c.args[0].input)).toEqual([
        { serviceRevisionArns: [REV_ARN] },
      ]);
      expect(ecs).not.toHaveReceivedCommand(ListServiceDeploymentsCommand);
    });

    it('does not follow another revision’s deployment UpdateService names: takes the newest running one of the requested revision', async () => {
      givenService();
      ecs.on(UpdateServiceCommand).resolves({ service: { currentServiceDeployment: OTHER_SD_ARN } });
      givenDeployments([
        { arn: OTHER_SD_ARN, revision: OTHER_REV_ARN, taskDefinition: OTHER_TASK_DEF },
        { arn: SD_ARN, revision: REV_ARN, taskDefinition: TASK_DEF },
      ]);
      ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [
          {
            serviceDeploymentArn: SD_ARN,
            targetServiceRevisionArn: REV_ARN,
            createdAt: new Date('2026-01-01T00:00:00Z'),
          },
          {
            serviceDeploymentArn: OTHER_SD_ARN,
            targetServiceRevisionArn: OTHER_REV_ARN,
            createdAt: new Date('2026-01-01T00:05:00Z'),
          },
        ],
      });

      await expect(deployments.start(linearTarget(), START)).resolves.toEqual({ deploymentId: SD_ARN });
      expect(ecs).toHaveReceivedCommandWith(ListServiceDeploymentsCommand, {
        cluster: 'prod',
        service: 'web',
        status: ['PENDING', 'IN_PROGRESS'],
      });
      expect(ecs.commandCalls(DescribeServiceRevisionsCommand).map((c) => c.args[0].input)).toEqual([
        { serviceRevisionArns: [OTHER_REV_ARN] },
        { serviceRevisionArns: [OTHER_REV_ARN, REV_ARN] },
      ]);
    });

    it('falls back to the search when the deployment UpdateService names cannot be read', async () => {
      givenService();
      ecs.on(UpdateServiceCommand).resolves({ service: { currentServiceDeployment: SD_ARN } });
      givenDeployments([{ arn: SD_ARN, revision: REV_ARN, taskDefinition: TASK_DEF }]);
      ecs
        .on(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [SD_ARN] })
        .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
      ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [
          {
            serviceDeploymentArn: SD_ARN,
            targetServiceRevisionArn: REV_ARN,
            createdAt: new Date('2026-01-01T00:05:00Z'),
          },
        ],
      });
      await expect(deployments.start(linearTarget(), START)).resolves.toEqual({ deploymentId: SD_ARN });
      expect(ecs).toHaveReceivedCommandWith(ListServiceDeploymentsCommand, {
        cluster: 'prod',
        service: 'web',
        status: ['PENDING', 'IN_PROGRESS'],
      });
    });

    it('finds the new service deployment with ListServiceDeployments when UpdateService does not name it', async () => {
      givenService();
      ecs.on(UpdateServiceCommand).resolves({ service: {} });
      givenDeployments([{ arn: SD_ARN, revision: REV_ARN, taskDefinition: TASK_DEF }]);
      ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [
          {
            serviceDeploymentArn: SD_ARN,
            targetServiceRevisionArn: REV_ARN,
            createdAt: new Date('2026-01-01T00:05:00Z'),
          },
        ],
      });
      await expect(deployments.start(linearTarget(), START)).resolves.toEqual({ deploymentId: SD_ARN });
      expect(ecs).not.toHaveReceivedCommand(DescribeServiceDeploymentsCommand);
    });

    it('refuses, naming what it found, when no running deployment is of the requested revision', async () => {
      givenService();
      ecs.on(UpdateServiceCommand).resolves({ service: { currentServiceDeployment: OTHER_SD_ARN } });
      givenDeployments([{ arn: OTHER_SD_ARN, revision: OTHER_REV_ARN, taskDefinition: OTHER_TASK_DEF }]);
      ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [{ serviceDeploymentArn: OTHER_SD_ARN, targetServiceRevisionArn: OTHER_REV_ARN }],
      });

      const started = deployments.start(linearTarget(), START);

      await expect(started).rejects.toThrow(EcsNativeDeploymentError);
      await expect(started).rejects.toThrow(
        `UpdateService (web) started no service deployment of ${TASK_DEF}: UpdateService named ${OTHER_SD_ARN}, whose target revision ${OTHER_REV_ARN} runs ${OTHER_TASK_DEF}; pending or in progress: ${OTHER_SD_ARN} (${OTHER_TASK_DEF})`,
      );
    });

    describe('with the other hooks’ role pattern (ecsOtherHookRolePattern)', () => {
      const TEAM_ROLE = 'arn:aws:iam::123456789012:role/team-hooks/smoke-invoke';
      const TEAM_HOOK = { ...OTHER_HOOK, roleArn: TEAM_ROLE };
      const withPattern = (pattern: string) =>
        new EcsNativeDeployments({
          ecs: new ECSClient({ region: 'eu-west-1' }),
          otherHookRolePattern: pattern,
        });
      const serviceWithTeamHook = () =>
        givenService({
          deploymentConfiguration: { strategy: 'BLUE_GREEN', lifecycleHooks: [TEAM_HOOK] },
        });

      it('refuses, before updating, a kept hook whose role it may not pass, naming the field', async () => {
        serviceWithTeamHook();
        const started = withPattern('none').start(linearTarget(), START);
        await expect(started).rejects.toThrow(EcsNativeDeploymentError);
        await expect(started).rejects.toThrow(
          `service web has lifecycle hooks Greenlight keeps but may not pass the role of (iam:PassRole): deploymentConfiguration.lifecycleHooks[0].roleArn ${TEAM_ROLE} (hook ${OTHER_HOOK.hookTargetArn})`,
        );
        expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
      });

      it('keeps a hook whose role matches the pattern, and passes it in UpdateService', async () => {
        serviceWithTeamHook();
        ecs.on(UpdateServiceCommand).resolves({ service: { currentServiceDeployment: SD_ARN } });
        givenDeployments([{ arn: SD_ARN, revision: REV_ARN, taskDefinition: TASK_DEF }]);
        await expect(withPattern('team-hooks/*').start(linearTarget(), START)).resolves.toEqual({
          deploymentId: SD_ARN,
        });
        const hooks =
          ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input.deploymentConfiguration?.lifecycleHooks;
        expect(hooks?.map((h) => h.roleArn)).toEqual([TEAM_ROLE, ROLE_ARN]);
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
    it('adopts the newest pending or in-progress deployment whose target revision runs this task definition', async () => {
      ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [
          {
            serviceDeploymentArn: OTHER_SD_ARN,
            targetServiceRevisionArn: OTHER_REV_ARN,
            createdAt: new Date('2026-01-01T00:05:00Z'),
          },
          {
            serviceDeploymentArn: SD_ARN,
            targetServiceRevisionArn: REV_ARN,
            createdAt: new Date('2026-01-01T00:00:00Z'),
          },
        ],
      });
      givenDeployments([
        { arn: OTHER_SD_ARN, revision: OTHER_REV_ARN, taskDefinition: OTHER_TASK_DEF },
        { arn: SD_ARN, revision: REV_ARN, taskDefinition: TASK_DEF },
      ]);

      await expect(deployments.findStarted(linearTarget(), START)).resolves.toEqual({ deploymentId: SD_ARN });
      expect(ecs).toHaveReceivedCommandWith(ListServiceDeploymentsCommand, {
        cluster: 'prod',
        service: 'web',
        status: ['PENDING', 'IN_PROGRESS'],
      });
      expect(ecs.commandCalls(DescribeServiceRevisionsCommand).map((c) => c.args[0].input)).toEqual([
        { serviceRevisionArns: [OTHER_REV_ARN, REV_ARN] },
      ]);
    });

    it('adopts nothing when no running deployment is of this revision', async () => {
      ecs.on(ListServiceDeploymentsCommand).resolves({
        serviceDeployments: [{ serviceDeploymentArn: OTHER_SD_ARN, targetServiceRevisionArn: OTHER_REV_ARN }],
      });
      givenDeployments([{ arn: OTHER_SD_ARN, revision: OTHER_REV_ARN, taskDefinition: OTHER_TASK_DEF }]);
      await expect(deployments.findStarted(linearTarget(), START)).resolves.toBeNull();

      ecs.reset();
      ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
      await expect(deployments.findStarted(linearTarget(), START)).resolves.toBeNull();
      expect(ecs).not.toHaveReceivedCommand(DescribeServiceRevisionsCommand);
    });
  });
});
