/** Plan expansion: a preset or custom plan turned into the explicit steps the workflow walks. */
import type { z } from 'zod';
import { withGateOverrides, type Gate } from './gate/gate-schema';
import type { StepFieldPaths } from './history-budget';
import type { PlanSchema, PlanStep } from './plan-schema';

type ParsedPlan = z.output<typeof PlanSchema>;

/** The CodeDeploy canary's one step: its weight and its window, judged once at the end. */
const CODEDEPLOY_CANARY_10_5 = { weight: 10, holdSeconds: 300 } as const;

/** The plan's step weights, in order, before promotion to 100 %. */
export function planWeights(plan: ParsedPlan): number[] {
  if ('steps' in plan) return plan.steps.map((s) => s.weight);
  switch (plan.preset) {
    case 'all-at-once':
      return [];
    case 'codedeploy-canary-10-5':
      return [CODEDEPLOY_CANARY_10_5.weight];
    case 'canary':
      return plan.weights;
    case 'linear':
      return Array.from({ length: plan.increments - 1 }, (_, i) =>
        Math.round(((i + 1) * 100) / plan.increments),
      );
  }
}

/** The plan as explicit steps, each with its whole gate (the spec's, with the step's overrides). */
export function expandPlan(plan: ParsedPlan, gate: Gate): PlanStep[] {
  if ('steps' in plan) {
    return plan.steps.map((s) => ({
      weight: s.weight,
      holdSeconds: s.holdSeconds,
      gate: withGateOverrides(gate, s.gate),
      ...(s.approval ? { approval: true as const } : {}),
    }));
  }
  if (plan.preset === 'codedeploy-canary-10-5') {
    const { weight, holdSeconds } = CODEDEPLOY_CANARY_10_5;
    return [{ weight, holdSeconds, gate: { ...gate, mode: 'fixed-window' } }];
  }
  const holdSeconds = plan.preset === 'all-at-once' ? 0 : plan.holdSeconds;
  return planWeights(plan).map((weight) => ({ weight, holdSeconds, gate }));
}

/** Where an expanded step's hold and timeout are written in the plan as the user wrote it. */
export function stepFieldPaths(plan: ParsedPlan): StepFieldPaths {
  const gateTimeout = ['gate', 'stepTimeoutSeconds'];
  if ('steps' in plan) {
    return {
      holdSeconds: (i) => ['plan', 'steps', i, 'holdSeconds'],
      stepTimeoutSeconds: (i) =>
        plan.steps[i]?.gate?.stepTimeoutSeconds === undefined
          ? gateTimeout
          : ['plan', 'steps', i, 'gate', 'stepTimeoutSeconds'],
    };
  }
  // A preset's holds are its own (or fixed by the preset: then the preset is what to change).
  const hold = 'holdSeconds' in plan ? ['plan', 'holdSeconds'] : ['plan', 'preset'];
  return { holdSeconds: () => hold, stepTimeoutSeconds: () => gateTimeout };
}
