/** What the workflow does after an evaluation: advance, wait, roll back or promote. */
import type { ManualControl } from '../deployment';
import type { Gate } from './gate-schema';
import type { GateVerdict } from './verdict';

/** `promote` skips the remaining steps (a person asked to); in the bake it is `advance`. */
export type Decision = 'advance' | 'wait' | 'rollback' | 'promote';

/** How a verdict turns into a decision: judged once at the window's end, or every evaluation. */
export type DecisionRule = Pick<Gate, 'mode' | 'consecutiveFailures'>;

export interface DecisionInput {
  gate: DecisionRule;
  verdict: GateVerdict;
  /** Consecutive failing evaluations before this one. */
  previousFailures: number;
  stepStartedAt: number;
  holdSeconds: number;
  deadlineAt: number;
  now: number;
  /**
   * The traffic data is complete and published up to here (epoch ms): a hold, a fixed window or
   * the bake is over only once this reaches its end. Default `now`, for readings taken in real
   * time (the probes of the test-traffic phase).
   */
  dataUntil?: number;
  /**
   * Whether a failing verdict counts as one more consecutive failure. False when it rereads the
   * same published data as the previous (counted) evaluation and no real-time signal failed:
   * a 10-s interval over 60-s data must not count one bad minute six times. Default true.
   */
  newFailure?: boolean;
  /** Names of the deployment's CloudWatch alarms now in ALARM: any one rolls back at once. */
  alarmsFiring?: string[];
  /** What people asked for: abort, promote, pause, or an approval still awaited. */
  control?: ManualControl;
  /** A plan step (the default), the bake, or a round of the test-traffic phase. */
  phase?: 'step' | 'bake' | 'test';
  /**
   * The verdict is the sequential gate's final look (see judge.ts finalLookAt): a failure rolls
   * back at once, as a fixed window's does, rather than after consecutiveFailures. Default false.
   */
  finalLook?: boolean;
}

/** The decision after one evaluation, with the failure count to carry to the next one. */
export interface GateDecision {
  decision: Decision;
  consecutiveFailures: number;
  reasons: string[];
}

/**
 * What the workflow does after an evaluation: roll back after enough consecutive failures or
 * at the deadline, advance once the gate passes and published data covers the hold, otherwise
 * wait. A `fixed-window` gate is judged once, when published data covers the hold (its window).
 * The deadline is wall-clock time.
 */
export function decide(input: DecisionInput): GateDecision {
  const { gate, verdict, now } = input;
  const consecutiveFailures =
    verdict.verdict === 'fail'
      ? input.previousFailures + (input.newFailure === false ? 0 : 1)
      : verdict.verdict === 'pass'
        ? 0
        : input.previousFailures;
  const control = input.control ?? {};
  if (control.abortedBy) {
    return {
      decision: 'rollback',
      consecutiveFailures,
      reasons: [`aborted by ${control.abortedBy}`, ...verdict.reasons],
    };
  }
  const alarms = input.alarmsFiring ?? [];
  if (alarms.length > 0) {
    return {
      decision: 'rollback',
      consecutiveFailures,
      reasons: [`alarm${alarms.length > 1 ? 's' : ''} in ALARM: ${alarms.join(', ')}`, ...verdict.reasons],
    };
  }
  if (control.pausedBy) {
    // Paused: no step is taken and no deadline runs out, but failures still roll back.
    if (gate.mode === 'sequential' && consecutiveFailures >= gate.consecutiveFailures) {
      return failedRollback(consecutiveFailures, verdict);
    }
    return {
      decision: 'wait',
      consecutiveFailures,
      reasons: [`paused by ${control.pausedBy}`, ...verdict.reasons],
    };
  }
  if (control.promotedBy && verdict.verdict !== 'fail') {
    return {
      decision: input.phase === 'bake' ? 'advance' : 'promote',
      consecutiveFailures,
      reasons: [`promoted by ${control.promotedBy}`, ...verdict.reasons],
    };
  }
  const outcome =
    gate.mode === 'fixed-window'
      ? decideAtWindowEnd(input, consecutiveFailures)
      : decideSequential(input, consecutiveFailures);
  if (outcome.decision === 'advance' && control.awaitingApproval) {
    if (now >= input.deadlineAt) {
      return {
        decision: 'rollback',
        consecutiveFailures,
        reasons: ['no approval before the step deadline', ...verdict.reasons],
      };
    }
    return {
      decision: 'wait',
      consecutiveFailures,
      reasons: ['gate passed; waiting for approval', ...verdict.reasons],
    };
  }
  return outcome;
}

