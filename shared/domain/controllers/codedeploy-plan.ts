/**
 * A Greenlight plan as a CodeDeploy ECS deployment configuration, exactly or not at all.
 *
 * CodeDeploy shifts production traffic by a deployment config: all at once, TimeBasedCanary
 * (canaryPercentage, then the rest after canaryInterval minutes) or TimeBasedLinear
 * (linearPercentage every linearInterval minutes until 100 %). Its hooks run around the shift
 * (AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic), never between two shifts: the
 * steps themselves are watched by the deployment group's alarms only. Greenlight's hook judges the
 * test traffic and the bake at 100 % (the original task set still up until the termination wait).
 */
import type { CodeDeployEcsHook } from '../hooks/codedeploy-hook-event';
import type { CodeDeployController } from './controller-spec';
import {
  approvalIssues,
  planShape,
  stepGateIssues,
  type ControllerMapping,
  type ControllerPlanInput,
  type PlanIssue,
} from './plan-shape';

/** CodeDeploy fails a lifecycle hook that has not reported within one hour. */
export const CODEDEPLOY_HOOK_LIMIT_SECONDS = 3600;

/** CodeDeploy's predefined ECS configs, by the traffic routing they stand for. */
const PREDEFINED: {
  name: string;
  type: 'TimeBasedCanary' | 'TimeBasedLinear';
  percent: number;
  minutes: number;
}[] = [
  { name: 'CodeDeployDefault.ECSCanary10Percent5Minutes', type: 'TimeBasedCanary', percent: 10, minutes: 5 },
  {
    name: 'CodeDeployDefault.ECSCanary10Percent15Minutes',
    type: 'TimeBasedCanary',
    percent: 10,
    minutes: 15,
  },
  {
    name: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
    type: 'TimeBasedLinear',
    percent: 10,
    minutes: 1,
  },
  {
    name: 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
    type: 'TimeBasedLinear',
    percent: 10,
    minutes: 3,
  },
];
export const CODEDEPLOY_ALL_AT_ONCE = 'CodeDeployDefault.ECSAllAtOnce';

/** The shape of CodeDeploy's TrafficRoutingConfig (CreateDeploymentConfig). */
export type CodeDeployTrafficRouting =
  | { type: 'AllAtOnce' }
  | { type: 'TimeBasedCanary'; timeBasedCanary: { canaryPercentage: number; canaryInterval: number } }
  | { type: 'TimeBasedLinear'; timeBasedLinear: { linearPercentage: number; linearInterval: number } };

export interface CodeDeployPlan {
  /** The config CreateDeployment names: a predefined one, or one Greenlight creates (`trafficRouting`). */
  deploymentConfigName: string;
  /** Set for a config Greenlight must create (CreateDeploymentConfig); absent for a predefined one. */
  trafficRouting?: CodeDeployTrafficRouting;
  /** The AppSpec hooks that name Greenlight's hook function. */
  hooks: CodeDeployEcsHook[];
}

/** CodeDeploy's TimeBased linear: the shifts below 100 % at `p` (only whole divisors of 100 are mapped). */
const linearStepsBelow100 = (percent: number) => Math.ceil(100 / percent) - 1;

