/**
 * What a controller's adapter is started with, from a validated spec: its section of the spec and
 * the plan mapped for it. The one call site the workflow's start step needs.
 */
import { InvalidInputError } from '../errors';
import type { DeploymentSpec } from '../spec';
import { codeDeployPlan, type CodeDeployPlan } from './codedeploy-plan';
import type { CodeDeployController } from './controller-spec';
import { ecsDeploymentConfiguration, type EcsDeploymentConfiguration } from './ecs-plan';
import type { ControllerMapping, PlanIssue } from './plan-shape';

export type ControllerTarget =
  | { controller: 'codedeploy'; target: CodeDeployController & { plan: CodeDeployPlan }; notes: string[] }
  | {
      controller: 'ecs';
      target: { service: string; configuration: EcsDeploymentConfiguration };
      notes: string[];
    };

/**
 * The spec's external controller target, or null for Greenlight's own deployments. With the
 * deployment's id, ECS's hook registration carries it (hookDetails.greenlight.deploymentId), so the
 * hook's verdicts land in that deployment's history rather than on a hook-only record.
 */
export function controllerTarget(spec: DeploymentSpec, deploymentId?: string): ControllerTarget | null {
  if (spec.controller === 'codedeploy') {
    const section = required(spec.codedeploy, 'codedeploy');
    const mapped = mappedOrThrow(codeDeployPlan(spec, section));
    return { controller: 'codedeploy', target: { ...section, plan: mapped.value }, notes: mapped.notes };
  }
  if (spec.controller === 'ecs') {
    const section = required(spec.ecs, 'ecs');
    const mapped = mappedOrThrow(
      ecsDeploymentConfiguration(spec, section, deploymentId ? { deploymentId } : {}),
    );
    return {
      controller: 'ecs',
      target: { service: section.service, configuration: mapped.value },
      notes: mapped.notes,
    };
  }
  return null;
}

function required<T>(section: T | undefined, name: string): T {
  if (section === undefined) {
    throw new InvalidInputError(`spec.${name}: required when controller is ${name}`, [
      { path: `spec.${name}`, message: `required when controller is ${name}` },
    ]);
  }
  return section;
}

// A spec from SpecSchema never gets here; one built by hand (a test, a stored record) might.
function mappedOrThrow<T>(mapped: ControllerMapping<T>): { value: T; notes: string[] } {
  if (mapped.ok) return mapped;
  const issues = mapped.issues.map((issue: PlanIssue) => ({
    path: `spec.${issue.path.join('.')}`,
    message: issue.message,
  }));
  throw new InvalidInputError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}
