/**
 * The DeploymentController port on ECS's built-in blue/green, linear and canary deployments:
 * UpdateService with the new task definition and the mapped deploymentConfiguration (strategy and
 * Greenlight's lifecycle hook), then the service deployment whose target revision runs that task
 * definition (DescribeServiceDeployments, DescribeServiceRevisions); DescribeServiceDeployments for
 * status, StopServiceDeployment with ROLLBACK, ContinueServiceDeployment for a PAUSE hook awaiting action.
 */
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ListServiceDeploymentsCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ECSClient,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import type { EcsController } from '../domain/controllers/controller-spec';
import type { EcsDeploymentConfiguration } from '../domain/controllers/ecs-plan';
import { describeRefusedHookRoles, refusedHookRoles } from '../domain/controllers/hook-roles';
import { GreenlightError } from '../domain/errors';
import type {
  DeploymentController,
  ExternalStart,
  ExternalState,
  ExternalStatus,
  PromoteOutcome,
} from '../ports/controller';
import { errorCode, normaliseAwsError } from './errors';

/** An ECS call failed, or the service is not one ECS's own deployments can drive. */
export class EcsNativeDeploymentError extends GreenlightError {}

export type EcsNativeTarget = Pick<EcsController, 'service'> & { configuration: EcsDeploymentConfiguration };

const REASON_LIMIT = 500;
/** DescribeServiceRevisions takes at most 20 ARNs. */
const REVISIONS_PER_CALL = 20;

/** The same task definition, whether named by full ARN or by `family:revision`. */
function sameTaskDefinition(a: string, b: string): boolean {
  return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
}

export class EcsNativeDeployments implements DeploymentController<EcsNativeTarget> {
  private readonly ecs: ECSClient;
  private readonly otherHookRolePattern: string | undefined;

  /**
   * `otherHookRolePattern`: the role names (IAM wildcards) the stack may pass for the service's
   * other lifecycle hooks (stage parameter ecsOtherHookRolePattern); absent, no check before the
   * update (an adapter outside the stack, whose caller's own permissions decide).
   */
  constructor(options: { ecs: ECSClient; otherHookRolePattern?: string }) {
    this.ecs = options.ecs;
    this.otherHookRolePattern = options.otherHookRolePattern;
  }

  async start(target: EcsNativeTarget, request: ExternalStart): Promise<{ deploymentId: string }> {
    const { cluster } = request;
    const described = await this.call('DescribeServices', target.service, () =>
      this.ecs.send(new DescribeServicesCommand({ cluster, services: [target.service] })),
    );
    const service = described.services?.[0];
    if (!service) {
      const reason = described.failures?.[0]?.reason;
      throw new EcsNativeDeploymentError(
        `service ${target.service} not found in cluster ${cluster}${reason ? ` (${reason})` : ''}`,
      );
    }
    const controllerType = service.deploymentController?.type ?? 'ECS';
    if (controllerType !== 'ECS') {
      throw new EcsNativeDeploymentError(
        `service ${target.service} has deployment controller ${controllerType}: ECS's own strategies need ECS`,
      );
    }
    if (!(service.loadBalancers ?? []).some((lb) => lb.advancedConfiguration?.alternateTargetGroupArn)) {
      throw new EcsNativeDeploymentError(
        `service ${target.service} has no load balancer with advancedConfiguration.alternateTargetGroupArn: ECS blue/green needs a target group pair`,
      );
    }
    // The update keeps the service's other hooks, and ECS requires iam:PassRole on each hook's role.
    if (this.otherHookRolePattern !== undefined) {
      const refused = refusedHookRoles(
        service.deploymentConfiguration?.lifecycleHooks ?? [],
        target.configuration.lifecycleHooks,
        this.otherHookRolePattern,
      );
      if (refused.length > 0) {
        throw new EcsNativeDeploymentError(
          describeRefusedHookRoles(target.service, refused, this.otherHookRolePattern),
        );
      }
    }
    const updated = await this.call('UpdateService', target.service, () =>
      this.ecs.send(
        new UpdateServiceCommand({
          cluster,
          service: target.service,
          taskDefinition: request.taskDefinitionArn,
          deploymentConfiguration: mergedConfiguration(service.deploymentConfiguration, target.configuration),
        }),
      ),
    );
    // The service's current deployment may not be the one this update started (another actor's
    // update came between, or ECS has not created ours yet): it is followed only when its target
    // service revision runs the requested task definition.
    const named = updated.service?.currentServiceDeployment;
    let seen = 'UpdateService named no service deployment';
    if (named) {
      // The update has been taken: a failed read here falls through to the search below rather
      // than failing the start (whose abort would roll back the deployment just started).
      try {
        const revisionArn = (await this.describe(named)).targetServiceRevision?.arn;
        const taskDefinition = revisionArn
          ? (await this.taskDefinitions([revisionArn])).get(revisionArn)
          : undefined;
        if (taskDefinition && sameTaskDefinition(taskDefinition, request.taskDefinitionArn)) {
          return { deploymentId: named };
        }
        seen = `UpdateService named ${named}, whose target revision ${revisionArn ?? '(none)'} runs ${taskDefinition ?? '(unknown)'}`;
      } catch (error) {
        seen = `UpdateService named ${named}, which could not be read (${error instanceof Error ? error.message : String(error)})`;
      }
    }
    const found = await this.runningDeploymentsOf(cluster, target.service, request.taskDefinitionArn);
    if (found.match) return { deploymentId: found.match };
    throw new EcsNativeDeploymentError(
      `UpdateService (${target.service}) started no service deployment of ${request.taskDefinitionArn}: ${seen}; pending or in progress: ${found.others.length ? found.others.join(', ') : 'none'}`,
    );
  }

