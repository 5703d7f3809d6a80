/** Walking the plan: which step comes next, and how long a deployment may take at most. */
import type { Gate } from './gate/gate-schema';
import type { DeploymentSpec } from './spec';
import { hookWaitLoops } from './user-hooks';

/** Where the workflow is in the plan; `index` counts plan steps, `plan.steps.length` is the bake. */
export type StepCursor =
  | {
      done: false;
      index: number;
      phase: 'step' | 'bake';
      weight: number;
      holdSeconds: number;
      gate: Gate;
      startedAt: number;
      deadlineAt: number;
      /** The step waits for a person's approval once its gate has passed. */
      approval?: true;
    }
  | { done: true; index: number };

/** The step after `previousIndex` (null: the first step), or done when the plan is exhausted. */
export function nextStep(spec: DeploymentSpec, previousIndex: number | null, now: number): StepCursor {
  const index = previousIndex === null ? 0 : previousIndex + 1;
  const step = spec.plan.steps[index];
  if (!step) return { done: true, index: spec.plan.steps.length };
  return {
    done: false,
    index,
    phase: 'step',
    weight: step.weight,
    holdSeconds: step.holdSeconds,
    gate: step.gate,
    startedAt: now,
    // The gate gets its full timeout after the hold, like the bake: a long hold never leaves it no time.
    deadlineAt: now + (step.holdSeconds + step.gate.stepTimeoutSeconds) * 1000,
    ...(step.approval ? { approval: true as const } : {}),
  };
}

/** The bake: 100 % on the new color for `bakeSeconds` while the gate keeps watching. */
export function bakeStep(spec: DeploymentSpec, now: number): StepCursor {
  return {
    done: false,
    index: spec.plan.steps.length,
    phase: 'bake',
    weight: 100,
    holdSeconds: spec.bakeSeconds,
    gate: spec.gate,
    startedAt: now,
    deadlineAt: now + (spec.bakeSeconds + spec.gate.stepTimeoutSeconds) * 1000,
  };
}

/** The test-traffic phase: the test listener on the new color, probes judged every interval. */
export interface TestTrafficCursor {
  phase: 'test';
  holdSeconds: number;
  intervalSeconds: number;
  startedAt: number;
  /** Past this, a phase without passing probes rolls back. */
  deadlineAt: number;
}

/** The test-traffic phase starting `now`, or null when the spec has none. */
export function testTrafficPhase(spec: DeploymentSpec, now: number): TestTrafficCursor | null {
  const test = spec.testTraffic;
  if (!test) return null;
  return {
    phase: 'test',
    holdSeconds: test.holdSeconds,
    intervalSeconds: test.intervalSeconds,
    startedAt: now,
    deadlineAt: now + (test.holdSeconds + test.timeoutSeconds) * 1000,
  };
}

/** Upper bound of a deployment's duration: the basis of the lock's lease. */
export function maxDurationSeconds(spec: DeploymentSpec): number {
  const stepsSeconds = spec.plan.steps.reduce(
    (sum, s) => sum + s.holdSeconds + s.gate.stepTimeoutSeconds + s.gate.intervalSeconds,
    0,
  );
  const bake = spec.bakeSeconds + spec.gate.stepTimeoutSeconds + spec.gate.intervalSeconds;
  const test = spec.testTraffic;
  const testSeconds = test ? test.holdSeconds + test.timeoutSeconds + test.intervalSeconds : 0;
  // Hooks that keep answering wait hold their stage (beforeLaunch, each beforeStep, beforePromote);
  // only Greenlight's own path has those stages (a driven spec's hooks are refused, never waited on).
  const hooks = spec.controller === 'greenlight' ? spec.hooks : undefined;
  const hookSeconds = hookWaitLoops(hooks, spec.plan.steps.length).reduce(
    (sum, loop) => sum + loop.times * loop.deadlineSeconds,
    0,
  );
  const margin = 600;
  return (
    spec.launch.timeoutSeconds +
    spec.launch.pollSeconds +
    testSeconds +
    stepsSeconds +
    bake +
    hookSeconds +
    margin
  );
}
