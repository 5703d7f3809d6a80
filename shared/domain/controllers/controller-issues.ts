/**
 * The spec's check that its controller can run its plan: the mapping's issues, with the fields
 * named as the user wrote the plan (a preset's `plan.weights` / `plan.preset`, not the expanded steps).
 */
import type { z } from 'zod';
import type { PlanSchema } from '../plan-schema';
import { codeDeployPlan } from './codedeploy-plan';
import type { CodeDeployController, Controller, EcsController } from './controller-spec';
import { ecsDeploymentConfiguration } from './ecs-plan';
import type { ControllerPlanInput, PlanIssue } from './plan-shape';

type ParsedPlan = z.output<typeof PlanSchema>;

/** Every field the spec's controller cannot express (none for `greenlight`). */
export function controllerPlanIssues(
  spec: ControllerPlanInput & {
    controller: Controller;
    codedeploy?: CodeDeployController;
    ecs?: EcsController;
  },
  written: ParsedPlan,
): PlanIssue[] {
  let issues: PlanIssue[] = [];
  if (spec.controller === 'codedeploy' && spec.codedeploy) {
    const mapped = codeDeployPlan(spec, spec.codedeploy);
    if (!mapped.ok) issues = mapped.issues;
  }
  if (spec.controller === 'ecs' && spec.ecs) {
    const mapped = ecsDeploymentConfiguration(spec, spec.ecs);
    if (!mapped.ok) issues = mapped.issues;
  }
  return issues.map((issue) => ({ ...issue, path: writtenPath(issue.path, written) }));
}

/** Where an expanded step's field is written in a preset plan. */
function writtenPath(path: (string | number)[], plan: ParsedPlan): (string | number)[] {
  if ('steps' in plan || path[0] !== 'plan' || path[1] !== 'steps') return path;
  const [, , index, field] = path;
  if (field === 'holdSeconds' && 'holdSeconds' in plan) return ['plan', 'holdSeconds'];
  if (field === 'weight' && plan.preset === 'canary' && typeof index === 'number') {
    return ['plan', 'weights', index];
  }
  if (field === 'weight' && plan.preset === 'linear') return ['plan', 'increments'];
  if (path.length === 2 && plan.preset === 'canary') return ['plan', 'weights'];
  if (path.length === 2 && plan.preset === 'linear') return ['plan', 'increments'];
  return ['plan', 'preset'];
}
