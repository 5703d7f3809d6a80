/**
 * EventBridge Scheduler schedule expressions: `cron(...)`, `rate(...)` and `at(...)`, parsed into
 * values the rest of the domain can reason about, with every problem named by its field.
 */
import { InvalidInputError } from '../errors';
import { parseCron, type CronExpression, type ExpressionIssue } from './cron';
import { instantsOf, wallTimeOf, wallTimeProblem, type WallTime } from './zoned-time';

export type { CronExpression, ExpressionIssue } from './cron';

export type RateUnit = 'minute' | 'hour' | 'day';

/** `rate(5 minutes)`: a fixed interval, counted from the schedule's start and blind to time zones. */
export interface RateExpression {
  kind: 'rate';
  text: string;
  value: number;
  unit: RateUnit;
  intervalMs: number;
}

/** `at(2027-03-15T02:30:00)`: one run at that wall time in the schedule's zone. */
export interface AtExpression {
  kind: 'at';
  text: string;
  wall: WallTime;
}

export type ScheduleExpression = CronExpression | RateExpression | AtExpression;

/** ScheduleExpression's length limit in the Scheduler API. */
export const MAX_EXPRESSION_LENGTH = 256;

/** A rate this long (about 2,700 years in days) is surely a typo; the API documents no maximum. */
const MAX_RATE_VALUE = 1_000_000;

const UNIT_MS: Record<RateUnit, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

const SYNTAX =
  'expected cron(minutes hours day-of-month month day-of-week year), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)';

/** A schedule expression that cannot be used; `issues` name the fields (`expression.minutes`). */
export class ScheduleExpressionError extends InvalidInputError {}

function parseRate(text: string, body: string): RateExpression | ExpressionIssue[] {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(body);
  if (!match) return [{ field: '', message: `rate() takes a value and a unit, e.g. rate(5 minutes)` }];
  const [, rawValue = '', rawUnit = ''] = match;
  const issues: ExpressionIssue[] = [];
  const value = Number(rawValue);
  if (!/^\d+$/.test(rawValue) || value < 1 || value > MAX_RATE_VALUE) {
    issues.push({
      field: 'value',
      message: `expected a whole number from 1 to ${MAX_RATE_VALUE.toLocaleString('en-US')}, got "${rawValue}"`,
    });
  }
  const unitMatch = /^(minute|hour|day)(s?)$/.exec(rawUnit);
  if (!unitMatch) {
    issues.push({ field: 'unit', message: `expected minute(s), hour(s) or day(s), got "${rawUnit}"` });
  } else if (issues.length === 0) {
    const [, unit, plural] = unitMatch;
    if (value === 1 && plural) {
      issues.push({ field: 'unit', message: `a value of 1 takes the singular: rate(1 ${unit})` });
    } else if (value > 1 && !plural) {
      issues.push({ field: 'unit', message: `a value above 1 takes the plural: rate(${value} ${unit}s)` });
    }
  }
  if (issues.length > 0 || !unitMatch) return issues;
  const unit = unitMatch[1] as RateUnit;
  return { kind: 'rate', text, value, unit, intervalMs: value * UNIT_MS[unit] };
}

function parseAt(text: string, body: string): AtExpression | ExpressionIssue[] {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!match) return [{ field: '', message: `at() takes a local date and time: at(yyyy-mm-ddThh:mm:ss)` }];
  const wall = wallTimeOf(match.slice(1));
  const problem = wallTimeProblem(wall);
  if (problem === 'date') return [{ field: '', message: `${body.slice(0, 10)} is not a date` }];
  if (problem === 'time') {
    return [{ field: '', message: `${body.slice(11)} is not a time of day (00:00:00–23:59:59)` }];
  }
  return { kind: 'at', text, wall };
}

/** Every problem with `text` as a schedule expression, or the parsed expression. */
export function checkExpression(text: string): ScheduleExpression | ExpressionIssue[] {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    return [{ field: '', message: `at most ${MAX_EXPRESSION_LENGTH} characters, got ${text.length}` }];
  }
  const match = /^(cron|rate|at)\((.*)\)$/s.exec(text);
  if (!match) return [{ field: '', message: `${SYNTAX}, got "${text}"` }];
  const [, kind, body = ''] = match;
  if (kind === 'cron') return parseCron(text, body);
  if (kind === 'rate') return parseRate(text, body);
  return parseAt(text, body);
}

/** `expression.minutes: 61 is out of range 0–59` */
export function issuePaths(
  issues: ExpressionIssue[],
  root = 'expression',
): { path: string; message: string }[] {
  return issues.map((i) => ({ path: i.field ? `${root}.${i.field}` : root, message: i.message }));
}

/** Parses a schedule expression or throws a ScheduleExpressionError naming each bad field. */
export function parseExpression(text: string, root = 'expression'): ScheduleExpression {
  const result = checkExpression(text);
  if (!Array.isArray(result)) return result;
  const issues = issuePaths(result, root);
  throw new ScheduleExpressionError(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

/**
 * The instant of a one-time schedule in `timeZone`. A wall time shown twice (fall back) is taken
 * the first time, as recurring schedules run once in that hour; one that never shows (spring
 * forward) is refused, since where Scheduler would put it is not documented.
 */
export function atInstant(e: AtExpression, timeZone: string): number | ExpressionIssue {
  const first = instantsOf(e.wall, timeZone)[0];
  if (first !== undefined) return first;
  return {
    field: '',
    message: `${e.text} does not exist in ${timeZone}: the clocks skip that time when daylight saving time begins`,
  };
}
