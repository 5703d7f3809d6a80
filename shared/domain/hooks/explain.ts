/**
 * `greenlight hooks explain`: what the hook handlers read from an event, offline (no AWS calls),
 * or the reason they would answer FAILED. One explainer per kind of hook event; the first that
 * claims the event's shape explains it.
 */
import {
  CODEDEPLOY_ECS_HOOKS,
  looksLikeCodeDeployHookEvent,
  parseCodeDeployHookEvent,
  type CodeDeployEcsHook,
} from './codedeploy-hook-event';
import { isRollback, parseEcsHookEvent } from './ecs-hook-event';
import { planEcsHook } from './ecs-hook-watch';

export type HookKind = 'codedeploy' | 'ecs';

export interface Understood {
  kind: HookKind;
  /** The lifecycle stage; null when the event does not say (CodeDeploy's) and none was given. */
  stage: string | null;
  service: string | null;
  deployment: string | null;
  /** True for ECS re-invoking a traffic-shift hook with reversed weights (rolling back). */
  rollback: boolean;
}

export interface WouldFail {
  kind: HookKind | null;
  wouldFail: true;
  reason: string;
}

export type HookExplanation = Understood | WouldFail;

export interface ExplainOptions {
  /** The stage, for events that do not carry it (CodeDeploy's). */
  stage?: string | undefined;
}

export interface HookExplainer {
  kind: HookKind;
  /** Whether the event has this kind's shape (then this explainer alone explains it). */
  claims(raw: unknown): boolean;
  explain(raw: unknown, options: ExplainOptions): HookExplanation;
}

const isObject = (raw: unknown): raw is Record<string, unknown> =>
  typeof raw === 'object' && raw !== null && !Array.isArray(raw);

export const ecsExplainer: HookExplainer = {
  kind: 'ecs',
  claims: (raw) =>
    isObject(raw) && ('executionDetails' in raw || 'lifecycleStage' in raw || 'serviceArn' in raw),
  explain(raw) {
    const parsed = parseEcsHookEvent(raw);
    if (!parsed.ok) return { kind: 'ecs', wouldFail: true, reason: parsed.reason };
    const event = parsed.value;
    // Deadlines do not matter here: only whether the handler would refuse the event outright.
    const plan = planEcsHook(event, 0);
    if (plan.kind === 'fail') return { kind: 'ecs', wouldFail: true, reason: plan.reason };
    return {
      kind: 'ecs',
      stage: event.stage,
      service: event.serviceArn,
      deployment: event.resourceArn,
      rollback: isRollback(event),
    };
  },
};

export const codeDeployExplainer: HookExplainer = {
  kind: 'codedeploy',
  claims: looksLikeCodeDeployHookEvent,
  explain(raw, options) {
    const parsed = parseCodeDeployHookEvent(raw);
    if (!parsed.ok) return { kind: 'codedeploy', wouldFail: true, reason: parsed.reason };
    if (options.stage !== undefined && !(CODEDEPLOY_ECS_HOOKS as readonly string[]).includes(options.stage)) {
      return {
        kind: 'codedeploy',
        wouldFail: true,
        reason: `stage: expected one of ${CODEDEPLOY_ECS_HOOKS.join(', ')}, got "${options.stage}"`,
      };
    }
    return {
      kind: 'codedeploy',
      stage: (options.stage as CodeDeployEcsHook | undefined) ?? null,
      // Only GetDeployment names the deployment group and its service.
      service: null,
      deployment: parsed.value.deploymentId,
      // CodeDeploy rolls back by a deployment of its own, never by re-invoking a hook.
      rollback: false,
    };
  },
};

export const HOOK_EXPLAINERS: readonly HookExplainer[] = [codeDeployExplainer, ecsExplainer];

/** What the hook handlers would read from `raw`, or why they would answer FAILED. Pure. */
export function explainHookEvent(
  raw: unknown,
  options: ExplainOptions = {},
  explainers: readonly HookExplainer[] = HOOK_EXPLAINERS,
): HookExplanation {
  const explainer = explainers.find((e) => e.claims(raw));
  if (!explainer) {
    return {
      kind: null,
      wouldFail: true,
      reason:
        'not a hook event: expected a CodeDeploy hook event {DeploymentId, LifecycleEventHookExecutionId} or an ECS lifecycle hook event {executionId, lifecycleStage, executionDetails, ...}',
    };
  }
  return explainer.explain(raw, options);
}

export const wouldFail = (e: HookExplanation): e is WouldFail => 'wouldFail' in e;
