/**
 * One evaluation, judged: every reading of the new color (traffic, target health, task stops,
 * probes, alarms, manual control) combined into one verdict, the decision that follows, and the
 * history event it calls for. Pure: whoever runs the gate (the Evaluate steps of the workflow, a
 * CodeDeploy or ECS lifecycle hook) reads the ports and hands the readings over.
 *
 * Rules common to every judgement: the primary signal (traffic in a step and in the bake, probes in
 * the test round) decides; every other signal can fail the evaluation, never pass it.
 */
import type { Color } from '../colors';
import { manualControl, type DeploymentRecord, type ManualControl } from '../deployment';
import { pointAlarms, type ColorPoint, type ObservationPoint } from '../observation-log';
import { currentBakeWindow, judgeBakeWindow, type BakeWindow } from './bake-window';
import { decide, type Decision, type DecisionRule, type GateDecision } from './decide';
import type { Gate } from './gate-schema';
import { hasDataSince, type PublishedWindow } from './published-data';
import { judgeProbes, summarizeProbes, type ProbeResult, type ProbeSummary } from './probes';
import type { ProbesConfig } from './probes-schema';
import {
  judgeLoadBalancerErrors,
  type LoadBalancerReadings,
  type LoadBalancerWindow,
} from './load-balancer-errors';
import { judgeTargetHealth, judgeUnhealthyTargets } from './target-health';
import { judgeTaskStops, type StoppedTask } from './task-stops';
import {
  combineVerdicts,
  evaluateGate,
  type Baseline,
  type GateLook,
  type GateVerdict,
  type TargetHealth,
  type TrafficWindow,
  type Verdict,
} from './verdict';

/** A plan step or the bake, as far as judging it goes. */
export interface JudgedStep {
  /** The plan step's index; the bake's is the number of plan steps. */
  index: number;
  gate: Gate;
  holdSeconds: number;
  startedAt: number;
  deadlineAt: number;
  /** The new color's production weight in this step (the bake's is 100), for the observation log. */
  weight?: number;
}

/** What the previous evaluation returned, as the next one needs it. */
export interface PreviousEvaluation {
  stepIndex: number;
  phase: string;
  consecutiveFailures: number;
  /** When it ran (epoch ms). */
  at?: number | undefined;
  /** Start of the window its task stops were counted in. */
  stopsSince?: number | undefined;
  /** Where its published traffic data ended (epoch ms); absent from evaluations that predate it. */
  dataUntil?: number | undefined;
}

/** The colors of a deployment, and the new color's ECS service (to classify its task stops). */
export interface JudgedColors {
  live: Color;
  new: Color;
  cluster: string;
  /** The new color's ECS service. */
  service: string;
}

/** Where an evaluation reads from, worked out before reading. */
export interface ReadingWindows {
  /** Traffic is read from here: the start of the step (or the bake). */
  trafficSince: number;
  /** New-color task stops are counted from here (see stopsWindowStart). */
  stopsSince: number;
}

/** What an evaluation read, in a step or in the bake. */
export interface GateReadings {
  /** Each color's traffic since `trafficSince`, as far as its data is complete and published. */
  traffic: Record<Color, PublishedWindow>;
  /** The new color's targets in its target group. */
  health: TargetHealth;
  /** The new color's tasks that stopped since `stopsSince`. */
  stoppedTasks: StoppedTask[];
  /** This evaluation's round of probes; null when the spec has none. */
  probeResults: ProbeResult[] | null;
  /** The deployment's CloudWatch alarms now in ALARM. */
  alarmsFiring: string[];
  /** What people asked for (abort, promote, pause, an approval still awaited). */
  control: ManualControl;
  /**
   * The load balancer's requests and own 5xx since `trafficSince` and before the deployment (see
   * load-balancer-errors.ts); null or absent when the source has no separate figure for them.
   */
  loadBalancer?: LoadBalancerReadings | null;
}

export interface BakeReadings extends GateReadings {
  /**
   * The bake's current window (see latestBakeWindow) and each color's traffic in it, or null
   * without one (a fixed-window gate, or published data still within the first window).
   */
  latestWindow: { window: BakeWindow; traffic: Record<Color, TrafficWindow> } | null;
}

