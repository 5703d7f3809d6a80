/**
 * A Greenlight plan as an ECS built-in deployment configuration, exactly or not at all.
 *
 * ECS shifts production traffic by `strategy`: BLUE_GREEN (all at once), CANARY (canaryPercent,
 * then 100 %) or LINEAR (stepPercent, 2 × stepPercent, … then 100 %: ⌊100 ÷ p⌋ shifts, one fewer
 * when p divides 100), and invokes the lifecycle hooks registered at each stage. Greenlight's ECS
 * hook (functions/hooks/) judges each production shift at PRODUCTION_TRAFFIC_SHIFT, holding it
 * `stepHoldSeconds` while it watches, and the bake at POST_PRODUCTION_TRAFFIC_SHIFT. ECS's own
 * waits (stepBakeTimeInMinutes, canaryBakeTimeInMinutes, bakeTimeInMinutes) come after the hook's
 * SUCCEEDED and nobody watches them, so they are 0: the plan's holds, in seconds, travel in the
 * hook's `hookDetails.greenlight` (see hooks/ecs-hook-spec.ts).
 */
import type { EcsHookSpecInput } from '../hooks/ecs-hook-spec';
import type { EcsController } from './controller-spec';
import {
  approvalIssues,
  planShape,
  stepGateIssues,
  type ControllerMapping,
  type ControllerPlanInput,
  type PlanIssue,
} from './plan-shape';

/** ECS's least LINEAR stepPercent (ECS API Reference, LinearConfiguration). */
export const ECS_MIN_STEP_PERCENT = 3;

export type EcsLifecycleStage =
  'POST_TEST_TRAFFIC_SHIFT' | 'PRODUCTION_TRAFFIC_SHIFT' | 'POST_PRODUCTION_TRAFFIC_SHIFT';

/** The shape of ECS's DeploymentLifecycleHook, as Greenlight registers its own. */
export interface EcsLifecycleHook {
  targetType: 'AWS_LAMBDA';
  hookTargetArn: string;
  roleArn: string;
  lifecycleStages: EcsLifecycleStage[];
  hookDetails: { greenlight: EcsHookSpecInput };
  timeoutConfiguration: { timeoutInMinutes: number; action: 'ROLLBACK' };
}

/** The parts of ECS's DeploymentConfiguration a Greenlight plan sets (the rest is the service's own). */
export interface EcsDeploymentConfiguration {
  strategy: 'BLUE_GREEN' | 'LINEAR' | 'CANARY';
  bakeTimeInMinutes: number;
  linearConfiguration?: { stepPercent: number; stepBakeTimeInMinutes: number };
  canaryConfiguration?: { canaryPercent: number; canaryBakeTimeInMinutes: number };
  /** Set when the spec names alarms: ECS rolls back on ALARM (absent: the service's own are kept). */
  alarms?: { alarmNames: string[]; enable: true; rollback: true };
  lifecycleHooks: EcsLifecycleHook[];
}

/**
 * The hook's own limits on hookDetails and on the watch state it adds to them (hooks/ecs-hook-watch.ts,
 * not imported: it reads the spec module, which reads this one); a test keeps them equal.
 */
export const HOOK_DETAILS_LIMIT_CHARS = 16_384;
export const HOOK_WATCH_STATE_LIMIT_CHARS = 1024;

/** `"deploymentId":"…",` with the longest id DeploymentIdSchema allows (80 characters). */
const DEPLOYMENT_ID_ROOM_CHARS = 100;

/** ECS LINEAR: the shifts below 100 % at `p`. */
const linearStepsBelow100 = (percent: number) => Math.ceil(100 / percent) - 1;

