import 'aws-sdk-client-mock-jest';
import {
  type DeploymentStatus,
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  appSpecContent,
  CodeDeployDeploymentError,
  CodeDeployDeployments,
  codeDeployRollbackState,
  codeDeployState,
  type CodeDeployTarget,
} from '../../../shared/aws/codedeploy-deployments';
import { ThrottlingError } from '../../../shared/domain/errors';

const codedeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const deployments = new CodeDeployDeployments({
  codedeploy: new CodeDeployClient({ region: 'eu-west-1' }),
  ecs: new ECSClient({ region: 'eu-west-1' }),
});

const TASK_DEF = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42';
const HOOK_FN = 'greenlight-prod-codedeploy-hook';
const START = {
  cluster: 'prod',
  taskDefinitionArn: TASK_DEF,
  container: { name: 'app', port: 8080 },
  description: 'Greenlight deployment dep-123 of web',
};
const target = (plan: CodeDeployTarget['plan']): CodeDeployTarget => ({
  application: 'web-app',
  deploymentGroup: 'web-prod',
  hookFunction: HOOK_FN,
  plan,
});
const CANARY_5_2 = target({
  deploymentConfigName: 'Greenlight.ECSCanary5Percent2Minutes',
  trafficRouting: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 5, canaryInterval: 2 } },
  hooks: ['AfterAllowTestTraffic', 'AfterAllowTraffic'],
});

function givenGroupAndService(options: { testListener?: boolean; capacity?: boolean } = {}) {
  codedeploy.on(GetDeploymentGroupCommand).resolves({
    deploymentGroupInfo: {
      ecsServices: [{ clusterName: 'prod', serviceName: 'web' }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [
          {
            targetGroups: [{ name: 'web-blue' }, { name: 'web-green' }],
            prodTrafficRoute: { listenerArns: ['arn:listener/prod'] },
            ...(options.testListener === false
              ? {}
              : { testTrafficRoute: { listenerArns: ['arn:listener/test'] } }),
          },
        ],
      },
    },
  });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'web',
        platformVersion: '1.4.0',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ['subnet-a', 'subnet-b'],
            securityGroups: ['sg-1'],
            assignPublicIp: 'DISABLED',
          },
        },
        ...(options.capacity
          ? {
              capacityProviderStrategy: [
                { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 },
                { capacityProvider: 'FARGATE', weight: 1, base: 1 },
              ],
            }
          : {}),
      },
    ],
  });
}

beforeEach(() => {
  codedeploy.reset();
  ecs.reset();
});

