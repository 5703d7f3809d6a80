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
import { currentBakeWindow, judgeBakeWindow, type BakeWindow } from './bake-window';
import { decide, type Decision, type DecisionRule, type GateDecision } from './decide';
import type { Gate } from './gate-schema';
import { judgeProbes, summarizeProbes, type ProbeResult, type ProbeSummary } from './probes';
import type { ProbesConfig } from './probes-schema';
import { judgeTargetHealth, judgeUnhealthyTargets } from './target-health';
import { judgeTaskStops, type StoppedTask } from './task-stops';
import {
  combineVerdicts,
  evaluateGate,
  type Baseline,
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
  /** The bake's current window, judged on its own too; null in a step, a fixed-window gate or the bake's first window. */
  bakeWindow: BakeWindow | null;
}

/** What an evaluation read, in a step or in the bake. */
export interface GateReadings {
  /** Each color's traffic since `trafficSince`. */
  traffic: Record<Color, TrafficWindow>;
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
}

export interface BakeReadings extends GateReadings {
  /** Each color's traffic in the bake's current window (`bakeWindow.from` to now), or null without one. */
  latestWindow: Record<Color, TrafficWindow> | null;
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
  health: TargetHealth;
  /** Start of the window in which the new color's task stops were counted (see stopsWindowStart). */
  stopsSince: number;
  /** New-color tasks stopped by the infrastructure in that window (Spot, host retirement, AZ rebalancing). */
  infrastructureStops: number;
  /** The round of probes judged with the traffic, when the spec has probes. */
  probes?: ProbeSummary;
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

/**
 * The windows an evaluation of `step` reads at `now`. The bake's latest window applies to the
 * sequential gate only: windows split its α, while a fixed-window gate (CodeDeploy-like) keeps its
 * one window.
 */
export function readingWindows(
  step: JudgedStep & { phase: 'step' | 'bake' },
  previous: PreviousEvaluation | null,
  now: number,
  bakeWindowSeconds: number,
): ReadingWindows {
  return {
    trafficSince: step.startedAt,
    stopsSince: stopsWindowStart(step, previous),
    bakeWindow:
      step.phase === 'bake' && step.gate.mode === 'sequential'
        ? currentBakeWindow(step.startedAt, step.deadlineAt, now, bakeWindowSeconds)
        : null,
  };
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
  const traffic = evaluateGate(input.step.gate, readings.traffic[colors.new], readings.health, baseline);
  return judgeTraffic(input, 'step', traffic, []);
}

/**
 * Judges one evaluation of the bake: the live color serves nothing then (its metric buckets may
 * still hold a few earlier requests), so the limits alone judge the whole bake; its latest window
 * (a late degradation shows there long before it does in the whole bake), task stops, unhealthy
 * targets and probes can only fail it.
 */
export function judgeBake(input: StepJudgementInput<BakeReadings>): Judgement<StepObservation> {
  const { step, colors, readings, windows } = input;
  const traffic = evaluateGate(step.gate, readings.traffic[colors.new], readings.health);
  const latest =
    windows.bakeWindow && readings.latestWindow
      ? [judgeBakeWindow(step.gate, windows.bakeWindow, readings.latestWindow[colors.new])]
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
  const verdict = combineVerdicts(
    traffic,
    ...phaseSignals,
    stops,
    judgeUnhealthyTargets(step.gate, readings.health, colors.new),
    ...(round ? [judgeProbes(round.config, round.results)] : []),
  );
  const summary = round ? summarizeProbes(round.config, round.results) : undefined;
  const decision = decide({
    gate: step.gate,
    verdict,
    previousFailures:
      previous !== null && isSameStep({ index: step.index, phase }, previous)
        ? previous.consecutiveFailures
        : 0,
    stepStartedAt: step.startedAt,
    holdSeconds: step.holdSeconds,
    deadlineAt: step.deadlineAt,
    now,
    alarmsFiring: readings.alarmsFiring,
    control: readings.control,
    phase,
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
    health: readings.health,
    stopsSince: windows.stopsSince,
    infrastructureStops: stops.infrastructureStops,
    ...(summary ? { probes: summary } : {}),
  };
  const label = phase === 'bake' ? 'bake' : `step ${step.index + 1}`;
  const data = {
    traffic: readings.traffic,
    health: readings.health,
    ...(summary ? { probes: summary } : {}),
  };
  return { observation, event: gateEvent(STEP_EVENTS, label, decision, data) };
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
  return { observation, event: gateEvent(TEST_EVENTS, 'test traffic', decision, data) };
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