/** The ECS deploymentConfiguration for `spec`'s plan, or every field ECS cannot express. */
export function ecsDeploymentConfiguration(
  spec: ControllerPlanInput,
  controller: Pick<EcsController, 'hookFunctionArn' | 'hookRoleArn' | 'hookTimeoutMinutes'>,
  /** Greenlight's deployment id, when it starts the deployment: the hook writes its history there. */
  options: { deploymentId?: string } = {},
): ControllerMapping<EcsDeploymentConfiguration> {
  const steps = spec.plan.steps;
  const issues: PlanIssue[] = [
    ...approvalIssues(
      steps,
      'an ECS PAUSE hook waits at a lifecycle stage (for LINEAR and CANARY, every production shift at once), not after one step’s gate',
    ),
    ...stepGateIssues(
      steps,
      spec.gate,
      'the ECS hook judges every step and the bake with one gate (hookDetails.greenlight.gate): set it in gate',
    ),
  ];
  const first = steps[0];
  if (steps.length > 1 && first && first.weight < ECS_MIN_STEP_PERCENT) {
    issues.push({
      path: ['plan', 'steps', 0, 'weight'],
      message: `ECS LINEAR steps are at least ${ECS_MIN_STEP_PERCENT} % (got ${first.weight})`,
    });
  }
  const shaped = planShape(steps, 'ECS', linearStepsBelow100);
  if (!shaped.ok) issues.push(...shaped.issues);
  if (spec.testTraffic && !spec.probes) {
    issues.push({ path: ['probes'], message: 'required to judge POST_TEST_TRAFFIC_SHIFT' });
  }
  const stepHold = first?.holdSeconds ?? 0;
  const longest = Math.max(
    steps.length ? stepHold + spec.gate.stepTimeoutSeconds : 0,
    spec.bakeSeconds + spec.gate.stepTimeoutSeconds,
    spec.testTraffic ? spec.testTraffic.holdSeconds + spec.testTraffic.timeoutSeconds : 0,
  );
  // ECS rolls back a hook still IN_PROGRESS past its timeout: the longest watch must fit in it.
  if (longest + 60 > controller.hookTimeoutMinutes * 60) {
    issues.push({
      path: ['ecs', 'hookTimeoutMinutes'],
      message: `the hook’s longest watch is ${longest} s (a hold or bake plus gate.stepTimeoutSeconds): expected at least ${Math.ceil((longest + 60) / 60)} minutes`,
    });
  }
  if (issues.length || !shaped.ok) return { ok: false, issues };

  const shape = shaped.shape;
  const stages: EcsLifecycleStage[] = [];
  if (spec.testTraffic) stages.push('POST_TEST_TRAFFIC_SHIFT');
  if (shape.kind !== 'all-at-once') stages.push('PRODUCTION_TRAFFIC_SHIFT');
  stages.push('POST_PRODUCTION_TRAFFIC_SHIFT');

  const hookSpec: EcsHookSpecInput = {
    ...(options.deploymentId ? { deploymentId: options.deploymentId } : {}),
    gate: spec.gate,
    metrics: spec.metrics,
    ...(spec.probes ? { probes: spec.probes } : {}),
    ...(spec.testTraffic
      ? {
          testTraffic: {
            holdSeconds: spec.testTraffic.holdSeconds,
            intervalSeconds: spec.testTraffic.intervalSeconds,
            consecutiveFailures: spec.testTraffic.consecutiveFailures,
            timeoutSeconds: spec.testTraffic.timeoutSeconds,
          },
        }
      : {}),
    stepHoldSeconds: stepHold,
    bakeSeconds: spec.bakeSeconds,
    bakeWindowSeconds: spec.bakeWindowSeconds,
  };
  const hook: EcsLifecycleHook = {
    targetType: 'AWS_LAMBDA',
    hookTargetArn: controller.hookFunctionArn,
    roleArn: controller.hookRoleArn,
    lifecycleStages: stages,
    hookDetails: { greenlight: hookSpec },
    timeoutConfiguration: { timeoutInMinutes: controller.hookTimeoutMinutes, action: 'ROLLBACK' },
  };
  // The hook answers FAILED when hookDetails outgrow its limit: refuse a spec that would.
  // Checked before the deployment's id is known: room is kept for the longest one.
  const idRoom = options.deploymentId ? 0 : DEPLOYMENT_ID_ROOM_CHARS;
  const detailsChars = JSON.stringify(hook.hookDetails).length + idRoom + HOOK_WATCH_STATE_LIMIT_CHARS + 32;
  if (detailsChars > HOOK_DETAILS_LIMIT_CHARS) {
    return {
      ok: false,
      issues: [
        {
          path: [spec.probes ? 'probes' : 'gate'],
          message: `the hook's hookDetails (gate, probes, metrics and its watch state) would take about ${detailsChars} characters, over the hook's ${HOOK_DETAILS_LIMIT_CHARS}`,
        },
      ],
    };
  }
  const notes = [
    'gate.maxTaskStops: the hook judges the stopped tasks of the new revision that ECS still lists (about an hour); ECS’s deployment circuit breaker watches its failed starts too',
  ];
  if (shape.kind !== 'all-at-once') {
    notes.push(
      'ECS’s last shift (to 100 %) is a PRODUCTION_TRAFFIC_SHIFT too: the hook holds and judges it like a step, before the bake',
    );
  }
  const alarms =
    spec.alarms.length > 0
      ? { alarms: { alarmNames: [...spec.alarms], enable: true as const, rollback: true as const } }
      : {};
  const base = { bakeTimeInMinutes: 0, ...alarms, lifecycleHooks: [hook] };
  switch (shape.kind) {
    case 'all-at-once':
      return { ok: true, value: { strategy: 'BLUE_GREEN', ...base }, notes };
    case 'canary':
      return {
        ok: true,
        value: {
          strategy: 'CANARY',
          canaryConfiguration: { canaryPercent: shape.percent, canaryBakeTimeInMinutes: 0 },
          ...base,
        },
        notes,
      };
    case 'linear':
      return {
        ok: true,
        value: {
          strategy: 'LINEAR',
          linearConfiguration: { stepPercent: shape.percent, stepBakeTimeInMinutes: 0 },
          ...base,
        },
        notes,
      };
  }
}
