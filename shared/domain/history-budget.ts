/** The Step Functions history budget: how many events the longest run of a spec can write; the record's item-size budget. */
import { DYNAMODB_ITEM_MAX_BYTES } from './limits';
import { dynamoItemBytes, type ObservationLimits } from './observation-log';
import { hookWaitLoops, maxHookTurns, type HookWaitBounds } from './user-hooks';

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
  /** User hooks whose `wait` turns a wait loop of its own (beforeLaunch, beforeStep, beforePromote). */
  hooks?: HookWaitBounds | undefined;
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
  // A hook wait loop's turn (Choice, Wait, Task) writes as many events as a gate round.
  const hookTurns = hookWaitLoops(spec.hooks, spec.plan.steps.length).reduce(
    (sum, loop) => sum + loop.times * maxHookTurns(loop.deadlineSeconds),
    0,
  );
  return (
    EVENTS_OUTSIDE_LOOPS +
    spec.plan.steps.length * EVENTS_PER_STEP +
    (test ? EVENTS_TEST_TRAFFIC_START : 0) +
    (launch + testTraffic + steps + bake + hookTurns) * EVENTS_PER_ROUND
  );
}

/**
 * The blue/green state machine's `TimeoutSeconds` (statemachines/blue-green.asl.json; a test keeps
 * them equal). An execution that runs longer ends TIMED_OUT, outside every Catch: no rollback, no
 * record, no notification, traffic left where it was until reconcile notices.
 */
export const EXECUTION_TIMEOUT_SECONDS = 172_800;
/**
 * Kept free for what the worst case below does not count: retries with their backoff, the
 * rollback path after the last deadline, the finish and its notification retries.
 */
export const EXECUTION_TIME_MARGIN_SECONDS = 3_600;
/** The longest a plan may take when every wait runs to its deadline. */
export const EXECUTION_TIME_BUDGET_SECONDS = EXECUTION_TIMEOUT_SECONDS - EXECUTION_TIME_MARGIN_SECONDS;
/** A Task state's timeout: the last round of a loop can start just before its deadline and take this long. */
const TASK_SECONDS = 60;

/** The parts of a spec its longest run is made of, as written (before the plan is expanded). */
export interface DurationBounds extends HistoryBounds {
  trafficSettleSeconds: number;
}

/** Where each expanded step's hold and timeout come from in the spec as written. */
export interface StepFieldPaths {
  holdSeconds: (index: number) => (string | number)[];
  stepTimeoutSeconds: (index: number) => (string | number)[];
}

interface Share {
  path: (string | number)[];
  seconds: number;
}

/** The longest run of `spec`, split by the field each second comes from (null: no single field). */
function durationShares(spec: DurationBounds, paths: StepFieldPaths): Share[] {
  const shares: Share[] = [];
  const add = (path: (string | number)[] | null, seconds: number) =>
    shares.push({ path: path ?? [], seconds });
  // Every loop is bounded by a deadline, then one more interval and one more round can start.
  add(['launch', 'timeoutSeconds'], spec.launch.timeoutSeconds);
  add(null, spec.launch.pollSeconds + TASK_SECONDS);
  const test = spec.testTraffic;
  if (test) {
    add(['testTraffic', 'holdSeconds'], test.holdSeconds);
    add(['testTraffic', 'timeoutSeconds'], test.timeoutSeconds);
    add(null, test.intervalSeconds + TASK_SECONDS);
  }
  spec.plan.steps.forEach((step, i) => {
    add(paths.holdSeconds(i), step.holdSeconds);
    add(paths.stepTimeoutSeconds(i), step.gate.stepTimeoutSeconds);
    add(null, step.gate.intervalSeconds + TASK_SECONDS);
  });
  // A hook that keeps answering wait holds its stage until its deadline, then one more Task runs.
  for (const loop of hookWaitLoops(spec.hooks, spec.plan.steps.length)) {
    for (let i = 0; i < loop.times; i++) {
      add(['hooks', loop.stage, 'deadlineSeconds'], loop.deadlineSeconds);
      add(null, TASK_SECONDS);
    }
  }
  add(['bakeSeconds'], spec.bakeSeconds);
  add(['gate', 'stepTimeoutSeconds'], spec.gate.stepTimeoutSeconds);
  add(null, spec.gate.intervalSeconds + TASK_SECONDS);
  // A bake shorter than the settle waits before retiring; a failed retirement then rolls back and settles again.
  add(['trafficSettleSeconds'], 2 * spec.trafficSettleSeconds);
  return shares;
}

