/** The Step Functions history budget: how many events the longest run of a spec can write. */
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