export interface StepJudgementInput<R extends GateReadings = GateReadings> {
  step: JudgedStep;
  previous: PreviousEvaluation | null;
  now: number;
  colors: JudgedColors;
  /** The spec's probes, when it has any. */
  probes?: ProbesConfig | undefined;
  windows: ReadingWindows;
  readings: R;
}

/** What Evaluate returns to the workflow, which carries it to the next evaluation as `previous`. */
export interface StepObservation {
  stepIndex: number;
  phase: 'step' | 'bake';
  decision: Decision;
  verdict: Verdict;
  consecutiveFailures: number;
  reasons: string[];
  at: number;
  traffic: Record<Color, TrafficWindow>;
  /**
   * The new color's traffic data is complete and published up to here (epoch ms): the next
   * evaluation counts a failure again only on newer data (or a fresh real-time failure).
   */
  dataUntil: number;
  health: TargetHealth;
  /** Start of the window in which the new color's task stops were counted (see stopsWindowStart). */
  stopsSince: number;
  /** New-color tasks stopped by the infrastructure in that window (Spot, host retirement, AZ rebalancing). */
  infrastructureStops: number;
  /** The round of probes judged with the traffic, when the spec has probes. */
  probes?: ProbeSummary;
  /** The load balancer's figures since the step began, when they were judged. */
  loadBalancer?: LoadBalancerWindow;
}

/** A history event a decision calls for. */
export interface GateEvent {
  type: string;
  message: string;
  data: Record<string, unknown>;
}

export interface Judgement<O> {
  observation: O;
  /** The event to record, or null while the gate waits. */
  event: GateEvent | null;
  /** The evaluation as the deployment's observation log keeps it (observation-log.ts). */
  point: ObservationPoint;
}

function colorPoint(window: TrafficWindow): ColorPoint {
  return { requests: window.requests, errors: window.errors, p99Ms: window.p99Ms };
}

function productionWeights(colors: JudgedColors, newWeight: number): Record<Color, number> {
  return { [colors.new]: newWeight, [colors.live]: 100 - newWeight } as Record<Color, number>;
}

/**
 * Where the count of new-color task stops starts. Not at the launch: it handed over a steady,
 * healthy color, and check-launch fails fast on a crash loop. Within a step (or the bake), at the
 * step's first window, so maxTaskStops is a budget per step. A new step's (or the bake's) window
 * starts at the previous step's last evaluation rather than at its own start, so a task stopping
 * during the calls in between (next step, promotion) is still judged.
 */
export function stopsWindowStart(
  step: { index: number; phase: string; startedAt: number },
  previous: PreviousEvaluation | null,
): number {
  if (previous === null) return step.startedAt;
  if (isSameStep(step, previous)) return previous.stopsSince ?? step.startedAt;
  return Math.min(step.startedAt, previous.at ?? step.startedAt);
}

/** The windows an evaluation of `step` reads from. */
export function readingWindows(
  step: JudgedStep & { phase: 'step' | 'bake' },
  previous: PreviousEvaluation | null,
): ReadingWindows {
  return { trafficSince: step.startedAt, stopsSince: stopsWindowStart(step, previous) };
}

/**
 * The bake's current window, from the new color's published data (read since the bake began):
 * consecutive windows of `bakeWindowSeconds` from the data's start, the current one ending where
 * published data ends. Null in a step, with a fixed-window gate (windows split the sequential
 * gate's α; a CodeDeploy-like fixed window keeps its one window), or while the published data is
 * still within the first window. The caller reads the window's traffic from `from`.
 */
export function latestBakeWindow(
  step: JudgedStep & { phase: 'step' | 'bake' },
  data: Pick<PublishedWindow, 'from' | 'until'>,
  bakeWindowSeconds: number,
): BakeWindow | null {
  if (step.phase !== 'bake' || step.gate.mode !== 'sequential') return null;
  return currentBakeWindow(data.from, step.deadlineAt, data.until, bakeWindowSeconds);
}