/**
 * The longest a deployment of `spec` can run when every wait runs to its deadline: launch, test
 * phase, every step (hold, then its timeout), bake, and the settles before scaling down.
 */
export function worstCaseSeconds(spec: DurationBounds, paths: StepFieldPaths = GENERIC_STEP_PATHS): number {
  return durationShares(spec, paths).reduce((sum, s) => sum + s.seconds, 0);
}

const GENERIC_STEP_PATHS: StepFieldPaths = {
  holdSeconds: (i) => ['plan', 'steps', i, 'holdSeconds'],
  stepTimeoutSeconds: (i) => ['plan', 'steps', i, 'gate', 'stepTimeoutSeconds'],
};

/**
 * Why `spec` cannot run within its execution's timeout, naming the field that contributes the
 * most seconds (summed over the steps it sets); null when it fits.
 */
export function executionTimeIssue(
  spec: DurationBounds,
  paths: StepFieldPaths,
): { path: (string | number)[]; message: string } | null {
  const shares = durationShares(spec, paths);
  const total = shares.reduce((sum, s) => sum + s.seconds, 0);
  if (total <= EXECUTION_TIME_BUDGET_SECONDS) return null;
  const byField = new Map<string, Share>();
  for (const share of shares.filter((s) => s.path.length > 0)) {
    const key = JSON.stringify(share.path);
    const seen = byField.get(key);
    byField.set(key, { path: share.path, seconds: (seen?.seconds ?? 0) + share.seconds });
  }
  const largest = [...byField.values()].reduce((a, b) => (b.seconds > a.seconds ? b : a));
  const hours = (seconds: number) => `${(seconds / 3600).toFixed(1)} h`;
  return {
    path: largest.path,
    message:
      `the plan's longest run (every wait to its deadline: launch, test traffic, steps, bake, settle) ` +
      `takes ${total} s (${hours(total)}), over the ${EXECUTION_TIME_BUDGET_SECONDS} s (${hours(EXECUTION_TIME_BUDGET_SECONDS)}) ` +
      `a deployment may take (the state machine's ${hours(EXECUTION_TIMEOUT_SECONDS)} TimeoutSeconds less ` +
      `${hours(EXECUTION_TIME_MARGIN_SECONDS)} for retries and the rollback): this field gives ${largest.seconds} s of it; ` +
      'shorten it, or other holds, stepTimeoutSeconds, bakeSeconds, launch.timeoutSeconds or testTraffic timeouts',
  };
}

/**
 * The deployment record's item-size budget. The record is one DynamoDB item (at most 400 KB,
 * names and values) holding the spec, the outcome and the gate's observations
 * (observation-log.ts). The observations get what the rest of the record leaves, at most
 * OBSERVATIONS_MAX_BYTES and OBSERVATIONS_MAX_POINTS, less RECORD_LATE_FIELDS_BYTES kept for what
 * is written after the last evaluation (outcome, error, warning, control, last step).
 */
export const OBSERVATIONS_MAX_POINTS = 300;
export const OBSERVATIONS_MAX_BYTES = 120 * 1024;
export const RECORD_LATE_FIELDS_BYTES = 16 * 1024;

/** The observation limits for a record whose other attributes take `recordBytes` (dynamoItemBytes). */
export function observationLimits(recordBytes: number): ObservationLimits {
  const room =
    DYNAMODB_ITEM_MAX_BYTES - RECORD_LATE_FIELDS_BYTES - recordBytes - OBSERVATIONS_ATTRIBUTE_BYTES;
  return {
    maxPoints: OBSERVATIONS_MAX_POINTS,
    maxBytes: Math.max(0, Math.min(OBSERVATIONS_MAX_BYTES, room)),
  };
}

/** The attribute's name as the item counts it. */
const OBSERVATIONS_ATTRIBUTE_BYTES = 'observations'.length;

/** The limits for `record`'s observations, counting every other attribute it has (keys included). */
export function recordObservationLimits(record: Record<string, unknown>): ObservationLimits {
  const { observations: _observations, ...rest } = record;
  // The table's key attributes (pk `DEPLOYMENT#<id>`, sk `RECORD`) are stored alongside.
  const keys = dynamoItemBytes({ pk: `DEPLOYMENT#${String(record.id ?? '')}`, sk: 'RECORD' });
  return observationLimits(dynamoItemBytes(rest) + keys);
}
