/**
 * Missed runs: the slots an enabled schedule should have run in a window that the run ledger has no
 * run for (Scheduler disabled or throttled, a delivery that went to the dead-letter queue). A slot
 * counts only once its starting deadline has passed: until then a late delivery may still claim it
 * (BeginRun records a delivery past the deadline as MISSED itself). Manual runs never stand in for
 * a slot.
 */
import { parseExpression } from './expression';
import { nextRuns } from './next-runs';
import type { RunRecord } from './run-record';
import type { ScheduleSpec } from './schedule-spec';

/** Most slots looked at per call: a per-minute schedule over a day is 1440. */
export const MAX_SLOTS_PER_CHECK = 2000;

export interface MissedRunsInput {
  spec: Pick<ScheduleSpec, 'expression' | 'timezone' | 'enabled' | 'startingDeadlineSeconds'>;
  /** Slots after `from` and at or before `to` (epoch ms). */
  window: { from: number; to: number };
  /** The ledger's runs of the schedule (any order; those outside the window are ignored). */
  runs: Pick<RunRecord, 'slotAt' | 'trigger'>[];
  now: number;
  /** Rate expressions: the schedule's StartDate (or creation), from which the interval counts. */
  startDate?: number;
}

export interface MissedRuns {
  /** Slots with no run, past their starting deadline, ascending. */
  missed: number[];
  /** True when the window held more than MAX_SLOTS_PER_CHECK slots and only the first were compared. */
  truncated: boolean;
  /**
   * Every slot after `window.from` and up to this instant has been compared: where the next check
   * starts. Short of `window.to` when the last slots are still within their deadline or when the
   * window was truncated.
   */
  checkedUntil: number;
}

export function missedRuns(input: MissedRunsInput): MissedRuns {
  const { spec, window, now } = input;
  if (window.to <= window.from) return { missed: [], truncated: false, checkedUntil: window.from };
  // A suspended schedule's slots are not due: nothing in the window can be missed.
  if (!spec.enabled) return { missed: [], truncated: false, checkedUntil: window.to };
  // A slot whose deadline is still ahead is not missed yet.
  const last = Math.min(window.to, now - spec.startingDeadlineSeconds * 1000);
  if (last <= window.from) return { missed: [], truncated: false, checkedUntil: window.from };
  // In batches: a window usually holds a few slots, and asking for thousands costs milliseconds each.
  const expression = parseExpression(spec.expression);
  const slots: number[] = [];
  let after = window.from;
  while (slots.length <= MAX_SLOTS_PER_CHECK) {
    const batch = nextRuns(expression, {
      timeZone: spec.timezone,
      after,
      count: 50,
      ...(input.startDate !== undefined ? { start: input.startDate } : {}),
    });
    const due = batch.filter((slot) => slot <= last);
    slots.push(...due);
    if (due.length < batch.length || batch.length === 0) break;
    after = batch[batch.length - 1]!;
  }
  const truncated = slots.length > MAX_SLOTS_PER_CHECK;
  const ran = new Set(input.runs.filter((r) => r.trigger === 'schedule').map((r) => r.slotAt));
  const compared = slots.slice(0, MAX_SLOTS_PER_CHECK);
  return {
    missed: compared.filter((slot) => !ran.has(slot)),
    truncated,
    checkedUntil: truncated ? compared[compared.length - 1]! : last,
  };
}
