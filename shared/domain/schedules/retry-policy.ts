/**
 * After an attempt: try again (and after how long), or end the run with which outcome. Start
 * failures (the task never ran) follow the capacity policy and stop at the starting deadline;
 * failures of a job that ran follow the application policy, by exit code like AWS Batch's
 * `evaluateOnExit`. Success, a replaced run and a start refused for want of the guard are final.
 */
import type { AttemptKind, AttemptRecord, RunOutcome } from './attempt';
import type { ScheduleSpec } from './schedule-spec';

export interface RetryPolicy {
  attempts: number;
  backoffSeconds: number;
  backoffRate: number;
  maxBackoffSeconds: number;
}

/** The run's attempts so far and how many retries of each kind it has used. */
export interface RunHistory {
  attempts: AttemptRecord[];
  capacityRetries: number;
  applicationRetries: number;
  decision?: RunDecision;
}

export type RunDecision =
  | { again: true; kind: 'capacity' | 'application'; waitSeconds: number; reason: string }
  | { again: false; outcome: RunOutcome; reason: string };

export const emptyHistory = (): RunHistory => ({ attempts: [], capacityRetries: 0, applicationRetries: 0 });

/** Seconds to wait before retry number `retry` (0 for the first): Step Functions' backoff formula, capped. */
export function backoffSeconds(policy: RetryPolicy, retry: number): number {
  return Math.round(Math.min(policy.backoffSeconds * policy.backoffRate ** retry, policy.maxBackoffSeconds));
}

type RetrySpec = Pick<ScheduleSpec, 'retries' | 'startingDeadlineSeconds'>;

const FINAL: Record<Exclude<AttemptKind, 'start-failed' | 'failed' | 'timed-out'>, RunOutcome> = {
  succeeded: 'SUCCEEDED',
  replaced: 'FAILED',
  'not-started': 'SKIPPED',
};

/**
 * The decision after `attempt`, given the retries used so far. `slotMs` is the run's slot (or the
 * time a manual run was asked for); `now` the decision time.
 */
export function decideAfterAttempt(
  spec: RetrySpec,
  history: Pick<RunHistory, 'capacityRetries' | 'applicationRetries'>,
  attempt: Pick<AttemptRecord, 'verdict' | 'number'>,
  timing: { now: number; slotMs: number },
): RunDecision {
  const { verdict } = attempt;
  const tries = attempt.number === 1 ? 'after 1 attempt' : `after ${attempt.number} attempts`;
  switch (verdict.kind) {
    case 'succeeded':
    case 'replaced':
    case 'not-started':
      return { again: false, outcome: FINAL[verdict.kind], reason: verdict.summary };
    case 'start-failed': {
      const policy = spec.retries.capacity;
      if (history.capacityRetries >= policy.attempts) {
        return { again: false, outcome: 'FAILED_TO_START', reason: `${verdict.summary} (${tries})` };
      }
      const waitSeconds = backoffSeconds(policy, history.capacityRetries);
      const deadline = timing.slotMs + spec.startingDeadlineSeconds * 1000;
      if (timing.now + waitSeconds * 1000 > deadline) {
        return {
          again: false,
          outcome: 'FAILED_TO_START',
          reason: `${verdict.summary} (${tries}; another would start past the starting deadline of ${spec.startingDeadlineSeconds} s)`,
        };
      }
      return { again: true, kind: 'capacity', waitSeconds, reason: verdict.summary };
    }
    case 'failed':
    case 'timed-out': {
      const policy = spec.retries.application;
      const outcome: RunOutcome = verdict.kind === 'failed' ? 'FAILED' : 'TIMED_OUT';
      const final = { again: false as const, outcome, reason: `${verdict.summary} (${tries})` };
      if (history.applicationRetries >= policy.attempts) return final;
      if (verdict.kind === 'timed-out' && !policy.retryOnTimeout) return final;
      if (verdict.kind === 'failed' && policy.onExitCodes.length > 0) {
        const retried = verdict.failedContainers.some(
          (c) => c.exitCode !== undefined && policy.onExitCodes.includes(c.exitCode),
        );
        if (!retried) return final;
      }
      return {
        again: true,
        kind: 'application',
        waitSeconds: backoffSeconds(policy, history.applicationRetries),
        reason: verdict.summary,
      };
    }
  }
}

/** The history with `attempt` appended and the decision taken after it. */
export function afterAttempt(
  spec: RetrySpec,
  history: RunHistory,
  attempt: AttemptRecord,
  timing: { now: number; slotMs: number },
): RunHistory {
  const decision = decideAfterAttempt(spec, history, attempt, timing);
  return {
    attempts: [...history.attempts, attempt],
    capacityRetries: history.capacityRetries + (decision.again && decision.kind === 'capacity' ? 1 : 0),
    applicationRetries:
      history.applicationRetries + (decision.again && decision.kind === 'application' ? 1 : 0),
    decision,
  };
}

/** Seconds between two looks at a running task: about 60 looks over the run-time limit, 10–60 s apart. */
export function pollSeconds(timeoutSeconds: number): number {
  return Math.min(60, Math.max(10, Math.round(timeoutSeconds / 60)));
}

/**
 * How long the schedule's guard is leased for: the longest the run can last (every attempt at its
 * limit, every backoff at its longest) plus a margin. A run whose workflow died leaves the guard
 * to expire after that instead of holding the schedule forever.
 */
export function guardLeaseSeconds(
  spec: Pick<ScheduleSpec, 'timeoutSeconds' | 'retries' | 'startingDeadlineSeconds'>,
): number {
  const { application, capacity } = spec.retries;
  const runs = (1 + application.attempts) * (spec.timeoutSeconds + pollSeconds(spec.timeoutSeconds));
  let waits = 0;
  for (let i = 0; i < application.attempts; i++) waits += backoffSeconds(application, i);
  for (let i = 0; i < capacity.attempts; i++) waits += backoffSeconds(capacity, i);
  const STOP_MARGIN_SECONDS = 15 * 60;
  return runs + waits + spec.startingDeadlineSeconds + STOP_MARGIN_SECONDS;
}
