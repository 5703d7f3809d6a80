/** Walking the plan: which step comes next, and how long a deployment may take at most. */
import type { Gate } from './spec';
import type { DeploymentSpec } from './spec';

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
  const margin = 600;
  return spec.launch.timeoutSeconds + spec.launch.pollSeconds + testSeconds + stepsSeconds + bake + margin;
}

/**
 * Step Functions keeps at most 25,000 events in an execution's history and fails the execution
 * beyond that. Each wait-and-evaluate round (Wait, Task, Choice) writes 9 events, so long holds,
 * timeouts or approval waits at a short interval can run out. Greenlight keeps the worst case
 * under this budget, leaving the rest for retries, the rollback path and the finish.
 */
export const HISTORY_EVENT_BUDGET = 20_000;
const EVENTS_PER_ROUND = 9;
/** Prepare, launch, promotion, retirement and finish outside the loops, rounded up. */
const EVENTS_OUTSIDE_LOOPS = 120;
/** NextStep, PlanComplete?, ShiftTraffic, VerifyTraffic: once per plan step. */
const EVENTS_PER_STEP = 17;
/** ShiftTestTraffic, VerifyTestTraffic, StartTestTraffic: once, when the spec has test traffic. */
const EVENTS_TEST_TRAFFIC_START = 15;

interface LoopTimes {
  stepTimeoutSeconds: number;
  intervalSeconds: number;
}

/** The parts of a spec that bound its loops (structural, so the spec schema itself can use it). */
export interface HistoryBounds {
  launch: { timeoutSeconds: number; pollSeconds: number };
  plan: { steps: { holdSeconds: number; gate: LoopTimes }[] };
  bakeSeconds: number;
  gate: LoopTimes;
  testTraffic?: { holdSeconds: number; timeoutSeconds: number; intervalSeconds: number } | undefined;
}

/** The most history events a deployment of `spec` can write when every wait runs to its deadline. */
export function maxHistoryEvents(spec: HistoryBounds): number {
  const rounds = (seconds: number, interval: number) => Math.ceil(seconds / interval) + 1;
  const launch = rounds(spec.launch.timeoutSeconds, spec.launch.pollSeconds);
  const steps = spec.plan.steps.reduce(
    (sum, s) => sum + rounds(s.holdSeconds + s.gate.stepTimeoutSeconds, s.gate.intervalSeconds),
    0,
  );
  const bake = rounds(spec.bakeSeconds + spec.gate.stepTimeoutSeconds, spec.gate.intervalSeconds);
  const test = spec.testTraffic;
  const testTraffic = test ? rounds(test.holdSeconds + test.timeoutSeconds, test.intervalSeconds) : 0;
  return (
    EVENTS_OUTSIDE_LOOPS +
    spec.plan.steps.length * EVENTS_PER_STEP +
    (test ? EVENTS_TEST_TRAFFIC_START : 0) +
    (launch + testTraffic + steps + bake) * EVENTS_PER_ROUND
  );
}
