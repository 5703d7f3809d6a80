/**
 * The DeploymentController port on CodeDeploy (ECS compute platform): CreateDeployment with the
 * AppSpec as content, the deployment config from the mapped plan (created once, by name, when it
 * is not one of CodeDeploy's predefined ones), GetDeployment for status, StopDeployment with
 * rollback, ContinueDeployment past a wait.
 */
import {
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type CodeDeployClient,
  type TrafficRoutingConfig,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { CodeDeployPlan, CodeDeployTrafficRouting } from '../domain/controllers/codedeploy-plan';
import type { CodeDeployController } from '../domain/controllers/controller-spec';
import { GreenlightError } from '../domain/errors';
import type {
  DeploymentController,
  ExternalStart,
  ExternalState,
  ExternalStatus,
  ExternalWaits,
  PromoteOutcome,
} from '../ports/controller';
import { errorCode, normaliseAwsError } from './errors';

/** A CodeDeploy or ECS call failed, or the deployment group is not one Greenlight can drive. */
export class CodeDeployDeploymentError extends GreenlightError {}

export type CodeDeployTarget = Pick<
  CodeDeployController,
  'application' | 'deploymentGroup' | 'hookFunction'
> & {
  plan: CodeDeployPlan;
};

/** CodeDeploy's limit on a deployment's description. */
const DESCRIPTION_LIMIT = 100;
const REASON_LIMIT = 500;

/** The AppSpec (JSON) of an ECS deployment: what CodeDeploy starts the replacement task set with. */
export function appSpecContent(options: {
  taskDefinitionArn: string;
  container: { name: string; port: number };
  platformVersion?: string;
  awsvpc?: { subnets: string[]; securityGroups?: string[]; assignPublicIp?: string };
  capacityProviderStrategy?: { capacityProvider: string; base?: number; weight?: number }[];
  hooks: { stage: string; functionName: string }[];
}): string {
  const properties: Record<string, unknown> = {
    TaskDefinition: options.taskDefinitionArn,
    LoadBalancerInfo: { ContainerName: options.container.name, ContainerPort: options.container.port },
  };
  if (options.platformVersion) properties.PlatformVersion = options.platformVersion;
  if (options.awsvpc) {
    properties.NetworkConfiguration = {
      AwsvpcConfiguration: {
        Subnets: options.awsvpc.subnets,
        ...(options.awsvpc.securityGroups?.length ? { SecurityGroups: options.awsvpc.securityGroups } : {}),
        ...(options.awsvpc.assignPublicIp ? { AssignPublicIp: options.awsvpc.assignPublicIp } : {}),
      },
    };
  }
  // CodeDeploy starts the replacement task set with the AppSpec's strategy only: without it the
  // new tasks would take the cluster's default (launch type), dropping e.g. FARGATE_SPOT.
  if (options.capacityProviderStrategy?.length) {
    properties.CapacityProviderStrategy = options.capacityProviderStrategy.map((item) => ({
      CapacityProvider: item.capacityProvider,
      ...(item.base !== undefined ? { Base: item.base } : {}),
      ...(item.weight !== undefined ? { Weight: item.weight } : {}),
    }));
  }
  const appSpec: Record<string, unknown> = {
    version: 0.0,
    Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: properties } }],
  };
  if (options.hooks.length) {
    appSpec.Hooks = options.hooks.map((hook) => ({ [hook.stage]: hook.functionName }));
  }
  // CodeDeploy's documents write the ECS AppSpec version as 0.0; JSON.stringify would write 0.
  return JSON.stringify(appSpec).replace(/^\{"version":0,/, '{"version":0.0,');
}

export class CodeDeployDeployments implements DeploymentController<CodeDeployTarget> {
  private readonly codedeploy: CodeDeployClient;
  private readonly ecs: ECSClient;

  constructor(options: { codedeploy: CodeDeployClient; ecs: ECSClient }) {
    this.codedeploy = options.codedeploy;
    this.ecs = options.ecs;
  }

