import 'aws-sdk-client-mock-jest';
import {
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { CodeDeployHooksError, CodeDeployHookService } from '../../../shared/aws/codedeploy-hooks';
import {
  APPLICATION,
  CD_SERVICE_ARN,
  DEPLOYMENT_GROUP,
  DEPLOYMENT_ID,
  getDeploymentOutput,
  getDeploymentTargetOutput,
  HOOK_EXECUTION_ID,
  TG_BLUE_ARN,
  TG_BLUE_NAME,
  TG_GREEN_ARN,
  TG_GREEN_NAME,
} from '../../fixtures/codedeploy-hook-events';

const codeDeploy = mockClient(CodeDeployClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const service = new CodeDeployHookService({
  codeDeploy: new CodeDeployClient({ region: 'eu-west-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
});

const awsError = (name: string) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  codeDeploy.reset();
  elb.reset();
});

function mockDeployment() {
  const output = getDeploymentOutput();
  output.deploymentInfo = {
    ...output.deploymentInfo,
    description: 'Greenlight deployment rel-42: web:1.4.2',
  };
  codeDeploy.on(GetDeploymentCommand).resolves(output);
  codeDeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['prod:gl-web'] });
  codeDeploy.on(GetDeploymentTargetCommand).resolves(getDeploymentTargetOutput('AfterAllowTestTraffic'));
  elb.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: [
      { TargetGroupName: TG_BLUE_NAME, TargetGroupArn: TG_BLUE_ARN },
      { TargetGroupName: TG_GREEN_NAME, TargetGroupArn: TG_GREEN_ARN },
    ],
  });
}

describe('CodeDeployHookService', () => {
  describe('target', () => {
    it('reads the deployment, its one ECS target and the task sets’ target group ARNs with exact inputs', async () => {
      mockDeployment();

      const target = await service.target(DEPLOYMENT_ID);

      expect(codeDeploy).toHaveReceivedCommandWith(GetDeploymentCommand, { deploymentId: DEPLOYMENT_ID });
      expect(codeDeploy).toHaveReceivedCommandWith(ListDeploymentTargetsCommand, {
        deploymentId: DEPLOYMENT_ID,
      });
      expect(codeDeploy).toHaveReceivedCommandWith(GetDeploymentTargetCommand, {
        deploymentId: DEPLOYMENT_ID,
        targetId: 'prod:gl-web',
      });
      expect(elb).toHaveReceivedCommandWith(DescribeTargetGroupsCommand, {
        Names: [TG_BLUE_NAME, TG_GREEN_NAME],
      });
      expect(target).toEqual({
        deploymentId: DEPLOYMENT_ID,
        application: APPLICATION,
        deploymentGroup: DEPLOYMENT_GROUP,
        computePlatform: 'ECS',
        deploymentStatus: 'InProgress',
        serviceArn: CD_SERVICE_ARN,
        description: 'Greenlight deployment rel-42: web:1.4.2',
        lifecycleEvents: expect.arrayContaining([{ name: 'AfterAllowTestTraffic', status: 'InProgress' }]),
        taskSets: [
          {
            id: 'ecs-svc/1111111111111111111',
            label: 'Blue',
            trafficWeight: 100,
            targetGroupName: TG_BLUE_NAME,
            targetGroupArn: TG_BLUE_ARN,
          },
          {
            id: 'ecs-svc/2222222222222222222',
            label: 'Green',
            trafficWeight: 0,
            targetGroupName: TG_GREEN_NAME,
            targetGroupArn: TG_GREEN_ARN,
          },
        ],
      });
    });

    it('refuses a deployment without exactly one target', async () => {
      mockDeployment();
      codeDeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: [] });

      await expect(service.target(DEPLOYMENT_ID)).rejects.toThrow(
        new CodeDeployHooksError(`deployment ${DEPLOYMENT_ID}: expected one ECS deployment target, found 0`),
      );
    });

    it('names the call that failed', async () => {
      mockDeployment();
      codeDeploy.on(GetDeploymentTargetCommand).rejects(awsError('AccessDeniedException'));

      await expect(service.target(DEPLOYMENT_ID)).rejects.toThrow(/GetDeploymentTarget \(d-A1B2C3D4E\)/);
    });
  });

  describe('report', () => {
    it.each(['Succeeded', 'Failed'] as const)('sends %s with both ids', async (status) => {
      codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({
        lifecycleEventHookExecutionId: HOOK_EXECUTION_ID,
      });

      await expect(service.report(DEPLOYMENT_ID, HOOK_EXECUTION_ID, status)).resolves.toBe('sent');

      expect(codeDeploy).toHaveReceivedCommandTimes(PutLifecycleEventHookExecutionStatusCommand, 1);
      expect(codeDeploy).toHaveReceivedCommandWith(PutLifecycleEventHookExecutionStatusCommand, {
        deploymentId: DEPLOYMENT_ID,
        lifecycleEventHookExecutionId: HOOK_EXECUTION_ID,
        status,
      });
    });

    it('reads LifecycleEventAlreadyCompletedException as nothing left to answer', async () => {
      codeDeploy
        .on(PutLifecycleEventHookExecutionStatusCommand)
        .rejects(awsError('LifecycleEventAlreadyCompletedException'));

      await expect(service.report(DEPLOYMENT_ID, HOOK_EXECUTION_ID, 'Failed')).resolves.toBe(
        'already-completed',
      );
    });

    it('throws any other error, naming the call and the status', async () => {
      codeDeploy
        .on(PutLifecycleEventHookExecutionStatusCommand)
        .rejects(awsError('DeploymentDoesNotExistException'));

      await expect(service.report(DEPLOYMENT_ID, HOOK_EXECUTION_ID, 'Succeeded')).rejects.toThrow(
        /PutLifecycleEventHookExecutionStatus \(d-A1B2C3D4E, Succeeded\)/,
      );
    });
  });
});
