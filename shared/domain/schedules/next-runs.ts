/**
 * When EventBridge Scheduler fires an expression. Cron slots are searched with croner (through the
 * translation in cron.ts) and each candidate is then checked against AWS's documented rules, which
 * croner does not follow on its own (verified in test/unit/schedules/dst.test.ts):
 *  - a slot that does not exist in the zone (spring forward) is skipped; croner moves it to the
 *    next hour instead, so a candidate whose local time does not match the expression is dropped;
 *  - a wall time the clocks show twice (fall back) runs once, the first time; croner also returns
 *    a time before the one asked for when asked from inside the repeated hour.
 * Rate expressions are fixed intervals from the schedule's start, blind to the zone (so
 * `rate(1 day)` drifts by an hour of local time across a DST change, as AWS documents).
 */
import { Cron } from 'croner';
import { matchesCron, toCronerPattern, type CronExpression } from './cron';
import {
  atInstant,
  issuePaths,
  ScheduleExpressionError,
  type AtExpression,
  type RateExpression,
  type ScheduleExpression,
} from './expression';
import { isFirstOccurrence, localParts } from './zoned-time';

export interface NextRunsOptions {
  /** IANA zone the expression is evaluated in (ignored by rate expressions). */
  timeZone: string;
  /** Runs strictly after this instant (epoch milliseconds). */
  after: number;
  /** How many runs at most. */
  count: number;
  /** Rate expressions: the schedule's start (its StartDate or creation), from which the interval counts; default `after`. */
  start?: number;
}

/** The next `count` instants (epoch ms, ascending) at which Scheduler fires `expression`. */
export function nextRuns(expression: ScheduleExpression, options: NextRunsOptions): number[] {
  switch (expression.kind) {
    case 'cron':
      return nextCronRuns(expression, options);
    case 'rate':
      return nextRateRuns(expression, options);
    case 'at':
      return nextAtRun(expression, options);
  }
}

function nextRateRuns(e: RateExpression, { after, count, start = after }: NextRunsOptions): number[] {
  // Without a StartDate, Scheduler fires at once and then every interval.
  const first = after < start ? 0 : Math.floor((after - start) / e.intervalMs) + 1;
  return Array.from({ length: count }, (_, i) => start + (first + i) * e.intervalMs);
}

function nextAtRun(e: AtExpression, { timeZone, after, count }: NextRunsOptions): number[] {
  const instant = atInstant(e, timeZone);
  if (typeof instant !== 'number') {
    const issues = issuePaths([instant]);
    throw new ScheduleExpressionError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  return instant > after && count > 0 ? [instant] : [];
}

const MINUTE = 60_000;

/** The first whole minute after `t` that is not a second pass of a fall-back hour. */
function nextUnrepeatedMinute(t: number, timeZone: string): number {
  const first = Math.floor(t / MINUTE) * MINUTE + MINUTE;
  // Overlaps last at most two hours (one in almost every zone).
  for (let m = first; m <= first + 3 * 60 * MINUTE; m += MINUTE) {
    if (isFirstOccurrence(m, timeZone)) return m;
  }
  return first;
}

function nextCronRuns(e: CronExpression, { timeZone, after, count }: NextRunsOptions): number[] {
  const job = new Cron(toCronerPattern(e), { timezone: timeZone, domAndDow: true, paused: true });
  const runs: number[] = [];
  let cursor = after;
  // Each skipped candidate is a slot moved out of a DST gap or repeated in an overlap: a few per
  // transition. Far more than that means the search is not progressing.
  let budget = count * 10 + 10_000;
  while (runs.length < count) {
    if (budget-- <= 0) throw new Error(`next runs of ${e.text} in ${timeZone}: the search did not converge`);
    const next = job.nextRun(new Date(cursor))?.getTime();
    if (next === undefined) break;
    if (next <= cursor) {
      // Asked from the second pass of a fall-back hour, croner answers with the first pass.
      cursor = Math.max(nextUnrepeatedMinute(cursor, timeZone) - 1, cursor + 1);
      continue;
    }
    cursor = next;
    if (matchesCron(e, localParts(next, timeZone)) && isFirstOccurrence(next, timeZone)) runs.push(next);
  }
  return runs;
}