  async start(target: CodeDeployTarget, request: ExternalStart): Promise<{ deploymentId: string }> {
    const { application, deploymentGroup, plan } = target;
    if (plan.trafficRouting) await this.ensureConfig(plan.deploymentConfigName, plan.trafficRouting);

    const { group, ecsService } = await this.groupWithService(target);
    if (
      ecsService.clusterName !== request.cluster &&
      !request.cluster.endsWith(`/${ecsService.clusterName}`)
    ) {
      throw new CodeDeployDeploymentError(
        `deployment group ${application}/${deploymentGroup} deploys to cluster ${ecsService.clusterName}, not ${request.cluster}`,
      );
    }
    const pair = group?.loadBalancerInfo?.targetGroupPairInfoList?.[0];
    if (plan.hooks.includes('AfterAllowTestTraffic') && !pair?.testTrafficRoute?.listenerArns?.length) {
      throw new CodeDeployDeploymentError(
        `deployment group ${application}/${deploymentGroup} has no test listener: testTraffic needs one (targetGroupPairInfoList[].testTrafficRoute)`,
      );
    }

    // The AppSpec replaces the service's network and capacity settings for the new task set, so
    // they are read from the service as it runs now.
    const described = await this.call('DescribeServices', ecsService.serviceName, () =>
      this.ecs.send(
        new DescribeServicesCommand({ cluster: ecsService.clusterName, services: [ecsService.serviceName!] }),
      ),
    );
    const service = described.services?.[0];
    if (!service) {
      throw new CodeDeployDeploymentError(
        `service ${ecsService.serviceName} not found in cluster ${ecsService.clusterName}`,
      );
    }
    const awsvpc = service.networkConfiguration?.awsvpcConfiguration;
    const content = appSpecContent({
      taskDefinitionArn: request.taskDefinitionArn,
      container: request.container,
      ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
      ...(awsvpc?.subnets?.length
        ? {
            awsvpc: {
              subnets: awsvpc.subnets,
              ...(awsvpc.securityGroups ? { securityGroups: awsvpc.securityGroups } : {}),
              ...(awsvpc.assignPublicIp ? { assignPublicIp: awsvpc.assignPublicIp } : {}),
            },
          }
        : {}),
      capacityProviderStrategy: (service.capacityProviderStrategy ?? []).flatMap((item) =>
        item.capacityProvider
          ? [
              {
                capacityProvider: item.capacityProvider,
                ...(item.base !== undefined ? { base: item.base } : {}),
                ...(item.weight !== undefined ? { weight: item.weight } : {}),
              },
            ]
          : [],
      ),
      hooks: plan.hooks.map((stage) => ({ stage, functionName: target.hookFunction })),
    });
    const created = await this.call('CreateDeployment', `${application}/${deploymentGroup}`, () =>
      this.codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: application,
          deploymentGroupName: deploymentGroup,
          deploymentConfigName: plan.deploymentConfigName,
          description: request.description.slice(0, DESCRIPTION_LIMIT),
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
          // This configuration replaces the group's: the group's alarms stop a deployment, and only
          // DEPLOYMENT_STOP_ON_ALARM makes such a stop roll back (else the new task set keeps traffic).
          autoRollbackConfiguration: {
            enabled: true,
            events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
          },
        }),
      ),
    );
    if (!created.deploymentId)
      throw new CodeDeployDeploymentError('CreateDeployment returned no deploymentId');
    return { deploymentId: created.deploymentId };
  }

  /**
   * CreateDeployment takes no client token: a start retried after CodeDeploy took the first one
   * finds it among the group's running deployments by its description (the same Greenlight id).
   */
  async findStarted(
    target: CodeDeployTarget,
    request: ExternalStart,
  ): Promise<{ deploymentId: string } | null> {
    const { application, deploymentGroup } = target;
    const wanted = request.description.slice(0, DESCRIPTION_LIMIT);
    // The description up to its ": " names the Greenlight deployment; the rest may differ between attempts.
    const prefix = wanted.includes(': ') ? wanted.slice(0, wanted.indexOf(': ') + 2) : wanted;
    const listed = await this.call('ListDeployments', `${application}/${deploymentGroup}`, () =>
      this.codedeploy.send(
        new ListDeploymentsCommand({
          applicationName: application,
          deploymentGroupName: deploymentGroup,
          includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
        }),
      ),
    );
    // A deployment group runs one deployment at a time, so the first page holds any running one.
    for (const deploymentId of listed.deployments ?? []) {
      const info = (
        await this.call('GetDeployment', deploymentId, () =>
          this.codedeploy.send(new GetDeploymentCommand({ deploymentId })),
        )
      ).deploymentInfo;
      if (info?.description?.startsWith(prefix)) return { deploymentId };
    }
    return null;
  }

  /** The ECS service of the deployment group: the service whose task definition a deployment starts from. */
  async serviceOf(target: CodeDeployTarget): Promise<{ cluster: string; service: string }> {
    const { ecsService } = await this.groupWithService(target);
    return { cluster: ecsService.clusterName, service: ecsService.serviceName };
  }

  /**
   * The group's own waits (blueGreenDeploymentConfiguration). CodeDeploy's documents: a ready wait
   * (deploymentReadyOption.waitTimeInMinutes) holds a deployment in Ready only with actionOnTimeout
   * STOP_DEPLOYMENT (CONTINUE_DEPLOYMENT reroutes at once); terminationWaitTimeInMinutes is how long
   * an ECS deployment keeps the original task set after traffic moved (Baking), at most 2880
   * minutes, with action TERMINATE (KEEP_ALIVE keeps it without a wait).
   */
  async waitsOf(target: CodeDeployTarget): Promise<ExternalWaits> {
    const { group } = await this.groupWithService(target);
    const blueGreen = group?.blueGreenDeploymentConfiguration;
    const ready = blueGreen?.deploymentReadyOption;
    const termination = blueGreen?.terminateBlueInstancesOnDeploymentSuccess;
    return {
      readySeconds:
        ready?.actionOnTimeout === 'STOP_DEPLOYMENT' ? minutesToSeconds(ready.waitTimeInMinutes) : 0,
      terminationSeconds:
        termination?.action === 'KEEP_ALIVE'
          ? 0
          : minutesToSeconds(termination?.terminationWaitTimeInMinutes),
    };
  }

  /** GetDeploymentGroup, and the ECS service it deploys (an error when it names none). */
  private async groupWithService(target: CodeDeployTarget) {
    const { application, deploymentGroup } = target;
    const group = (
      await this.call('GetDeploymentGroup', `${application}/${deploymentGroup}`, () =>
        this.codedeploy.send(
          new GetDeploymentGroupCommand({
            applicationName: application,
            deploymentGroupName: deploymentGroup,
          }),
        ),
      )
    ).deploymentGroupInfo;
    const ecsService = group?.ecsServices?.[0];
    if (!ecsService?.serviceName || !ecsService.clusterName) {
      throw new CodeDeployDeploymentError(
        `deployment group ${application}/${deploymentGroup} names no ECS service (is its compute platform ECS?)`,
      );
    }
    return {
      group,
      ecsService: { clusterName: ecsService.clusterName, serviceName: ecsService.serviceName },
    };
  }

  async status(deploymentId: string): Promise<ExternalStatus> {
    const info = (
      await this.call('GetDeployment', deploymentId, () =>
        this.codedeploy.send(new GetDeploymentCommand({ deploymentId })),
      )
    ).deploymentInfo;
    if (!info?.status) throw new CodeDeployDeploymentError(`deployment ${deploymentId} has no status`);
    const reason = info.errorInformation?.message;
    const rollbackId = info.rollbackInfo?.rollbackDeploymentId;
    let state = codeDeployState(info.status);
    let controllerStatus: string = info.status;
    // A failed or stopped deployment is rolled back by a deployment of its own: its end is the
    // rollback's. None named: CodeDeploy reports no rollback, the old revision may not be back.
    if (info.status === 'Failed' || info.status === 'Stopped') {
      if (rollbackId) {
        const rollbackStatus = await this.rollbackStatus(rollbackId);
        state = codeDeployRollbackState(rollbackStatus);
        controllerStatus = `${info.status} (rollback ${rollbackId} ${rollbackStatus})`;
      } else {
        state = 'failed';
      }
    }
    return {
      state,
      controllerStatus,
      ...(reason ? { reason: reason.slice(0, REASON_LIMIT) } : {}),
      ...(rollbackId ? { rollbackDeploymentId: rollbackId } : {}),
      ...(info.status === 'Baking' ? { terminationWait: true } : {}),
    };
  }

  private async rollbackStatus(rollbackId: string): Promise<string> {
    const info = (
      await this.call('GetDeployment', rollbackId, () =>
        this.codedeploy.send(new GetDeploymentCommand({ deploymentId: rollbackId })),
      )
    ).deploymentInfo;
    if (!info?.status) throw new CodeDeployDeploymentError(`rollback deployment ${rollbackId} has no status`);
    return info.status;
  }

  async abort(deploymentId: string): Promise<void> {
    try {
      await this.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    } catch (error) {
      // Already ended (succeeded, failed or stopped): nothing is left to stop; status() follows
      // its rollback deployment, if any.
      if (errorCode(error) === 'DeploymentAlreadyCompletedException') return;
      throw normaliseAwsError(error, `StopDeployment (${deploymentId})`, wrap);
    }
  }

  async promote(deploymentId: string): Promise<PromoteOutcome> {
    const { controllerStatus } = await this.status(deploymentId);
    // Ready: held before rerouting production traffic; Baking: traffic moved, the original task
    // set kept for the termination wait. Any other status has no wait to end.
    const waitType =
      controllerStatus === 'Ready' ? 'READY_WAIT' : controllerStatus === 'Baking' ? 'TERMINATION_WAIT' : null;
    if (!waitType) {
      return {
        continued: false,
        reason: `deployment ${deploymentId} is ${controllerStatus}: no wait to end`,
      };
    }
    await this.call('ContinueDeployment', deploymentId, () =>
      this.codedeploy.send(new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: waitType })),
    );
    return { continued: true };
  }

  /** Creates the config once; an existing one of that name must route traffic the same way. */
  private async ensureConfig(name: string, routing: CodeDeployTrafficRouting): Promise<void> {
    const wanted: TrafficRoutingConfig = routing;
    try {
      const existing = await this.codedeploy.send(
        new GetDeploymentConfigCommand({ deploymentConfigName: name }),
      );
      const actual = existing.deploymentConfigInfo?.trafficRoutingConfig;
      if (!sameRouting(actual, wanted)) {
        throw new CodeDeployDeploymentError(
          `deployment config ${name} exists with another traffic routing (${JSON.stringify(actual ?? null)}): delete it or rename it`,
        );
      }
      return;
    } catch (error) {
      if (errorCode(error) !== 'DeploymentConfigDoesNotExistException') {
        throw normaliseAwsError(error, `GetDeploymentConfig (${name})`, wrap);
      }
    }
    try {
      await this.codedeploy.send(
        new CreateDeploymentConfigCommand({
          deploymentConfigName: name,
          computePlatform: 'ECS',
          trafficRoutingConfig: wanted,
        }),
      );
    } catch (error) {
      // Another deployment created it between our read and our write: same name, same routing.
      if (errorCode(error) === 'DeploymentConfigAlreadyExistsException') return;
      throw normaliseAwsError(error, `CreateDeploymentConfig (${name})`, wrap);
    }
  }

  private async call<T>(operation: string, target: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw normaliseAwsError(error, `${operation} (${target})`, wrap);
    }
  }
}