function failedRollback(consecutiveFailures: number, verdict: GateVerdict): GateDecision {
  return {
    decision: 'rollback',
    consecutiveFailures,
    reasons: [`gate failed ${consecutiveFailures} consecutive evaluations`, ...verdict.reasons],
  };
}

/** Where the traffic data ends: published data, or now for readings taken in real time. */
const dataUntil = (input: DecisionInput) => input.dataUntil ?? input.now;

/**
 * Whether the data covers the whole hold. (Whether it holds anything of the step at all is the
 * verdict's business: without published data of the step it is inconclusive, see judge.ts.)
 */
function holdCovered(input: DecisionInput): boolean {
  return dataUntil(input) >= input.stepStartedAt + input.holdSeconds * 1000;
}

/** "published data covers 40 of the 60 s hold" */
function coverageReason(input: DecisionInput, what: string): string {
  const covered = Math.max(0, Math.floor((dataUntil(input) - input.stepStartedAt) / 1000));
  return `published data covers ${Math.min(covered, input.holdSeconds)} of the ${input.holdSeconds} s ${what} (complete up to ${Math.max(0, Math.ceil((input.now - dataUntil(input)) / 1000))} s ago)`;
}

/** Roll back after enough consecutive failures or at the deadline; advance on a pass once published data covers the hold. */
function decideSequential(input: DecisionInput, consecutiveFailures: number): GateDecision {
  const { gate, verdict } = input;
  if (consecutiveFailures >= gate.consecutiveFailures) return failedRollback(consecutiveFailures, verdict);
  if ((input.finalLook || verdict.atOnce) && verdict.verdict === 'fail') {
    return {
      decision: 'rollback',
      consecutiveFailures,
      reasons: [`gate failed at its ${input.finalLook ? 'final' : 'interim'} look`, ...verdict.reasons],
    };
  }
  if (verdict.verdict === 'pass') {
    if (holdCovered(input)) return { decision: 'advance', consecutiveFailures, reasons: verdict.reasons };
    return waitUntilDeadline(input, consecutiveFailures, [
      `gate passes; waiting until ${coverageReason(input, input.phase === 'bake' ? 'bake' : 'hold')}`,
    ]);
  }
  return waitUntilDeadline(input, consecutiveFailures);
}

/**
 * A fixed window (CodeDeploy canary with a CloudWatch alarm): nothing is decided before the window
 * ends; then a pass advances and a fail rolls back at once. Inconclusive waits for the deadline.
 */
function decideAtWindowEnd(input: DecisionInput, consecutiveFailures: number): GateDecision {
  const { verdict, now } = input;
  const windowEndsAt = input.stepStartedAt + input.holdSeconds * 1000;
  if (!holdCovered(input)) {
    const reason =
      now < windowEndsAt
        ? `fixed window: judged when the ${input.holdSeconds} s window ends, in ${Math.ceil((windowEndsAt - now) / 1000)} s`
        : `fixed window: judged when its data is published; ${coverageReason(input, 'window')}`;
    return waitUntilDeadline(input, consecutiveFailures, [reason], false);
  }
  if (verdict.verdict === 'pass') {
    return { decision: 'advance', consecutiveFailures, reasons: verdict.reasons };
  }
  if (verdict.verdict === 'fail') {
    return {
      decision: 'rollback',
      consecutiveFailures,
      reasons: [`gate failed at the end of the ${input.holdSeconds} s window`, ...verdict.reasons],
    };
  }
  return waitUntilDeadline(input, consecutiveFailures);
}

/**
 * No decision yet: wait, unless the step's (wall-clock) deadline has passed, which rolls back.
 * `withVerdict` false keeps a fixed window's verdict out of the reasons' lead (it is not judged yet).
 */
function waitUntilDeadline(
  input: DecisionInput,
  consecutiveFailures: number,
  waiting: string[] = [],
  withVerdict = true,
): GateDecision {
  const { verdict } = input;
  if (input.now >= input.deadlineAt) {
    const state = withVerdict ? verdict.verdict : 'its data not yet published';
    return {
      decision: 'rollback',
      consecutiveFailures,
      reasons: [`step deadline passed without a passing gate (${state})`, ...waiting, ...verdict.reasons],
    };
  }
  return { decision: 'wait', consecutiveFailures, reasons: [...waiting, ...verdict.reasons] };
}
