/**
 * The event CodeDeploy sends a Lambda hook of an ECS (or Lambda) deployment:
 * `{DeploymentId, LifecycleEventHookExecutionId}` (CodeDeploy User Guide, "AppSpec 'hooks' section
 * for an Amazon ECS deployment"). The hook reports with PutLifecycleEventHookExecutionStatus
 * (`Succeeded` | `Failed`) using both ids; the event names neither the stage nor the service, which
 * only GetDeployment / GetDeploymentTarget tell. Pure: shared by the CodeDeploy hook and
 * `greenlight hooks explain`.
 */
import { z } from 'zod';
import { describeIssues, type Parsed } from './ecs-hook-event';

/** The ECS deployment hooks a CodeDeploy AppSpec can name (PutLifecycleEventHookExecutionStatus). */
export const CODEDEPLOY_ECS_HOOKS = [
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;
export type CodeDeployEcsHook = (typeof CODEDEPLOY_ECS_HOOKS)[number];

export const CodeDeployHookEventSchema = z
  .object({
    // "d-" and nine upper-case letters and digits in every CodeDeploy example; kept a little looser.
    DeploymentId: z.string().regex(/^d-[A-Z0-9]{1,64}$/, 'expected a CodeDeploy deployment id (d-XXXXXXXXX)'),
    LifecycleEventHookExecutionId: z.string().min(1).max(1024),
  })
  .loose();

export interface CodeDeployHookEvent {
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
}

/** True when `raw` is shaped like a CodeDeploy hook event (it has one of its two fields). */
export function looksLikeCodeDeployHookEvent(raw: unknown): boolean {
  return (
    typeof raw === 'object' &&
    raw !== null &&
    !Array.isArray(raw) &&
    ('DeploymentId' in raw || 'LifecycleEventHookExecutionId' in raw)
  );
}

/** Parses the event; a malformed one is a reason naming the field, never a throw. */
export function parseCodeDeployHookEvent(raw: unknown): Parsed<CodeDeployHookEvent> {
  const parsed = CodeDeployHookEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
  return {
    ok: true,
    value: {
      deploymentId: parsed.data.DeploymentId,
      lifecycleEventHookExecutionId: parsed.data.LifecycleEventHookExecutionId,
    },
  };
}