/** The CodeDeploy deployment config for `spec`'s plan, or every field CodeDeploy cannot express. */
export function codeDeployPlan(
  spec: ControllerPlanInput,
  controller: Pick<CodeDeployController, 'allowUnjudgedSteps'>,
): ControllerMapping<CodeDeployPlan> {
  const steps = spec.plan.steps;
  const issues: PlanIssue[] = [];
  const notes: string[] = [];
  if (steps.length > 0 && !controller.allowUnjudgedSteps) {
    issues.push({
      path: ['plan', 'steps'],
      message:
        'CodeDeploy invokes no hook between its traffic shifts, so Greenlight’s gate cannot judge these steps ' +
        '(only the deployment group’s alarms watch them): set codedeploy.allowUnjudgedSteps to accept that, ' +
        'use an all-at-once plan (the bake is judged), or controller ecs',
    });
  }
  if (steps.length > 0 && controller.allowUnjudgedSteps) {
    notes.push('plan.steps: watched by the deployment group’s alarms only (codedeploy.allowUnjudgedSteps)');
    issues.push(
      ...stepGateIssues(
        steps,
        spec.gate,
        'CodeDeploy judges no step, so a step’s own gate would never be read',
      ),
    );
  }
  issues.push(
    ...approvalIssues(
      steps,
      'CodeDeploy’s only wait for a person is before any production traffic (the deployment group’s READY_WAIT), not after a step',
    ),
  );
  // A percentage that does not divide 100 leaves a last shift CodeDeploy's docs do not size.
  const first = steps[0];
  if (steps.length > 1 && first && 100 % first.weight !== 0) {
    issues.push({
      path: ['plan', 'steps', 0, 'weight'],
      message: `CodeDeploy linear percentages that do not divide 100 end on a shift its documentation does not size: use a divisor of 100 (got ${first.weight})`,
    });
  }
  steps.forEach((step, i) => {
    if (step.holdSeconds < 60 || step.holdSeconds % 60 !== 0) {
      issues.push({
        path: ['plan', 'steps', i, 'holdSeconds'],
        message: `CodeDeploy’s canary and linear intervals are whole minutes, at least 1: expected a multiple of 60 (got ${step.holdSeconds})`,
      });
    }
  });
  if (spec.alarms.length > 0) {
    issues.push({
      path: ['alarms'],
      message: 'CodeDeploy reads alarms from the deployment group’s alarmConfiguration: set them there',
    });
  }
  // The hook that judges the bake must answer within CodeDeploy's hour.
  if (spec.bakeSeconds + spec.gate.stepTimeoutSeconds > CODEDEPLOY_HOOK_LIMIT_SECONDS) {
    issues.push({
      path: ['bakeSeconds'],
      message: `the AfterAllowTraffic hook judges the bake within CodeDeploy’s one-hour hook limit: bakeSeconds + gate.stepTimeoutSeconds must be at most ${CODEDEPLOY_HOOK_LIMIT_SECONDS} (got ${spec.bakeSeconds + spec.gate.stepTimeoutSeconds})`,
    });
  }
  const test = spec.testTraffic;
  if (test && test.holdSeconds + test.timeoutSeconds > CODEDEPLOY_HOOK_LIMIT_SECONDS) {
    issues.push({
      path: ['testTraffic', 'timeoutSeconds'],
      message: `the AfterAllowTestTraffic hook judges test traffic within CodeDeploy’s one-hour hook limit: testTraffic.holdSeconds + timeoutSeconds must be at most ${CODEDEPLOY_HOOK_LIMIT_SECONDS}`,
    });
  }
  const shaped = planShape(steps, 'CodeDeploy', linearStepsBelow100);
  if (!shaped.ok) issues.push(...shaped.issues);
  if (issues.length || !shaped.ok) return { ok: false, issues: dedupe(issues) };

  notes.push(
    'gate.maxTaskStops: the hook judges the stopped tasks of the replacement task set that ECS still lists (about an hour); CodeDeploy itself rolls back a task set that fails to stabilise',
  );
  const hooks: CodeDeployEcsHook[] = [];
  if (test) hooks.push('AfterAllowTestTraffic');
  if (spec.bakeSeconds > 0) hooks.push('AfterAllowTraffic');
  else notes.push('bakeSeconds is 0: no hook judges the new task set at 100 %');

  const shape = shaped.shape;
  if (shape.kind === 'all-at-once') {
    return { ok: true, value: { deploymentConfigName: CODEDEPLOY_ALL_AT_ONCE, hooks }, notes };
  }
  const minutes = shape.holdSeconds / 60;
  const type = shape.kind === 'canary' ? 'TimeBasedCanary' : 'TimeBasedLinear';
  const predefined = PREDEFINED.find(
    (p) => p.type === type && p.percent === shape.percent && p.minutes === minutes,
  );
  if (predefined) return { ok: true, value: { deploymentConfigName: predefined.name, hooks }, notes };
  const trafficRouting: CodeDeployTrafficRouting =
    type === 'TimeBasedCanary'
      ? { type, timeBasedCanary: { canaryPercentage: shape.percent, canaryInterval: minutes } }
      : { type, timeBasedLinear: { linearPercentage: shape.percent, linearInterval: minutes } };
  return {
    ok: true,
    value: { deploymentConfigName: customConfigName(trafficRouting), trafficRouting, hooks },
    notes,
  };
}

/**
 * The name of a config Greenlight creates: derived from its routing only, so the same routing
 * always finds the same config (CreateDeploymentConfig is then idempotent by name).
 */
export function customConfigName(routing: CodeDeployTrafficRouting): string {
  switch (routing.type) {
    case 'AllAtOnce':
      return CODEDEPLOY_ALL_AT_ONCE;
    case 'TimeBasedCanary':
      return `Greenlight.ECSCanary${routing.timeBasedCanary.canaryPercentage}Percent${routing.timeBasedCanary.canaryInterval}Minutes`;
    case 'TimeBasedLinear':
      return `Greenlight.ECSLinear${routing.timeBasedLinear.linearPercentage}PercentEvery${routing.timeBasedLinear.linearInterval}Minutes`;
  }
}

function dedupe(issues: PlanIssue[]): PlanIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path.join('.')}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