/**
 * The traffic verdict when no published period holds any of the step yet: inconclusive (never
 * pass), though too few healthy targets (read in real time) still fails.
 */
function unpublished(step: JudgedStep, data: PublishedWindow, health: TargetHealth): GateVerdict {
  const waiting: GateVerdict = {
    verdict: 'inconclusive',
    reasons: [
      `no published metric data since it began yet (${data.periodSeconds}-s periods, complete up to ${Math.max(0, Math.round((step.startedAt - data.until) / 1000))} s before it began)`,
    ],
  };
  return combineVerdicts(waiting, judgeTargetHealth(health, step.gate.minHealthyTargets));
}

/**
 * When the sequential gate takes its final look (epoch ms): max(hold, finalLookSeconds) after the
 * step (or the bake) began, but never later than halfway from the hold's end to the step's
 * deadline. A step that reached its deadline undecided would roll back a release the fixed window
 * passes; the other half of the timeout leaves room for published data to reach the look.
 */
export function finalLookAt(
  step: Pick<JudgedStep, 'startedAt' | 'holdSeconds' | 'deadlineAt' | 'gate'>,
): number {
  const look = step.startedAt + Math.max(step.holdSeconds, step.gate.finalLookSeconds) * 1000;
  const holdEnd = step.startedAt + step.holdSeconds * 1000;
  return Math.min(look, holdEnd + Math.max(0, step.deadlineAt - holdEnd) / 2);
}

/**
 * The last look (epoch ms): halfway from the hold's end to the step's deadline. A final look that
 * saw the 5xx rate above the limit on too few requests to say so (judged by the fixed window's
 * rule, it would be a coin toss) waits for more requests up to here, then passes.
 */
export function lastLookAt(step: Pick<JudgedStep, 'startedAt' | 'holdSeconds' | 'deadlineAt'>): number {
  const holdEnd = step.startedAt + step.holdSeconds * 1000;
  return holdEnd + Math.max(0, step.deadlineAt - holdEnd) / 2;
}

/**
 * Where the interim look of the 5xx limit falls, as a share of the time to the final look: before
 * half of it, so that a decision there takes at most half a fixed window of the same length.
 */
export const INTERIM_LOOK_FRACTION = 0.45;

/** When the interim look of the 5xx limit is taken (epoch ms): INTERIM_LOOK_FRACTION of the way to the final look. */
export function interimLookAt(
  step: Pick<JudgedStep, 'startedAt' | 'holdSeconds' | 'deadlineAt' | 'gate'>,
): number {
  return step.startedAt + Math.round((finalLookAt(step) - step.startedAt) * INTERIM_LOOK_FRACTION);
}

/**
 * Which look this evaluation is. The interim look is a single test: taken by the first evaluation
 * of the step whose published data reaches interimLookAt, and by rereads of that same data, never
 * by a later evaluation on more data (that would be a second test at the same level).
 */
export function gateLook(
  step: Pick<JudgedStep, 'index' | 'startedAt' | 'holdSeconds' | 'deadlineAt' | 'gate'>,
  phase: 'step' | 'bake',
  dataUntil: number,
  previous: PreviousEvaluation | null,
): GateLook {
  const final = dataUntil >= finalLookAt(step);
  const interimAt = interimLookAt(step);
  const earlier =
    previous !== null && isSameStep({ index: step.index, phase }, previous) ? previous.dataUntil : undefined;
  const after = (at: number) => earlier !== undefined && earlier >= at && earlier !== dataUntil;
  return {
    final,
    interim: !final && dataUntil >= interimAt && !after(interimAt),
    last: final && dataUntil >= lastLookAt(step),
    extended: final && after(finalLookAt(step)),
  };
}

/**
 * Whether a failure at this look rolls back at once (decide.ts finalLook): at the final look and
 * at the last, not in between (where a rule failing on one evaluation's noise still needs
 * consecutiveFailures).
 */
export function decidesAtOnce(look: GateLook): boolean {
  return look.final && (!look.extended || (look.last ?? false));
}

