/** A CodeDeploy ECS deployment, as its lifecycle hook reads it and answers it. */
import type { CodeDeployHookTarget } from '../domain/hooks/codedeploy-hook-plan';

export type { CodeDeployHookTarget };

export type HookExecutionStatus = 'Succeeded' | 'Failed';

/** `sent`, or `already-completed` when CodeDeploy had already ended the lifecycle event. */
export type ReportOutcome = 'sent' | 'already-completed';

export interface CodeDeployHooks {
  /** The deployment, its ECS target's lifecycle events and task sets, target groups by ARN. */
  target(deploymentId: string): Promise<CodeDeployHookTarget>;
  /** PutLifecycleEventHookExecutionStatus. */
  report(
    deploymentId: string,
    lifecycleEventHookExecutionId: string,
    status: HookExecutionStatus,
  ): Promise<ReportOutcome>;
}
