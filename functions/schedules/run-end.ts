/**
 * How a run ended, read from whatever state the workflow reached: the decided outcome when the
 * workflow got that far, otherwise what an error at that point means (no task yet: FAILED_TO_START;
 * a task running: FAILED, the task having been asked to stop). RecordRun and Notify both use it, so
 * an alert still goes out when the record could not be written.
 */
import { z } from 'zod';
import { judgeLostTask, type RunOutcome } from '../../shared/domain/schedules/attempt';
import { emptyHistory } from '../../shared/domain/schedules/retry-policy';
import {
  finalRecord,
  runExpiresAt,
  type RunClaim,
  type RunRecord,
} from '../../shared/domain/schedules/run-record';
import { parseScheduledTime, slotRunId } from '../../shared/domain/schedules/run-id';
import {
  AttemptStateSchema,
  CaughtErrorSchema,
  RunHistorySchema,
  RunInfoSchema,
  type CaughtError,
} from '../../shared/domain/schedules/run-state';
import {
  ScheduleNameSchema,
  ScheduleSpecSchema,
  type ScheduleSpec,
} from '../../shared/domain/schedules/schedule-spec';
import { attemptRecord } from './examine-run';

const DEFAULT_TTL_DAYS = 90;

/** The state as any Catch may leave it: every part optional, each read only if it parses. */
const LooseStateSchema = z
  .object({
    spec: z.unknown().optional(),
    run: z.unknown().optional(),
    history: z.unknown().optional(),
    attempt: z.unknown().optional(),
    error: z.unknown().optional(),
    cleanupError: z.unknown().optional(),
    /** The workflow's input, when BeginRun itself failed. */
    scheduledTime: z.unknown().optional(),
  })
  .passthrough();

export interface RunEnd {
  record: RunRecord;
  /** The parsed spec, null when the input held none that is valid. */
  spec: ScheduleSpec | null;
}

const errorText = (e: CaughtError) => (e.Cause ? `${e.Error}: ${e.Cause}` : e.Error);

/** The run's claim when BeginRun never produced one: from the raw input, if it names a schedule and a slot. */
function claimFromInput(
  state: z.output<typeof LooseStateSchema>,
  execution: string,
  now: number,
): RunClaim | null {
  const raw = (state.spec ?? {}) as { name?: unknown; cluster?: unknown };
  const name = ScheduleNameSchema.safeParse(raw.name);
  if (!name.success) return null;
  let slotAt: number;
  try {
    slotAt = parseScheduledTime(state.scheduledTime);
  } catch {
    return null;
  }
  return {
    schedule: name.data,
    runId: slotRunId(name.data, slotAt),
    trigger: 'schedule',
    slotAt,
    execution,
    cluster: typeof raw.cluster === 'string' ? raw.cluster : 'unknown',
    startedAt: now,
    expiresAt: runExpiresAt(now, DEFAULT_TTL_DAYS),
  };
}

/** The run's end from `state`, or null when not even the schedule and slot can be told. */
export function runEnd(stateInput: unknown, execution: string, now: number): RunEnd | null {
  const state = LooseStateSchema.parse(stateInput ?? {});
  const specResult = ScheduleSpecSchema.safeParse(state.spec);
  const spec = specResult.success ? specResult.data : null;
  const runResult = RunInfoSchema.safeParse(state.run);
  const claim: RunClaim | null = runResult.success
    ? (({ status: _s, pollSeconds: _p, guardLeaseSeconds: _g, ...c }) => c)(runResult.data)
    : claimFromInput(state, execution, now);
  if (!claim) return null;

  const historyResult = RunHistorySchema.safeParse(state.history);
  const history = historyResult.success ? historyResult.data : emptyHistory();
  const error = CaughtErrorSchema.safeParse(state.error);
  const decision = history.decision;

  let outcome: RunOutcome;
  let reason: string;
  let attempts = history.attempts;
  if (decision && !decision.again && !error.success) {
    outcome = decision.outcome;
    reason = decision.reason;
  } else {
    const why = error.success ? errorText(error.data) : 'the workflow ended without a decision';
    const attempt = AttemptStateSchema.safeParse(state.attempt);
    const inFlight =
      attempt.success && attempt.data.number > history.attempts.length ? attempt.data : undefined;
    if (inFlight?.started) {
      attempts = [...attempts, attemptRecord(inFlight, judgeLostTask(inFlight.taskArn ?? '(none)'), now)];
      outcome = 'FAILED';
      reason = `Greenlight stopped watching the task after an error (${why}); it was asked to stop`;
    } else if (!runResult.success && !spec) {
      outcome = 'FAILED_TO_START';
      reason = `the run could not begin: ${why}`;
    } else {
      outcome = attempts.some((a) => a.taskArn) ? 'FAILED' : 'FAILED_TO_START';
      reason = `Greenlight failed before the run ended: ${why}`;
    }
  }
  const ttlDays = spec?.historyTtlDays ?? DEFAULT_TTL_DAYS;
  const record = finalRecord({
    claim,
    history: { ...history, attempts },
    outcome,
    reason,
    endedAt: now,
    historyTtlDays: ttlDays,
  });
  return { record, spec };
}
