import fc from 'fast-check';
import { toCronerPattern, type CronExpression } from '../../../shared/domain/schedules/cron';
import {
  checkExpression,
  parseExpression,
  ScheduleExpressionError,
} from '../../../shared/domain/schedules/expression';
import { nextRuns } from '../../../shared/domain/schedules/next-runs';
import { wallTimeOf, wallTimeProblem } from '../../../shared/domain/schedules/zoned-time';

const cron = (text: string): CronExpression => {
  const e = parseExpression(text);
  if (e.kind !== 'cron') throw new Error(`${text} is not a cron expression`);
  return e;
};

/** The message of the error parseExpression throws for `text`. */
const problem = (text: string): string => {
  try {
    parseExpression(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleExpressionError);
    return (error as Error).message;
  }
  throw new Error(`${text} was accepted`);
};

/** The next runs in UTC after `from`, as ISO strings. */
const next = (text: string, from: string, count = 4, timeZone = 'UTC'): string[] =>
  nextRuns(parseExpression(text), { timeZone, after: Date.parse(from), count }).map((t) =>
    new Date(t).toISOString(),
  );

describe('schedule expressions', () => {
  describe('cron parsing', () => {
    it('reads the six fields into value sets', () => {
      // Prepare / Act
      const e = cron('cron(0/15 8-10 ? JAN,MAR MON-FRI 2027-2029)');

      // Assess
      expect(e.minutes).toEqual([0, 15, 30, 45]);
      expect(e.hours).toEqual([8, 9, 10]);
      expect(e.dayOfMonth).toEqual({ kind: 'any' });
      expect(e.months).toEqual([1, 3]);
      expect(e.dayOfWeek).toEqual({ kind: 'days', days: [2, 3, 4, 5, 6] });
      expect(e.years).toEqual([2027, 2028, 2029]);
    });

    it('reads increments from a start value, from * and over a range', () => {
      expect(cron('cron(1/10 * * * ? *)').minutes).toEqual([1, 11, 21, 31, 41, 51]);
      expect(cron('cron(*/20 * * * ? *)').minutes).toEqual([0, 20, 40]);
      expect(cron('cron(10-30/10 0/6 * * ? *)').minutes).toEqual([10, 20, 30]);
      expect(cron('cron(0 0/6 * * ? *)').hours).toEqual([0, 6, 12, 18]);
      expect(cron('cron(0 0 1/10 * ? *)').dayOfMonth).toEqual({ kind: 'days', days: [1, 11, 21, 31] });
    });

    it('reads the special days L, LW, W, nL and #', () => {
      expect(cron('cron(0 12 L * ? *)').dayOfMonth).toEqual({ kind: 'last' });
      expect(cron('cron(0 12 LW * ? *)').dayOfMonth).toEqual({ kind: 'last-weekday' });
      expect(cron('cron(0 12 15W * ? *)').dayOfMonth).toEqual({ kind: 'nearest-weekday', day: 15 });
      expect(cron('cron(0 12 ? * 6L *)').dayOfWeek).toEqual({ kind: 'last', day: 6 });
      expect(cron('cron(0 12 ? * L *)').dayOfWeek).toEqual({ kind: 'days', days: [7] });
      expect(cron('cron(0 12 ? * 3#2 *)').dayOfWeek).toEqual({ kind: 'nth', day: 3, nth: 2 });
      expect(cron('cron(0 12 ? * FRI#1 *)').dayOfWeek).toEqual({ kind: 'nth', day: 6, nth: 1 });
    });

    it('reads month and day names in any case, even those holding L or W', () => {
      expect(cron('cron(0 12 ? jul wed *)')).toMatchObject({ months: [7], dayOfWeek: { days: [4] } });
      expect(cron('cron(0 12 ? JUN-AUG SUN,SAT *)')).toMatchObject({
        months: [6, 7, 8],
        dayOfWeek: { kind: 'days', days: [1, 7] },
      });
    });

    it.each([
      ['cron(61 12 * * ? *)', 'expression.minutes: 61 is out of range 0–59'],
      ['cron(0 24 * * ? *)', 'expression.hours: 24 is out of range 0–23'],
      ['cron(0 12 32 * ? *)', 'expression.dayOfMonth: 32 is out of range 1–31'],
      ['cron(0 12 * 13 ? *)', 'expression.month: 13 is out of range 1–12'],
      ['cron(0 12 ? * 0 *)', 'expression.dayOfWeek: 0 is out of range 1–7'],
      ['cron(0 12 * * ? 1969)', 'expression.year: 1969 is out of range 1970–2199'],
      ['cron(0 12 * * ? 2200)', 'expression.year: 2200 is out of range 1970–2199'],
      [
        'cron(0 12 1 * MON *)',
        'expression: day-of-month and day-of-week cannot both be given; one must be ?',
      ],
      ['cron(0 12 * * * *)', 'expression: day-of-month and day-of-week cannot both be given; one must be ?'],
      ['cron(0 12 ? * ? *)', 'expression: day-of-month and day-of-week cannot both be ?; give one of them'],
      [
        'cron(0 12 * *)',
        'expression: cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got 4',
      ],
      ['cron(0 0 12 * * ? *)', 'expression: cron() takes 6 fields'],
      ['cron(? 12 * * ? *)', 'expression.minutes: ? is only allowed in day-of-month or day-of-week'],
      ['cron(0 12 ? * 3#1,6#3 *)', 'expression.dayOfWeek: "3#1,6#3": # takes one day'],
      ['cron(0 12 ? * 3#6 *)', 'expression.dayOfWeek: "3#6": the occurrence after # must be 1–5'],
      ['cron(0 12 ? * */2 *)', 'expression.dayOfWeek: increments (/) are not allowed in day-of-week'],
      ['cron(0 12 1,L * ? *)', 'expression.dayOfMonth: "L": L, LW and nW (e.g. 15W) stand alone'],
      ['cron(0 12 ? * 2W *)', 'expression.dayOfWeek: "2W": W is only allowed in day-of-month'],
      ['cron(0 12 3#2 * ? *)', 'expression.dayOfMonth: # is only allowed in day-of-week'],
      [
        'cron(0 22-2 * * ? *)',
        'expression.hours: the range 22-2 goes backwards; write it as two ranges (22-23,0-2)',
      ],
      [
        'cron(0/0 12 * * ? *)',
        'expression.minutes: the increment in "0/0" must be a whole number from 1 to 60',
      ],
      ['cron(x 12 * * ? *)', 'expression.minutes: "X" is not a number from 0 to 59'],
      ['cron(0 12 * FOO ? *)', 'expression.month: "FOO" is not a number from 1 to 12 or JAN–DEC'],
      ['cron(0 12 30 FEB ? *)', 'expression.dayOfMonth: day 30 never occurs in the months given (FEB)'],
      ['cron(0 12 31 4,6 ? *)', 'expression.dayOfMonth: day 31 never occurs in the months given (APR,JUN)'],
      ['cron(1,,2 12 * * ? *)', 'expression.minutes: "1,,2" has an empty list item'],
      [
        'every day',
        'expression: expected cron(minutes hours day-of-month month day-of-week year), rate(value unit)',
      ],
      [' cron(0 12 * * ? *)', 'expression: expected cron('],
    ])('%s is refused: %s', (text, message) => {
      expect(problem(text)).toContain(message);
    });

    it('names every bad field at once', () => {
      const result = checkExpression('cron(61 25 * * ? *)');

      expect(result).toEqual([
        { field: 'minutes', message: '61 is out of range 0–59' },
        { field: 'hours', message: '25 is out of range 0–23' },
      ]);
    });
  });

  describe('rate and at', () => {
    it('reads rate() with singular and plural units', () => {
      expect(parseExpression('rate(1 minute)')).toMatchObject({ kind: 'rate', intervalMs: 60_000 });
      expect(parseExpression('rate(5 minutes)')).toMatchObject({ kind: 'rate', intervalMs: 300_000 });
      expect(parseExpression('rate(2 hours)')).toMatchObject({ kind: 'rate', intervalMs: 7_200_000 });
      expect(parseExpression('rate(1 day)')).toMatchObject({ kind: 'rate', intervalMs: 86_400_000 });
    });

    it.each([
      ['rate(1 minutes)', 'expression.unit: a value of 1 takes the singular: rate(1 minute)'],
      ['rate(5 hour)', 'expression.unit: a value above 1 takes the plural: rate(5 hours)'],
      ['rate(0 minutes)', 'expression.value: expected a whole number from 1 to 1,000,000, got "0"'],
      ['rate(1.5 hours)', 'expression.value: expected a whole number'],
      ['rate(2 weeks)', 'expression.unit: expected minute(s), hour(s) or day(s), got "weeks"'],
      ['rate(5)', 'expression: rate() takes a value and a unit'],
      ['at(2027-02-30T10:00:00)', 'expression: 2027-02-30 is not a date'],
      ['at(2027-02-10T24:00:00)', 'expression: 24:00:00 is not a time of day'],
      ['at(2027-02-10 10:00:00)', 'expression: at() takes a local date and time: at(yyyy-mm-ddThh:mm:ss)'],
      ['at(2027-02-10T10:00:00Z)', 'expression: at() takes a local date and time'],
    ])('%s is refused: %s', (text, message) => {
      expect(problem(text)).toContain(message);
    });

    it('reads at() as a wall time', () => {
      expect(parseExpression('at(2027-03-15T02:30:00)')).toMatchObject({
        kind: 'at',
        wall: { year: 2027, month: 3, day: 15, hour: 2, minute: 30, second: 0 },
      });
    });

    it('fires at() once, at its wall time in the zone, and not once it has passed', () => {
      expect(next('at(2027-03-15T02:30:00)', '2027-03-01T00:00:00Z', 5, 'America/New_York')).toEqual([
        '2027-03-15T06:30:00.000Z',
      ]);
      expect(next('at(2027-03-15T02:30:00)', '2027-03-15T06:30:00Z', 5, 'America/New_York')).toEqual([]);
    });
  });

  describe('translation to croner', () => {
    it.each([
      ['cron(0 10 * * ? *)', '0 0 10 1-31 1-12 * 1970-2199'],
      ['cron(0/15 8-17 ? * MON-FRI *)', '0 0,15,30,45 8-17 * 1-12 1-5 1970-2199'],
      ['cron(0 12 ? * SUN,SAT 2027)', '0 0 12 * 1-12 0,6 2027'],
      ['cron(0 12 ? * 3#2 *)', '0 0 12 * 1-12 2#2 1970-2199'],
      ['cron(0 12 ? * 6L *)', '0 0 12 * 1-12 5#L 1970-2199'],
      ['cron(0 12 ? * L *)', '0 0 12 * 1-12 6 1970-2199'],
      ['cron(0 12 L * ? *)', '0 0 12 L 1-12 * 1970-2199'],
      ['cron(0 12 LW * ? *)', '0 0 12 LW 1-12 * 1970-2199'],
      ['cron(0 12 15W * ? *)', '0 0 12 15W 1-12 * 1970-2199'],
      ['cron(5,7-9 1/10 1,15 */3 ? 2030,2032-2033)', '0 5,7-9 1,11,21 1,15 1,4,7,10 * 2030,2032-2033'],
    ])('%s becomes %s', (text, pattern) => {
      expect(toCronerPattern(cron(text))).toBe(pattern);
    });
  });

  describe('special days', () => {
    it('L: the last day of each month, leap years included', () => {
      expect(next('cron(0 12 L * ? *)', '2028-01-01T00:00:00Z')).toEqual([
        '2028-01-31T12:00:00.000Z',
        '2028-02-29T12:00:00.000Z',
        '2028-03-31T12:00:00.000Z',
        '2028-04-30T12:00:00.000Z',
      ]);
    });

    it('LW: the last weekday of the month', () => {
      // 2027-01-31 is a Sunday, 2027-07-31 a Saturday.
      expect(next('cron(0 12 LW JAN,JUL ? *)', '2027-01-01T00:00:00Z', 2)).toEqual([
        '2027-01-29T12:00:00.000Z',
        '2027-07-30T12:00:00.000Z',
      ]);
    });

    it('W: the weekday nearest the day, never across the month', () => {
      // 2027-05-01 is a Saturday: 1W moves forward to Monday the 3rd, not back into April.
      expect(next('cron(0 12 1W MAY ? 2027)', '2027-01-01T00:00:00Z')).toEqual(['2027-05-03T12:00:00.000Z']);
      // 2027-05-15 is a Saturday: 15W is Friday the 14th; 2027-08-15 a Sunday: Monday the 16th.
      expect(next('cron(0 12 15W MAY,AUG ? 2027)', '2027-01-01T00:00:00Z')).toEqual([
        '2027-05-14T12:00:00.000Z',
        '2027-08-16T12:00:00.000Z',
      ]);
      // 2027-10-31 is a Sunday and the last day: 31W is Friday the 29th.
      expect(next('cron(0 12 31W OCT ? 2027)', '2027-01-01T00:00:00Z')).toEqual(['2027-10-29T12:00:00.000Z']);
    });

    it('#: the nth weekday of the month, skipping months without a fifth one', () => {
      expect(next('cron(0 12 ? * 3#2 2027)', '2027-01-01T00:00:00Z', 3)).toEqual([
        '2027-01-12T12:00:00.000Z',
        '2027-02-09T12:00:00.000Z',
        '2027-03-09T12:00:00.000Z',
      ]);
      // Fifth Sundays of 2027: January, May, August, October.
      expect(next('cron(0 12 ? * 1#5 2027)', '2027-01-01T00:00:00Z', 5)).toEqual([
        '2027-01-31T12:00:00.000Z',
        '2027-05-30T12:00:00.000Z',
        '2027-08-29T12:00:00.000Z',
        '2027-10-31T12:00:00.000Z',
      ]);
    });

    it('nL: the last such weekday of the month', () => {
      expect(next('cron(0 12 ? * 6L *)', '2027-01-01T00:00:00Z', 3)).toEqual([
        '2027-01-29T12:00:00.000Z',
        '2027-02-26T12:00:00.000Z',
        '2027-03-26T12:00:00.000Z',
      ]);
    });

    it('day-of-week counts 1–7 from Sunday, as EventBridge does', () => {
      // 2027-01-03 is a Sunday.
      expect(next('cron(0 12 ? * 1 *)', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-01-03T12:00:00.000Z']);
      expect(next('cron(0 12 ? * 7 *)', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-01-02T12:00:00.000Z']);
      expect(next('cron(0 12 ? * 2-6 *)', '2027-01-01T13:00:00Z', 1)).toEqual(['2027-01-04T12:00:00.000Z']);
    });
  });

  describe('year bounds', () => {
    it('stops at the last year given', () => {
      expect(next('cron(0 0 1 1 ? 2027-2028)', '2026-06-01T00:00:00Z', 5)).toEqual([
        '2027-01-01T00:00:00.000Z',
        '2028-01-01T00:00:00.000Z',
      ]);
    });

    it('has nothing to run once its years are past', () => {
      expect(next('cron(0 0 1 1 ? 2027)', '2027-01-01T00:00:00Z', 5)).toEqual([]);
    });

    it('never runs past 2199, EventBridge last year', () => {
      expect(next('cron(0 0 1 1 ? *)', '2198-06-01T00:00:00Z', 5)).toEqual(['2199-01-01T00:00:00.000Z']);
    });

    it('finds a leap day years ahead', () => {
      expect(next('cron(0 0 29 FEB ? *)', '2029-01-01T00:00:00Z', 2)).toEqual([
        '2032-02-29T00:00:00.000Z',
        '2036-02-29T00:00:00.000Z',
      ]);
    });
  });

  describe('next runs', () => {
    it('starts strictly after the given instant', () => {
      expect(next('cron(0 12 * * ? *)', '2027-01-01T12:00:00Z', 1)).toEqual(['2027-01-02T12:00:00.000Z']);
      expect(next('cron(0 12 * * ? *)', '2027-01-01T11:59:59.999Z', 1)).toEqual(['2027-01-01T12:00:00.000Z']);
    });

    it('counts rate() from the schedule start, at once when none is given', () => {
      const e = parseExpression('rate(10 minutes)');
      const start = Date.parse('2027-01-01T00:00:00Z');

      const fromStart = nextRuns(e, { timeZone: 'UTC', after: start + 25 * 60_000, count: 2, start });
      const fromFuture = nextRuns(e, { timeZone: 'UTC', after: start - 60_000, count: 1, start });

      expect(fromStart.map((t) => new Date(t).toISOString())).toEqual([
        '2027-01-01T00:30:00.000Z',
        '2027-01-01T00:40:00.000Z',
      ]);
      expect(fromFuture).toEqual([start]);
    });
  });
});

describe('wall times', () => {
  it('reads digit groups, a missing one as 0', () => {
    expect(wallTimeOf(['2027', '03', '14', '09', '30', undefined])).toEqual({
      year: 2027,
      month: 3,
      day: 14,
      hour: 9,
      minute: 30,
      second: 0,
    });
  });

  it('names the part that is no real date or time of day', () => {
    const wall = { year: 2028, month: 2, day: 29, hour: 23, minute: 59, second: 59 };
    expect(wallTimeProblem(wall)).toBeUndefined();
    expect(wallTimeProblem({ ...wall, year: 2027 })).toBe('date');
    expect(wallTimeProblem({ ...wall, month: 13 })).toBe('date');
    expect(wallTimeProblem({ ...wall, day: 0 })).toBe('date');
    expect(wallTimeProblem({ ...wall, hour: 24 })).toBe('time');
    expect(wallTimeProblem({ ...wall, second: 60 })).toBe('time');
  });

  it('accepts exactly the wall times the UTC calendar maps back to themselves', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: 100, max: 9999 }),
          month: fc.integer({ min: 0, max: 13 }),
          day: fc.integer({ min: 0, max: 32 }),
          hour: fc.integer({ min: 0, max: 24 }),
          minute: fc.integer({ min: 0, max: 60 }),
          second: fc.integer({ min: 0, max: 60 }),
        }),
        (w) => {
          const back = new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second));
          const roundTrips =
            back.getUTCFullYear() === w.year &&
            back.getUTCMonth() === w.month - 1 &&
            back.getUTCDate() === w.day &&
            back.getUTCHours() === w.hour &&
            back.getUTCMinutes() === w.minute &&
            back.getUTCSeconds() === w.second;
          expect(wallTimeProblem(w) === undefined).toBe(roundTrips);
        },
      ),
    );
  });
});