/** The traffic verdict on published data only; its look (interim, final, last) once published data reaches it. */
function trafficVerdict(
  step: JudgedStep,
  phase: 'step' | 'bake',
  data: PublishedWindow,
  health: TargetHealth,
  previous: PreviousEvaluation | null,
  baseline?: Baseline,
): GateVerdict {
  if (!hasDataSince(data, step.startedAt)) return unpublished(step, data, health);
  return evaluateGate(step.gate, data, health, baseline, gateLook(step, phase, data.until, previous));
}

/**
 * Judges one evaluation of a plan step: the new color's traffic against the live color serving the
 * same window (and the limits); task stops, unhealthy targets and probes can only fail it.
 */
export function judgeStep(input: StepJudgementInput): Judgement<StepObservation> {
  const { colors, readings } = input;
  const baseline: Baseline = {
    window: readings.traffic[colors.live],
    names: { candidate: colors.new, baseline: colors.live },
  };
  const traffic = trafficVerdict(
    input.step,
    'step',
    readings.traffic[colors.new],
    readings.health,
    input.previous,
    baseline,
  );
  return judgeTraffic(input, 'step', traffic, []);
}

/**
 * Judges one evaluation of the bake: the live color serves nothing then (its metric buckets may
 * still hold a few earlier requests), so the limits alone judge the whole bake; its latest window
 * (a late degradation shows there long before it does in the whole bake), task stops, unhealthy
 * targets and probes can only fail it.
 */
export function judgeBake(input: StepJudgementInput<BakeReadings>): Judgement<StepObservation> {
  const { step, colors, readings } = input;
  const traffic = trafficVerdict(step, 'bake', readings.traffic[colors.new], readings.health, input.previous);
  const latest = readings.latestWindow
    ? [judgeBakeWindow(step.gate, readings.latestWindow.window, readings.latestWindow.traffic[colors.new])]
    : [];
  return judgeTraffic(input, 'bake', traffic, latest);
}

function judgeTraffic(
  input: StepJudgementInput,
  phase: 'step' | 'bake',
  traffic: GateVerdict,
  phaseSignals: GateVerdict[],
): Judgement<StepObservation> {
  const { step, previous, now, colors, readings, windows } = input;
  const round =
    input.probes && readings.probeResults ? { config: input.probes, results: readings.probeResults } : null;
  const stops = judgeTaskStops(step.gate, readings.stoppedTasks, newColorScope(colors));
  // Read at this evaluation, so a failure of theirs is always fresh.
  const realTime = [
    stops,
    judgeUnhealthyTargets(step.gate, readings.health, colors.new),
    ...(round ? [judgeProbes(round.config, round.results)] : []),
  ];
  // Judged like the traffic (published periods only), but only ever able to fail or hold back a pass.
  const loadBalancer =
    step.gate.maxLoadBalancerErrorIncrease === null ? null : (readings.loadBalancer ?? null);
  const balancer = judgeLoadBalancerErrors(step.gate, step.startedAt, loadBalancer);
  const combined = combineVerdicts(traffic, ...phaseSignals, balancer, ...realTime);
  const verdict: GateVerdict =
    combined.verdict === 'pass' && balancer.verdict === 'inconclusive'
      ? { verdict: 'inconclusive', reasons: combined.reasons }
      : combined;
  const summary = round ? summarizeProbes(round.config, round.results) : undefined;
  // A hold is covered only once both the new color's and the load balancer's data cover it.
  const dataUntil = Math.min(
    readings.traffic[colors.new].until,
    loadBalancer ? loadBalancer.step.until : Number.POSITIVE_INFINITY,
  );
  const sameStep = previous !== null && isSameStep({ index: step.index, phase }, previous);
  const realTimeFailed =
    realTime.some((v) => v.verdict === 'fail') ||
    judgeTargetHealth(readings.health, step.gate.minHealthyTargets).verdict === 'fail';
  const reread = sameStep && previous.dataUntil !== undefined && dataUntil <= previous.dataUntil;
  const decision = decide({
    gate: step.gate,
    verdict,
    previousFailures: sameStep ? previous.consecutiveFailures : 0,
    dataUntil,
    newFailure: !reread || realTimeFailed,
    stepStartedAt: step.startedAt,
    holdSeconds: step.holdSeconds,
    deadlineAt: step.deadlineAt,
    now,
    alarmsFiring: readings.alarmsFiring,
    control: readings.control,
    phase,
    finalLook: step.gate.mode === 'sequential' && decidesAtOnce(gateLook(step, phase, dataUntil, previous)),
  });
  const observation: StepObservation = {
    stepIndex: step.index,
    phase,
    decision: decision.decision,
    verdict: verdict.verdict,
    consecutiveFailures: decision.consecutiveFailures,
    reasons: decision.reasons,
    at: now,
    traffic: readings.traffic,
    dataUntil,
    health: readings.health,
    stopsSince: windows.stopsSince,
    infrastructureStops: stops.infrastructureStops,
    ...(summary ? { probes: summary } : {}),
    ...(loadBalancer ? { loadBalancer: loadBalancer.step } : {}),
  };
  const label = phase === 'bake' ? 'bake' : `step ${step.index + 1}`;
  const data = {
    traffic: readings.traffic,
    health: readings.health,
    ...(summary ? { probes: summary } : {}),
  };
  const weight = phase === 'bake' ? 100 : step.weight;
  const alarms = pointAlarms(readings.alarmsFiring);
  const point: ObservationPoint = {
    at: now,
    phase,
    step: step.index,
    ...(weight !== undefined ? { weights: productionWeights(colors, weight) } : {}),
    newColor: colors.new,
    colors: {
      [colors.live]: colorPoint(readings.traffic[colors.live]),
      [colors.new]: {
        ...colorPoint(readings.traffic[colors.new]),
        healthy: readings.health.healthy,
        unhealthy: readings.health.unhealthy,
        stops: readings.stoppedTasks.length,
      },
    },
    verdict: verdict.verdict,
    decision: decision.decision,
    ...(alarms ? { alarms } : {}),
    ...(summary ? { probes: { requests: summary.requests, failed: summary.failed } } : {}),
  };
  return { observation, event: gateEvent(STEP_EVENTS, label, decision, data), point };
}

