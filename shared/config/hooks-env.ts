/**
 * The CodeDeploy hook function's environment. Read without throwing: a hook whose configuration is
 * broken must still answer Failed to CodeDeploy, so each problem is carried to the invocation.
 */
import { parseHookSpecs, type HookSpecs } from '../domain/hooks/codedeploy-hook-plan';
import type { Parsed } from '../domain/hooks/ecs-hook-event';

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/;

export interface CodeDeployHookEnv {
  /** The gate-watch state machine, or the reason it cannot be started. */
  gateWatchArn: Parsed<string>;
  /** CODEDEPLOY_HOOK_SPECS: the gate per deployment group. */
  specs: Parsed<HookSpecs>;
}

export function codeDeployHookEnv(env: NodeJS.ProcessEnv = process.env): CodeDeployHookEnv {
  const arn = env.GATE_WATCH_STATE_MACHINE_ARN;
  return {
    gateWatchArn:
      arn && STATE_MACHINE_ARN.test(arn)
        ? { ok: true, value: arn }
        : { ok: false, reason: 'env.GATE_WATCH_STATE_MACHINE_ARN: expected a state machine ARN' },
    specs: parseHookSpecs(env.CODEDEPLOY_HOOK_SPECS),
  };
}
