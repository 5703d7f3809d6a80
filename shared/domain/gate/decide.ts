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
  /** Names of the deployment's CloudWatch alarms now in ALARM: any one rolls back at once. */
  alarmsFiring?: string[];
  /** What people asked for: abort, promote, pause, or an approval still awaited. */
  control?: ManualControl;
  /** A plan step (the default), the bake, or a round of the test-traffic phase. */
  phase?: 'step' | 'bake' | 'test';
}

/** The decision after one evaluation, with the failure count to carry to the next one. */
export interface GateDecision {
  decision: Decision;
  consecutiveFailures: number;
  reasons: string[];
}

/**
 * What the workflow does after an evaluation: roll back after enough consecutive failures or
 * at the deadline, advance once the gate passes and the hold has elapsed, otherwise wait.
 * A `fixed-window` gate is judged once, when the hold (its window) ends.
 */
export function decide(input: DecisionInput): GateDecision {
  const { gate, verdict, now } = input;
  const consecutiveFailures =
    verdict.verdict === 'fail'
      ? input.previousFailures + 1
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

/** Roll back after enough consecutive failures or at the deadline; advance on a pass once the hold is over. */
function decideSequential(input: DecisionInput, consecutiveFailures: number): GateDecision {
  const { gate, verdict, now } = input;
  if (consecutiveFailures >= gate.consecutiveFailures) return failedRollback(consecutiveFailures, verdict);
  const holdEndsAt = input.stepStartedAt + input.holdSeconds * 1000;
  if (verdict.verdict === 'pass' && now >= holdEndsAt) {
    return { decision: 'advance', consecutiveFailures, reasons: verdict.reasons };
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
  if (now < windowEndsAt) {
    const left = Math.ceil((windowEndsAt - now) / 1000);
    return {
      decision: 'wait',
      consecutiveFailures,
      reasons: [
        `fixed window: judged when the ${input.holdSeconds} s window ends, in ${left} s`,
        ...verdict.reasons,
      ],
    };
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

/** No decision yet: wait, unless the step's deadline has passed, which rolls back. */
function waitUntilDeadline(input: DecisionInput, consecutiveFailures: number): GateDecision {
  const { verdict } = input;
  if (input.now >= input.deadlineAt) {
    return {
      decision: 'rollback',
      consecutiveFailures,
      reasons: [`step deadline passed without a passing gate (${verdict.verdict})`, ...verdict.reasons],
    };
  }
  return { decision: 'wait', consecutiveFailures, reasons: verdict.reasons };
}