/** The test-traffic phase, as far as judging a round of it goes. */
export interface TestPhase {
  holdSeconds: number;
  startedAt: number;
  deadlineAt: number;
  /** Failing rounds in a row that roll back (spec.testTraffic.consecutiveFailures). */
  consecutiveFailures: number;
}

/** What a round of the test-traffic phase read. */
export interface TestRoundReadings {
  /** The round of probes sent through the test listener. */
  probeResults: ProbeResult[];
  /** The new color's targets in its target group. */
  health: TargetHealth;
  /** The new color's tasks that stopped since the phase began. */
  stoppedTasks: StoppedTask[];
  alarmsFiring: string[];
  /** Abort, pause and promote act in this phase; no approval applies to it. */
  control: ManualControl;
}

/**
 * The manual commands in force during the test-traffic phase: abort, pause and promote act; the
 * phase is no plan step, so no approval applies to it.
 */
export function testRoundControl(
  record: Pick<DeploymentRecord, 'control' | 'approvedSteps'> | null,
): ManualControl {
  return manualControl(record, NOT_A_PLAN_STEP);
}

/** manualControl's step for a phase outside the plan: one that needs no approval. */
const NOT_A_PLAN_STEP = { index: -1, phase: 'step', approval: false } as const;

export interface TestRoundInput {
  phase: TestPhase;
  /** Failing rounds in a row before this one (from the previous round's observation). */
  previousFailures: number;
  now: number;
  colors: JudgedColors;
  /** The spec's gate, for its target and task-stop limits. */
  gate: Pick<Gate, 'minHealthyTargets' | 'maxUnhealthyTargets' | 'maxTaskStops'>;
  probes: ProbesConfig;
  readings: TestRoundReadings;
}

/** What EvaluateTestTraffic returns to the workflow. */
export interface TestTrafficObservation {
  phase: 'test';
  decision: Decision;
  verdict: Verdict;
  consecutiveFailures: number;
  reasons: string[];
  at: number;
  probes: ProbeSummary;
  health: TargetHealth;
  color: Color;
}

