/** The health gate: pure decisions from traffic and target-health readings. */
import type { ManualControl } from '../deployment';
import type { Gate } from '../spec';
import { evaluateSequential } from './sequential';

/** Traffic served by one target group over a window. */
export interface TrafficWindow {
  requests: number;
  /** Responses with a 5xx status from the targets, plus requests the balancer failed. */
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface TargetHealth {
  healthy: number;
  unhealthy: number;
  /** Registering (initial) or deregistering (draining) targets. */
  transitioning: number;
}

/** The live color's traffic, to judge the new color against. */
export interface Baseline {
  /** The live color's window: the same window as the new color's during a step (an earlier one during the bake). */
  window: TrafficWindow;
  /** Names used in reasons; default "the new color" and "the live color". */
  names?: { candidate: string; baseline: string };
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface GateVerdict {
  verdict: Verdict;
  /** Human-readable reasons, each naming the rule and the numbers. */
  reasons: string[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * Judges the new color's window: sequentially against the live color's `baseline` and the hard
 * limits (mode `sequential`, see ./sequential.ts), or against the thresholds only
 * (mode `fixed-window`, the baseline unused). Too little traffic never passes.
 */
export function evaluateGate(
  gate: Gate,
  traffic: TrafficWindow,
  health: TargetHealth,
  baseline?: Baseline,
): GateVerdict {
  if (gate.mode === 'sequential') return evaluateSequential(gate, traffic, health, baseline);
  const failures: string[] = [];
  if (health.healthy < gate.minHealthyTargets) {
    failures.push(`healthy targets ${health.healthy} < ${gate.minHealthyTargets} required`);
  }
  if (traffic.requests >= gate.minRequests) {
    const errorRate = traffic.errors / traffic.requests;
    if (errorRate > gate.maxErrorRate) {
      failures.push(
        `5xx rate ${pct(errorRate)} > ${pct(gate.maxErrorRate)} (${traffic.errors} of ${traffic.requests} requests)`,
      );
    }
    if (traffic.p99Ms !== null && traffic.p99Ms > gate.maxP99Ms) {
      failures.push(`p99 latency ${Math.round(traffic.p99Ms)} ms > ${gate.maxP99Ms} ms`);
    }
  }
  if (failures.length > 0) return { verdict: 'fail', reasons: failures };
  if (traffic.requests < gate.minRequests) {
    return {
      verdict: 'inconclusive',
      reasons: [`${traffic.requests} requests < ${gate.minRequests} needed for a verdict`],
    };
  }
  const errorRate = traffic.errors / traffic.requests;
  const p99 = traffic.p99Ms === null ? 'n/a' : `${Math.round(traffic.p99Ms)} ms`;
  return {
    verdict: 'pass',
    reasons: [
      `5xx rate ${pct(errorRate)} ≤ ${pct(gate.maxErrorRate)}, p99 ${p99} ≤ ${gate.maxP99Ms} ms over ${traffic.requests} requests`,
    ],
  };
}

/**
 * Several signals' verdicts as one: any failure fails (with every failing signal's reasons);
 * otherwise `primary` (the traffic verdict) decides, so a side signal that looks fine (probes,
 * task stops) never passes a step the traffic has not passed.
 */
export function combineVerdicts(primary: GateVerdict, ...others: GateVerdict[]): GateVerdict {
  const all = [primary, ...others];
  const failing = all.filter((v) => v.verdict === 'fail');
  if (failing.length > 0) return { verdict: 'fail', reasons: failing.flatMap((v) => v.reasons) };
  return { verdict: primary.verdict, reasons: all.flatMap((v) => v.reasons) };
}

/** `promote` skips the remaining steps (a person asked to); in the bake it is `advance`. */
export type Decision = 'advance' | 'wait' | 'rollback' | 'promote';

export interface ObservationInput {
  gate: Gate;
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
  phase?: 'step' | 'bake';
}

export interface Observation {
  decision: Decision;
  consecutiveFailures: number;
  reasons: string[];
}

/**
 * What the workflow does after an evaluation: roll back after enough consecutive failures or
 * at the deadline, advance once the gate passes and the hold has elapsed, otherwise wait.
 * A `fixed-window` gate is judged once, when the hold (its window) ends.
 */
export function decide(input: ObservationInput): Observation {
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

function failedRollback(consecutiveFailures: number, verdict: GateVerdict): Observation {
  return {
    decision: 'rollback',
    consecutiveFailures,
    reasons: [`gate failed ${consecutiveFailures} consecutive evaluations`, ...verdict.reasons],
  };
}

/** Roll back after enough consecutive failures or at the deadline; advance on a pass once the hold is over. */
function decideSequential(input: ObservationInput, consecutiveFailures: number): Observation {
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
function decideAtWindowEnd(input: ObservationInput, consecutiveFailures: number): Observation {
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
function waitUntilDeadline(input: ObservationInput, consecutiveFailures: number): Observation {
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