describe('CodeDeployDeployments', () => {
  describe('start', () => {
    it('creates the custom config, then the deployment with the AppSpec content and auto-rollback', async () => {
      // Prepare
      codedeploy
        .on(GetDeploymentConfigCommand)
        .rejects(
          Object.assign(new Error('no such config'), { name: 'DeploymentConfigDoesNotExistException' }),
        );
      codedeploy.on(CreateDeploymentConfigCommand).resolves({ deploymentConfigId: 'cfg-1' });
      codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABCDEF123' });
      givenGroupAndService({ capacity: true });

      // Act
      const started = await deployments.start(CANARY_5_2, START);

      // Assess
      expect(started).toEqual({ deploymentId: 'd-ABCDEF123' });
      expect(codedeploy).toHaveReceivedCommandWith(CreateDeploymentConfigCommand, {
        deploymentConfigName: 'Greenlight.ECSCanary5Percent2Minutes',
        computePlatform: 'ECS',
        trafficRoutingConfig: {
          type: 'TimeBasedCanary',
          timeBasedCanary: { canaryPercentage: 5, canaryInterval: 2 },
        },
      });
      expect(ecs).toHaveReceivedCommandWith(DescribeServicesCommand, { cluster: 'prod', services: ['web'] });
      const appSpec = {
        version: 0.0,
        Resources: [
          {
            TargetService: {
              Type: 'AWS::ECS::Service',
              Properties: {
                TaskDefinition: TASK_DEF,
                LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 },
                PlatformVersion: '1.4.0',
                NetworkConfiguration: {
                  AwsvpcConfiguration: {
                    Subnets: ['subnet-a', 'subnet-b'],
                    SecurityGroups: ['sg-1'],
                    AssignPublicIp: 'DISABLED',
                  },
                },
                CapacityProviderStrategy: [
                  { CapacityProvider: 'FARGATE_SPOT', Base: 0, Weight: 3 },
                  { CapacityProvider: 'FARGATE', Base: 1, Weight: 1 },
                ],
              },
            },
          },
        ],
        Hooks: [{ AfterAllowTestTraffic: HOOK_FN }, { AfterAllowTraffic: HOOK_FN }],
      };
      expect(codedeploy).toHaveReceivedCommandTimes(CreateDeploymentCommand, 1);
      const input = codedeploy.commandCalls(CreateDeploymentCommand)[0]!.args[0].input;
      expect(input.revision?.appSpecContent?.content).toMatch(/^\{"version":0\.0,"Resources":/);
      expect(input).toEqual({
        applicationName: 'web-app',
        deploymentGroupName: 'web-prod',
        deploymentConfigName: 'Greenlight.ECSCanary5Percent2Minutes',
        description: 'Greenlight deployment dep-123 of web',
        revision: {
          revisionType: 'AppSpecContent',
          appSpecContent: { content: JSON.stringify(appSpec).replace('{"version":0,', '{"version":0.0,') },
        },
        autoRollbackConfiguration: {
          enabled: true,
          events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
        },
      });
    });

    it('leaves CapacityProviderStrategy out for a service on a launch type, and names a predefined config without creating one', async () => {
      codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABCDEF124' });
      givenGroupAndService();
      await deployments.start(
        target({ deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce', hooks: ['AfterAllowTraffic'] }),
        START,
      );
      expect(codedeploy).not.toHaveReceivedCommand(GetDeploymentConfigCommand);
      expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentConfigCommand);
      const input = codedeploy.commandCalls(CreateDeploymentCommand)[0]!.args[0].input;
      const content = JSON.parse(input.revision!.appSpecContent!.content!);
      expect(content.Resources[0].TargetService.Properties).not.toHaveProperty('CapacityProviderStrategy');
      expect(content.Hooks).toEqual([{ AfterAllowTraffic: HOOK_FN }]);
      expect(input.deploymentConfigName).toBe('CodeDeployDefault.ECSAllAtOnce');
    });

    it('reuses an existing config with the same routing, and refuses one with another routing', async () => {
      codedeploy.on(GetDeploymentConfigCommand).resolves({
        deploymentConfigInfo: {
          trafficRoutingConfig: {
            type: 'TimeBasedCanary',
            timeBasedCanary: { canaryInterval: 2, canaryPercentage: 5 },
          },
        },
      });
      codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABCDEF125' });
      givenGroupAndService();
      await deployments.start(CANARY_5_2, START);
      expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentConfigCommand);

      codedeploy.reset();
      codedeploy.on(GetDeploymentConfigCommand).resolves({
        deploymentConfigInfo: {
          trafficRoutingConfig: {
            type: 'TimeBasedCanary',
            timeBasedCanary: { canaryInterval: 3, canaryPercentage: 5 },
          },
        },
      });
      await expect(deployments.start(CANARY_5_2, START)).rejects.toThrow(
        /deployment config Greenlight.ECSCanary5Percent2Minutes exists with another traffic routing/,
      );
      expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
    });

    it('takes a config another deployment created meanwhile as its own', async () => {
      codedeploy
        .on(GetDeploymentConfigCommand)
        .rejects(
          Object.assign(new Error('no such config'), { name: 'DeploymentConfigDoesNotExistException' }),
        );
      codedeploy
        .on(CreateDeploymentConfigCommand)
        .rejects(Object.assign(new Error('exists'), { name: 'DeploymentConfigAlreadyExistsException' }));
      codedeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-ABCDEF126' });
      givenGroupAndService();
      await expect(deployments.start(CANARY_5_2, START)).resolves.toEqual({ deploymentId: 'd-ABCDEF126' });
    });

    it('refuses test traffic on a deployment group without a test listener, before creating anything', async () => {
      codedeploy.on(GetDeploymentConfigCommand).resolves({
        deploymentConfigInfo: {
          trafficRoutingConfig: {
            type: 'TimeBasedCanary',
            timeBasedCanary: { canaryInterval: 2, canaryPercentage: 5 },
          },
        },
      });
      givenGroupAndService({ testListener: false });
      await expect(deployments.start(CANARY_5_2, START)).rejects.toThrow(CodeDeployDeploymentError);
      expect(codedeploy).not.toHaveReceivedCommand(CreateDeploymentCommand);
    });

    it('refuses a deployment group of another cluster', async () => {
      givenGroupAndService();
      await expect(
        deployments.start(target({ deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce', hooks: [] }), {
          ...START,
          cluster: 'staging',
        }),
      ).rejects.toThrow('deployment group web-app/web-prod deploys to cluster prod, not staging');
    });

    it('passes throttling on as a ThrottlingError for the state machine to retry', async () => {
      codedeploy
        .on(GetDeploymentGroupCommand)
        .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
      await expect(
        deployments.start(
          target({ deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce', hooks: [] }),
          START,
        ),
      ).rejects.toThrow(ThrottlingError);
    });
  });

  describe('status', () => {
    it('says a Baking deployment only waits to terminate the original task set', async () => {
      codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-ABCDEF123' }).resolves({
        deploymentInfo: { status: 'Baking' },
      });
      await expect(deployments.status('d-ABCDEF123')).resolves.toEqual({
        state: 'in-progress',
        controllerStatus: 'Baking',
        terminationWait: true,
      });
    });

    it('maps GetDeployment with its reason and rollback deployment', async () => {
      codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-ABCDEF123' }).resolves({
        deploymentInfo: {
          status: 'Failed',
          errorInformation: {
            code: 'HOOK_EXECUTION_FAILURE',
            message: 'AfterAllowTraffic hook answered Failed',
          },
          rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1' },
        },
      });
      codedeploy
        .on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK1' })
        .resolves({ deploymentInfo: { status: 'InProgress' } });
      await expect(deployments.status('d-ABCDEF123')).resolves.toEqual({
        state: 'rolling-back',
        controllerStatus: 'Failed (rollback d-ROLLBACK1 InProgress)',
        reason: 'AfterAllowTraffic hook answered Failed',
        rollbackDeploymentId: 'd-ROLLBACK1',
      });
      expect(codedeploy.commandCalls(GetDeploymentCommand).map((c) => c.args[0].input)).toEqual([
        { deploymentId: 'd-ABCDEF123' },
        { deploymentId: 'd-ROLLBACK1' },
      ]);
    });

    it.each([
      ['Failed', 'Succeeded', 'rolled-back'],
      ['Stopped', 'Succeeded', 'rolled-back'],
      ['Stopped', 'Queued', 'rolling-back'],
      ['Failed', 'Created', 'rolling-back'],
      ['Stopped', 'Failed', 'failed'],
      ['Failed', 'Stopped', 'failed'],
    ])('%s with a rollback deployment %s is %s', async (status, rollbackStatus, state) => {
      codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-ABCDEF123' }).resolves({
        deploymentInfo: {
          status: status as DeploymentStatus,
          rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1' },
        },
      });
      codedeploy
        .on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK1' })
        .resolves({ deploymentInfo: { status: rollbackStatus as DeploymentStatus } });
      await expect(deployments.status('d-ABCDEF123')).resolves.toMatchObject({ state });
    });

    it.each(['Failed', 'Stopped'])(
      '%s without a rollback deployment is failed: none reported',
      async (status) => {
        codedeploy
          .on(GetDeploymentCommand)
          .resolves({ deploymentInfo: { status: status as DeploymentStatus } });
        await expect(deployments.status('d-ABCDEF123')).resolves.toEqual({
          state: 'failed',
          controllerStatus: status,
        });
        expect(codedeploy).toHaveReceivedCommandTimes(GetDeploymentCommand, 1);
      },
    );

    it.each([
      ['Created', 'in-progress'],
      ['Queued', 'in-progress'],
      ['InProgress', 'in-progress'],
      ['Baking', 'in-progress'],
      ['Ready', 'waiting'],
      ['Succeeded', 'succeeded'],
      ['Stopped', 'stopped'],
      ['Failed', 'failed'],
      ['SomethingNew', 'in-progress'],
    ])('%s is %s', (status, state) => {
      expect(codeDeployState(status)).toBe(state);
    });

    it.each([
      ['Succeeded', 'rolled-back'],
      ['Failed', 'failed'],
      ['Stopped', 'failed'],
      ['InProgress', 'rolling-back'],
      ['SomethingNew', 'rolling-back'],
    ])('a rollback deployment %s leaves it %s', (status, state) => {
      expect(codeDeployRollbackState(status)).toBe(state);
    });
  });

  it('abort of a deployment already ended is done; any other refusal is an error', async () => {
    codedeploy
      .on(StopDeploymentCommand)
      .rejectsOnce(
        Object.assign(new Error('already completed'), { name: 'DeploymentAlreadyCompletedException' }),
      )
      .rejectsOnce(
        Object.assign(new Error('no such deployment'), { name: 'DeploymentDoesNotExistException' }),
      );
    await expect(deployments.abort('d-ABCDEF123')).resolves.toBeUndefined();
    await expect(deployments.abort('d-ABCDEF123')).rejects.toThrow(/StopDeployment \(d-ABCDEF123\)/);
    expect(codedeploy).toHaveReceivedCommandWith(StopDeploymentCommand, {
      deploymentId: 'd-ABCDEF123',
      autoRollbackEnabled: true,
    });
  });

  it('abort stops the deployment with auto-rollback', async () => {
    codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });
    await deployments.abort('d-ABCDEF123');
    expect(codedeploy).toHaveReceivedCommandWith(StopDeploymentCommand, {
      deploymentId: 'd-ABCDEF123',
      autoRollbackEnabled: true,
    });
  });

  describe('promote', () => {
    it.each([
      ['Ready', 'READY_WAIT'],
      ['Baking', 'TERMINATION_WAIT'],
    ])('continues a %s deployment past its %s', async (status, waitType) => {
      codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: status as 'Ready' } });
      codedeploy.on(ContinueDeploymentCommand).resolves({});
      await expect(deployments.promote('d-ABCDEF123')).resolves.toEqual({ continued: true });
      expect(codedeploy).toHaveReceivedCommandWith(ContinueDeploymentCommand, {
        deploymentId: 'd-ABCDEF123',
        deploymentWaitType: waitType as 'READY_WAIT',
      });
    });

    it('says there is no wait to end while traffic shifts', async () => {
      codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { status: 'InProgress' } });
      await expect(deployments.promote('d-ABCDEF123')).resolves.toEqual({
        continued: false,
        reason: 'deployment d-ABCDEF123 is InProgress: no wait to end',
      });
      expect(codedeploy).not.toHaveReceivedCommand(ContinueDeploymentCommand);
    });
  });

  it('appSpecContent leaves out what the service does not set', () => {
    expect(
      JSON.parse(
        appSpecContent({ taskDefinitionArn: TASK_DEF, container: { name: 'app', port: 80 }, hooks: [] }),
      ),
    ).toEqual({
      version: 0,
      Resources: [
        {
          TargetService: {
            Type: 'AWS::ECS::Service',
            Properties: {
              TaskDefinition: TASK_DEF,
              LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 80 },
            },
          },
        },
      ],
    });
  });

  describe('findStarted', () => {
    it('finds the running deployment whose description names this Greenlight deployment', async () => {
      codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHER', 'd-MINE'] });
      codedeploy
        .on(GetDeploymentCommand, { deploymentId: 'd-OTHER' })
        .resolves({ deploymentInfo: { description: 'Greenlight deployment dep-999: web:2' } })
        .on(GetDeploymentCommand, { deploymentId: 'd-MINE' })
        .resolves({ deploymentInfo: { description: 'Greenlight deployment dep-123: web:3' } });

      const found = await deployments.findStarted(target(CANARY_5_2.plan), {
        ...START,
        description: 'Greenlight deployment dep-123: registry/web:3',
      });

      expect(found).toEqual({ deploymentId: 'd-MINE' });
      expect(codedeploy).toHaveReceivedCommandWith(ListDeploymentsCommand, {
        applicationName: 'web-app',
        deploymentGroupName: 'web-prod',
        includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
      });
    });

    it('finds nothing when no running deployment is this one’s', async () => {
      codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHER'] });
      codedeploy
        .on(GetDeploymentCommand)
        .resolves({ deploymentInfo: { description: 'Greenlight deployment dep-1234: web:2' } });
      const found = await deployments.findStarted(target(CANARY_5_2.plan), {
        ...START,
        description: 'Greenlight deployment dep-123: web:3',
      });
      expect(found).toBeNull();
    });
  });

  describe('waitsOf', () => {
    const group = (blueGreenDeploymentConfiguration: object) =>
      codedeploy.on(GetDeploymentGroupCommand).resolves({
        deploymentGroupInfo: {
          ecsServices: [{ clusterName: 'prod', serviceName: 'web' }],
          blueGreenDeploymentConfiguration,
        },
      });

    it('reads the group’s ready wait (STOP_DEPLOYMENT) and termination wait in seconds', async () => {
      group({
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 },
        terminateBlueInstancesOnDeploymentSuccess: {
          action: 'TERMINATE',
          terminationWaitTimeInMinutes: 2880,
        },
      });
      await expect(deployments.waitsOf(CANARY_5_2)).resolves.toEqual({
        readySeconds: 1800,
        terminationSeconds: 172_800,
      });
      expect(codedeploy).toHaveReceivedCommandWith(GetDeploymentGroupCommand, {
        applicationName: 'web-app',
        deploymentGroupName: 'web-prod',
      });
    });

    it('counts no ready wait when the group reroutes at once, and none for KEEP_ALIVE or no setting', async () => {
      group({
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 30 },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'KEEP_ALIVE', terminationWaitTimeInMinutes: 60 },
      });
      await expect(deployments.waitsOf(CANARY_5_2)).resolves.toEqual({
        readySeconds: 0,
        terminationSeconds: 0,
      });
      codedeploy.reset();
      group({});
      await expect(deployments.waitsOf(CANARY_5_2)).resolves.toEqual({
        readySeconds: 0,
        terminationSeconds: 0,
      });
    });
  });

  describe('serviceOf', () => {
    it('names the deployment group’s ECS service', async () => {
      givenGroupAndService();
      await expect(deployments.serviceOf(CANARY_5_2)).resolves.toEqual({ cluster: 'prod', service: 'web' });
      expect(codedeploy).toHaveReceivedCommandWith(GetDeploymentGroupCommand, {
        applicationName: 'web-app',
        deploymentGroupName: 'web-prod',
      });
    });

    it('refuses a group with no ECS service', async () => {
      codedeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: {} });
      await expect(deployments.serviceOf(CANARY_5_2)).rejects.toThrow(/names no ECS service/);
    });
  });
});