const minutesToSeconds = (minutes: number | undefined): number =>
  minutes !== undefined && minutes > 0 ? minutes * 60 : 0;

const wrap = (message: string, cause: unknown) => new CodeDeployDeploymentError(message, { cause });

function sameRouting(actual: TrafficRoutingConfig | undefined, wanted: TrafficRoutingConfig): boolean {
  if (!actual || actual.type !== wanted.type) return false;
  const a = actual.timeBasedCanary;
  const w = wanted.timeBasedCanary;
  const al = actual.timeBasedLinear;
  const wl = wanted.timeBasedLinear;
  return (
    a?.canaryPercentage === w?.canaryPercentage &&
    a?.canaryInterval === w?.canaryInterval &&
    al?.linearPercentage === wl?.linearPercentage &&
    al?.linearInterval === wl?.linearInterval
  );
}

/** GetDeployment's status in the workflow's terms. */
/** The state of a deployment whose rollback deployment has this status. */
export function codeDeployRollbackState(rollbackStatus: string): ExternalState {
  switch (rollbackStatus) {
    case 'Succeeded':
      return 'rolled-back';
    case 'Failed':
    case 'Stopped':
      return 'failed';
    default:
      // Created, Queued, InProgress, and any status CodeDeploy adds later: still putting it back.
      return 'rolling-back';
  }
}

/** GetDeployment's status in the workflow's terms (Failed and Stopped: see status()). */
export function codeDeployState(status: string): ExternalState {
  switch (status) {
    case 'Succeeded':
      return 'succeeded';
    case 'Failed':
      return 'failed';
    case 'Stopped':
      return 'stopped';
    case 'Ready':
      return 'waiting';
    default:
      // Created, Queued, InProgress, Baking, and any status CodeDeploy adds later: keep polling.
      return 'in-progress';
  }
}