  /**
   * A start retried after UpdateService took the first one: the newest pending or in-progress
   * service deployment whose target revision runs this task definition.
   */
  async findStarted(
    target: EcsNativeTarget,
    request: ExternalStart,
  ): Promise<{ deploymentId: string } | null> {
    const found = await this.runningDeploymentsOf(request.cluster, target.service, request.taskDefinitionArn);
    return found.match ? { deploymentId: found.match } : null;
  }

  async status(deploymentId: string): Promise<ExternalStatus> {
    const deployment = await this.describe(deploymentId);
    const status = deployment.status ?? 'PENDING';
    const awaiting = (deployment.lifecycleHookDetails ?? []).some((h) => h.status === 'AWAITING_ACTION');
    const reason = deployment.statusReason ?? deployment.rollback?.reason;
    return {
      state: awaiting && (status === 'IN_PROGRESS' || status === 'PENDING') ? 'waiting' : ecsState(status),
      controllerStatus: status,
      ...(reason ? { reason: reason.slice(0, REASON_LIMIT) } : {}),
    };
  }

  async abort(deploymentId: string): Promise<void> {
    try {
      await this.ecs.send(
        new StopServiceDeploymentCommand({ serviceDeploymentArn: deploymentId, stopType: 'ROLLBACK' }),
      );
    } catch (error) {
      const refused = normaliseAwsError(
        error,
        `StopServiceDeployment (${deploymentId})`,
        (message, cause) => new EcsNativeDeploymentError(message, { cause }),
      );
      // ConflictException: the deployment's current state allows no stop. That is done only when
      // it no longer runs (ended, or already rolling back); a conflict on a running one is not.
      if (errorCode(error) !== 'ConflictException') throw refused;
      const { state } = await this.status(deploymentId);
      if (state === 'in-progress' || state === 'waiting') throw refused;
    }
  }

  async promote(deploymentId: string): Promise<PromoteOutcome> {
    const deployment = await this.describe(deploymentId);
    const hook = (deployment.lifecycleHookDetails ?? []).find((h) => h.status === 'AWAITING_ACTION');
    if (!hook?.hookId) {
      return {
        continued: false,
        reason: `service deployment is ${deployment.status ?? 'unknown'}: no PAUSE hook awaits action`,
      };
    }
    await this.call('ContinueServiceDeployment', deploymentId, () =>
      this.ecs.send(
        new ContinueServiceDeploymentCommand({
          serviceDeploymentArn: deploymentId,
          hookId: hook.hookId!,
          action: 'CONTINUE',
        }),
      ),
    );
    return { continued: true };
  }

