/**
 * The CodeDeployHooks port on CodeDeploy GetDeployment, ListDeploymentTargets, GetDeploymentTarget
 * and PutLifecycleEventHookExecutionStatus, and ELB DescribeTargetGroups (CodeDeploy names the
 * task sets' target groups by name; metrics and target health need their ARNs).
 */
import {
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  type CodeDeployClient,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeTargetGroupsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GreenlightError } from '../domain/errors';
import type {
  CodeDeployHooks,
  CodeDeployHookTarget,
  HookExecutionStatus,
  ReportOutcome,
} from '../ports/codedeploy-hooks';
import { errorCode, normaliseAwsError } from './errors';

/** A CodeDeploy or ELB call failed, or the deployment is not one the hook can read. */
export class CodeDeployHooksError extends GreenlightError {}

export class CodeDeployHookService implements CodeDeployHooks {
  private readonly codeDeploy: CodeDeployClient;
  private readonly elbv2: ElasticLoadBalancingV2Client;

  constructor(options: { codeDeploy: CodeDeployClient; elbv2: ElasticLoadBalancingV2Client }) {
    this.codeDeploy = options.codeDeploy;
    this.elbv2 = options.elbv2;
  }

  async target(deploymentId: string): Promise<CodeDeployHookTarget> {
    const [deployment, targets] = await Promise.all([
      this.call('GetDeployment', deploymentId, () =>
        this.codeDeploy.send(new GetDeploymentCommand({ deploymentId })),
      ),
      this.call('ListDeploymentTargets', deploymentId, () =>
        this.codeDeploy.send(new ListDeploymentTargetsCommand({ deploymentId })),
      ),
    ]);
    const info = deployment.deploymentInfo;
    if (!info?.applicationName || !info.deploymentGroupName) {
      throw new CodeDeployHooksError(`deployment ${deploymentId}: no application or deployment group`);
    }
    // An ECS deployment has one target, its service ("cluster:service").
    const targetIds = targets.targetIds ?? [];
    if (targetIds.length !== 1) {
      throw new CodeDeployHooksError(
        `deployment ${deploymentId}: expected one ECS deployment target, found ${targetIds.length}`,
      );
    }
    const targetId = targetIds[0]!;
    const output = await this.call('GetDeploymentTarget', deploymentId, () =>
      this.codeDeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId })),
    );
    const ecs = output.deploymentTarget?.ecsTarget;
    if (!ecs)
      throw new CodeDeployHooksError(`deployment ${deploymentId}: target ${targetId} is not an ECS target`);
    const names = [
      ...new Set((ecs.taskSetsInfo ?? []).flatMap((t) => (t.targetGroup?.name ? [t.targetGroup.name] : []))),
    ];
    const arns = await this.targetGroupArns(names);
    return {
      deploymentId,
      application: info.applicationName,
      deploymentGroup: info.deploymentGroupName,
      computePlatform: info.computePlatform ?? null,
      deploymentStatus: info.status ?? null,
      serviceArn: ecs.targetArn ?? null,
      description: info.description ?? null,
      lifecycleEvents: (ecs.lifecycleEvents ?? []).map((e) => ({
        name: e.lifecycleEventName ?? '',
        status: e.status ?? null,
      })),
      taskSets: (ecs.taskSetsInfo ?? []).map((t) => ({
        id: t.identifer ?? null,
        label: t.taskSetLabel ?? null,
        trafficWeight: t.trafficWeight ?? null,
        targetGroupName: t.targetGroup?.name ?? null,
        targetGroupArn: (t.targetGroup?.name && arns[t.targetGroup.name]) || null,
      })),
    };
  }

  async report(
    deploymentId: string,
    lifecycleEventHookExecutionId: string,
    status: HookExecutionStatus,
  ): Promise<ReportOutcome> {
    try {
      await this.codeDeploy.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId,
          lifecycleEventHookExecutionId,
          status,
        }),
      );
      return 'sent';
    } catch (error) {
      // The event ended without us (CodeDeploy's hour ran out, or the deployment was stopped):
      // nothing is waiting for this status any more.
      if (errorCode(error) === 'LifecycleEventAlreadyCompletedException') return 'already-completed';
      throw normaliseAwsError(
        error,
        `PutLifecycleEventHookExecutionStatus (${deploymentId}, ${status})`,
        (message, cause) => new CodeDeployHooksError(message, { cause }),
      );
    }
  }

  private async targetGroupArns(names: string[]): Promise<Record<string, string>> {
    if (names.length === 0) return {};
    const output = await this.call('DescribeTargetGroups', names.join(','), () =>
      this.elbv2.send(new DescribeTargetGroupsCommand({ Names: names })),
    );
    const arns: Record<string, string> = {};
    for (const g of output.TargetGroups ?? []) {
      if (g.TargetGroupName && g.TargetGroupArn) arns[g.TargetGroupName] = g.TargetGroupArn;
    }
    return arns;
  }

  private async call<T>(operation: string, target: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw normaliseAwsError(
        error,
        `${operation} (${target})`,
        (message, cause) => new CodeDeployHooksError(message, { cause }),
      );
    }
  }
}
