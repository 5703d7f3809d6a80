/**
 * When EventBridge Scheduler fires an expression.
 *
 * Cron slots are wall times in the schedule's zone. croner (through the translation in cron.ts)
 * searches them on the zone's wall clock written as UTC — a timeline with no DST, so its calendar
 * rules (L, W, #, years) apply to local dates — and each wall time found is then placed on the real
 * timeline by the rules AWS documents: a wall time the zone skips (spring forward) does not run,
 * one it shows twice (fall back) runs once, the first time. croner's own `timezone` option is not
 * used: it moves a skipped slot to the next hour, answers with an earlier time when asked from the
 * second pass of a repeated hour (both pinned in test/unit/schedules/dst.test.ts), and builds an
 * Intl formatter per conversion (about 0.7 ms per run).
 *
 * Rate expressions are fixed intervals from the schedule's start, blind to the zone (so
 * `rate(1 day)` drifts by an hour of local time across a DST change, as AWS documents).
 */
import { Cron } from 'croner';
import { toCronerPattern, type CronExpression } from './cron';
import {
  atInstant,
  issuePaths,
  ScheduleExpressionError,
  type AtExpression,
  type RateExpression,
  type ScheduleExpression,
} from './expression';
import { firstInstantOf, localParts, wallTimeMs, type WallTime } from './zoned-time';

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

/** A wall time written as UTC milliseconds, back to its fields. */
function wallOf(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

function nextCronRuns(e: CronExpression, { timeZone, after, count }: NextRunsOptions): number[] {
  const job = new Cron(toCronerPattern(e), { utcOffset: 0, domAndDow: true, paused: true });
  const runs: number[] = [];
  // From the second pass of a repeated hour this wall clock starts behind the slots that already
  // ran in the first pass; they are dropped below for not being after `after`.
  let wall = wallTimeMs(localParts(after, timeZone)) + (((after % 1000) + 1000) % 1000);
  let offset: number | undefined;
  while (runs.length < count) {
    const next = job.nextRun(new Date(wall))?.getTime();
    if (next === undefined) break;
    if (next <= wall) {
      throw new Error(`next runs of ${e.text}: croner went back from ${new Date(wall).toISOString()}`);
    }
    wall = next;
    const first = firstInstantOf(wallOf(wall), timeZone, offset);
    if (first === undefined) continue;
    offset = Math.round((wall - first) / 60_000);
    if (first > after) runs.push(first);
  }
  return runs;
}