  private async describe(deploymentId: string): Promise<ServiceDeployment> {
    const output = await this.call('DescribeServiceDeployments', deploymentId, () =>
      this.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [deploymentId] })),
    );
    const deployment = output.serviceDeployments?.[0];
    if (!deployment) {
      const reason = output.failures?.[0]?.reason;
      throw new EcsNativeDeploymentError(
        `service deployment ${deploymentId} not found${reason ? ` (${reason})` : ''}`,
      );
    }
    return deployment;
  }

  /**
   * The service's pending and in-progress deployments, newest first: the first whose target
   * revision runs `taskDefinitionArn`, and the others as "deployment (task definition)" for an
   * error. DescribeServiceRevisions gives a revision's task definition (at most 20 ARNs a call).
   */
  private async runningDeploymentsOf(
    cluster: string,
    service: string,
    taskDefinitionArn: string,
  ): Promise<{ match?: string; others: string[] }> {
    const output = await this.call('ListServiceDeployments', service, () =>
      this.ecs.send(
        new ListServiceDeploymentsCommand({ cluster, service, status: ['PENDING', 'IN_PROGRESS'] }),
      ),
    );
    const running = [...(output.serviceDeployments ?? [])]
      .filter((d) => d.serviceDeploymentArn)
      .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
      .slice(0, REVISIONS_PER_CALL);
    const revisionArns = [
      ...new Set(running.flatMap((d) => (d.targetServiceRevisionArn ? [d.targetServiceRevisionArn] : []))),
    ];
    const taskDefinitions = revisionArns.length ? await this.taskDefinitions(revisionArns) : new Map();
    const others: string[] = [];
    for (const deployment of running) {
      const taskDefinition = deployment.targetServiceRevisionArn
        ? taskDefinitions.get(deployment.targetServiceRevisionArn)
        : undefined;
      if (taskDefinition && sameTaskDefinition(taskDefinition, taskDefinitionArn)) {
        return { match: deployment.serviceDeploymentArn!, others };
      }
      others.push(`${deployment.serviceDeploymentArn} (${taskDefinition ?? 'unknown task definition'})`);
    }
    return { others };
  }

  /** Each service revision's task definition (DescribeServiceRevisions). */
  private async taskDefinitions(revisionArns: string[]): Promise<Map<string, string>> {
    const output = await this.call('DescribeServiceRevisions', revisionArns.join(', '), () =>
      this.ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: revisionArns })),
    );
    const byArn = new Map<string, string>();
    for (const revision of output.serviceRevisions ?? []) {
      if (revision.serviceRevisionArn && revision.taskDefinition) {
        byArn.set(revision.serviceRevisionArn, revision.taskDefinition);
      }
    }
    return byArn;
  }

  private async call<T>(operation: string, target: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw normaliseAwsError(
        error,
        `${operation} (${target})`,
        (message, cause) => new EcsNativeDeploymentError(message, { cause }),
      );
    }
  }
}

/**
 * The service's deployment configuration with the plan's strategy and hooks: UpdateService
 * replaces the whole structure, so what Greenlight does not set (maximumPercent,
 * minimumHealthyPercent, the circuit breaker, the service's own alarms) is carried over. Hooks other
 * than Greenlight's own (same function) are kept too; a stale strategy's settings are dropped.
 */
export function mergedConfiguration(
  current: DeploymentConfiguration | undefined,
  mapped: EcsDeploymentConfiguration,
): DeploymentConfiguration {
  const {
    strategy: _strategy,
    linearConfiguration: _linear,
    canaryConfiguration: _canary,
    bakeTimeInMinutes: _bake,
    lifecycleHooks: currentHooks,
    ...kept
  } = current ?? {};
  const ours = new Set(mapped.lifecycleHooks.map((h) => h.hookTargetArn));
  const otherHooks = (currentHooks ?? []).filter((h) => !h.hookTargetArn || !ours.has(h.hookTargetArn));
  return {
    ...kept,
    ...(mapped.alarms ? { alarms: mapped.alarms } : {}),
    strategy: mapped.strategy,
    bakeTimeInMinutes: mapped.bakeTimeInMinutes,
    ...(mapped.linearConfiguration ? { linearConfiguration: mapped.linearConfiguration } : {}),
    ...(mapped.canaryConfiguration ? { canaryConfiguration: mapped.canaryConfiguration } : {}),
    lifecycleHooks: [...otherHooks, ...mapped.lifecycleHooks],
  };
}

/** DescribeServiceDeployments' status in the workflow's terms. */
export function ecsState(status: string): ExternalState {
  switch (status) {
    case 'SUCCESSFUL':
      return 'succeeded';
    case 'ROLLBACK_SUCCESSFUL':
      return 'rolled-back';
    case 'ROLLBACK_REQUESTED':
    case 'ROLLBACK_IN_PROGRESS':
      return 'rolling-back';
    case 'STOPPED':
      return 'stopped';
    case 'ROLLBACK_FAILED':
      return 'failed';
    default:
      // PENDING, IN_PROGRESS, STOP_REQUESTED (a stop without rollback, on its way to STOPPED) and
      // any status ECS adds later: keep polling.
      return 'in-progress';
  }
}
