/**
 * What CodeDeploy and ECS mappings share: the part of a spec a controller reads, the answer shape
 * (a mapping or the fields it cannot express, never an approximation) and the plan shapes both
 * controllers know (one canary step, equal linear steps).
 */
import type { Gate } from '../gate/gate-schema';
import type { ProbesConfig } from '../gate/probes-schema';
import type { MetricsModel } from '../gate/published-data';
import type { PlanStep } from '../plan-schema';
import type { TestTraffic } from '../spec';

/** A field of the spec (as the expanded plan names it) the controller cannot express, and why. */
export interface PlanIssue {
  path: (string | number)[];
  message: string;
}

/**
 * The mapping, with `notes` saying which parts of the spec the controller (not Greenlight's gate)
 * watches; or every field it cannot express.
 */
export type ControllerMapping<T> =
  { ok: true; value: T; notes: string[] } | { ok: false; issues: PlanIssue[] };

/** The part of a validated spec (plan expanded) that a controller's mapping reads. */
export interface ControllerPlanInput {
  plan: { steps: readonly PlanStep[] };
  gate: Gate;
  bakeSeconds: number;
  bakeWindowSeconds: number;
  metrics: MetricsModel;
  probes?: ProbesConfig;
  testTraffic?: TestTraffic;
  alarms: readonly string[];
}

/** The plan's traffic shape: no step (all at once), one canary step, or equal linear steps. */
export type PlanShape =
  | { kind: 'all-at-once' }
  | { kind: 'canary'; percent: number; holdSeconds: number }
  | { kind: 'linear'; percent: number; holdSeconds: number };

/**
 * The plan's shape as a controller that shifts `p, 2p, 3p, …` and then 100 % sees it, or the first
 * steps that break it. `controllerName` words the messages; `stepsBelow100(p)` is how many shifts
 * below 100 % the controller makes at `p`.
 */
export function planShape(
  steps: readonly PlanStep[],
  controllerName: string,
  stepsBelow100: (percent: number) => number,
): { ok: true; shape: PlanShape } | { ok: false; issues: PlanIssue[] } {
  if (steps.length === 0) return { ok: true, shape: { kind: 'all-at-once' } };
  const first = steps[0]!;
  const issues: PlanIssue[] = [];
  steps.forEach((step, i) => {
    if (step.holdSeconds !== first.holdSeconds) {
      issues.push({
        path: ['plan', 'steps', i, 'holdSeconds'],
        message: `${controllerName} holds every step the same time: expected ${first.holdSeconds} like plan.steps.0.holdSeconds`,
      });
    }
  });
  if (steps.length === 1) {
    return issues.length
      ? { ok: false, issues }
      : { ok: true, shape: { kind: 'canary', percent: first.weight, holdSeconds: first.holdSeconds } };
  }
  const percent = first.weight;
  steps.forEach((step, i) => {
    if (step.weight !== (i + 1) * percent) {
      issues.push({
        path: ['plan', 'steps', i, 'weight'],
        message:
          `${controllerName} can express only one canary step or equal linear steps ` +
          `(${percent}, ${2 * percent}, … from plan.steps.0.weight): expected ${(i + 1) * percent}`,
      });
    }
  });
  if (issues.length) return { ok: false, issues };
  const expected = stepsBelow100(percent);
  if (steps.length !== expected) {
    const shifts = Array.from({ length: expected }, (_, i) => (i + 1) * percent).join(', ');
    issues.push({
      path: ['plan', 'steps'],
      message: `${controllerName} linear at ${percent} % shifts to ${shifts}, then 100 %: the plan has ${steps.length} of those ${expected} steps`,
    });
    return { ok: false, issues };
  }
  return { ok: true, shape: { kind: 'linear', percent, holdSeconds: first.holdSeconds } };
}

/** Approvals: neither controller can wait for a person after one step's gate passed. */
export function approvalIssues(steps: readonly PlanStep[], how: string): PlanIssue[] {
  return steps.flatMap((step, i) =>
    step.approval ? [{ path: ['plan', 'steps', i, 'approval'], message: `not expressible: ${how}` }] : [],
  );
}

/** Steps whose gate differs from the spec's (per-step overrides): one gate serves a controller's hook. */
export function stepGateIssues(steps: readonly PlanStep[], gate: Gate, why: string): PlanIssue[] {
  const spec = JSON.stringify(gate);
  return steps.flatMap((step, i) =>
    JSON.stringify(step.gate) === spec
      ? []
      : [{ path: ['plan', 'steps', i, 'gate'], message: `not expressible: ${why}` }],
  );
}