/**
 * Judges one round of the test-traffic phase (the test listener on the new color, no production
 * traffic): probes are the phase's traffic and decide; too few healthy targets, unhealthy targets
 * and task stops can only fail the round. Every round is judged, and enough failing rounds in a
 * row roll back (the sequential rule with the phase's own count), whatever the gate's mode.
 */
export function judgeTestRound(input: TestRoundInput): Judgement<TestTrafficObservation> {
  const { gate, probes, readings, colors } = input;
  const verdict = combineVerdicts(
    judgeProbes(probes, readings.probeResults),
    judgeTargetHealth(readings.health, gate.minHealthyTargets),
    judgeUnhealthyTargets(gate, readings.health, colors.new),
    judgeTaskStops(gate, readings.stoppedTasks, newColorScope(colors)),
  );
  const rule: DecisionRule = { mode: 'sequential', consecutiveFailures: input.phase.consecutiveFailures };
  // No plan step awaits an approval here, whatever the record holds.
  const { awaitingApproval: _approval, ...control } = readings.control;
  const decision = decide({
    gate: rule,
    verdict,
    previousFailures: input.previousFailures,
    stepStartedAt: input.phase.startedAt,
    holdSeconds: input.phase.holdSeconds,
    deadlineAt: input.phase.deadlineAt,
    now: input.now,
    alarmsFiring: readings.alarmsFiring,
    control,
    phase: 'test',
  });
  const summary = summarizeProbes(probes, readings.probeResults);
  const observation: TestTrafficObservation = {
    phase: 'test',
    decision: decision.decision,
    verdict: verdict.verdict,
    consecutiveFailures: decision.consecutiveFailures,
    reasons: decision.reasons,
    at: input.now,
    probes: summary,
    health: readings.health,
    color: colors.new,
  };
  const data = { probes: summary, health: readings.health };
  const alarms = pointAlarms(readings.alarmsFiring);
  // No production traffic reaches the new color in this phase: probes are its only requests.
  const point: ObservationPoint = {
    at: input.now,
    phase: 'test',
    step: -1,
    weights: productionWeights(colors, 0),
    newColor: colors.new,
    colors: {
      [colors.new]: {
        requests: 0,
        errors: 0,
        p99Ms: null,
        healthy: readings.health.healthy,
        unhealthy: readings.health.unhealthy,
        stops: readings.stoppedTasks.length,
      },
    },
    verdict: verdict.verdict,
    decision: decision.decision,
    ...(alarms ? { alarms } : {}),
    probes: { requests: summary.requests, failed: summary.failed },
  };
  return { observation, event: gateEvent(TEST_EVENTS, 'test traffic', decision, data), point };
}

type DecidedEvents = Record<Exclude<Decision, 'wait'>, string>;
const STEP_EVENTS: DecidedEvents = {
  advance: 'GATE_PASSED',
  promote: 'PROMOTED_EARLY',
  rollback: 'GATE_FAILED',
};
const TEST_EVENTS: DecidedEvents = {
  advance: 'TEST_TRAFFIC_PASSED',
  promote: 'PROMOTED_EARLY',
  rollback: 'TEST_TRAFFIC_FAILED',
};
const OUTCOMES: DecidedEvents = { advance: 'passed', promote: 'promoted', rollback: 'failed' };

/** "step 2 passed: …", "bake failed: …", "test traffic promoted: …"; none while waiting. */
function gateEvent(
  types: DecidedEvents,
  label: string,
  decision: GateDecision,
  data: Record<string, unknown>,
): GateEvent | null {
  if (decision.decision === 'wait') return null;
  return {
    type: types[decision.decision],
    message: `${label} ${OUTCOMES[decision.decision]}: ${decision.reasons.join('; ')}`,
    data,
  };
}

function isSameStep(step: { index: number; phase: string }, previous: PreviousEvaluation): boolean {
  return previous.stepIndex === step.index && previous.phase === step.phase;
}

const newColorScope = (colors: JudgedColors) => ({
  cluster: colors.cluster,
  service: colors.service,
  color: colors.new,
});
