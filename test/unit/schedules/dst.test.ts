/**
 * Daylight saving time, as AWS documents EventBridge Scheduler: in a time zone, a slot that does
 * not exist (spring forward) is skipped, a wall time the clocks show twice (fall back) runs once,
 * and rate expressions are fixed intervals that ignore the zone. The first block pins what croner
 * does on its own, which is why next-runs.ts checks each of its answers.
 */
import { Cron } from 'croner';
import { parseExpression } from '../../../shared/domain/schedules/expression';
import { nextRuns } from '../../../shared/domain/schedules/next-runs';
import { formatLocal, instantsOf, isFirstOccurrence } from '../../../shared/domain/schedules/zoned-time';

const NEW_YORK = 'America/New_York';
const BERLIN = 'Europe/Berlin';

const iso = (t: number | Date): string => new Date(t).toISOString();

/** The next runs as local times with their offsets. */
const local = (text: string, timeZone: string, from: string, count = 4): string[] =>
  nextRuns(parseExpression(text), { timeZone, after: Date.parse(from), count }).map((t) =>
    formatLocal(t, timeZone),
  );

describe('croner 10 on its own (why its answers are checked)', () => {
  const croner = (pattern: string, timeZone: string) =>
    new Cron(pattern, { timezone: timeZone, paused: true });

  it('moves a spring-forward slot to the next hour instead of skipping it', () => {
    // 2027-03-14 02:30 does not exist in New York; croner answers 03:30 EDT (07:30Z).
    const runs = croner('0 30 2 * * *', NEW_YORK).nextRuns(3, new Date('2027-03-13T08:00:00Z'));

    expect(runs.map(iso)).toEqual([
      '2027-03-14T07:30:00.000Z',
      '2027-03-15T06:30:00.000Z',
      '2027-03-16T06:30:00.000Z',
    ]);
  });

  it('runs a fall-back wall time once, the first time', () => {
    const runs = croner('0 30 1 * * *', NEW_YORK).nextRuns(2, new Date('2027-11-07T04:00:00Z'));

    expect(runs.map(iso)).toEqual(['2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z']);
  });

  it('answers with an earlier time when asked from inside the repeated hour', () => {
    // 06:10Z is 01:10 EST, the second pass of 01:xx; croner returns 01:30 EDT, 40 minutes before.
    const next = croner('0 30 1 * * *', NEW_YORK).nextRun(new Date('2027-11-07T06:10:00Z'));

    expect(iso(next!)).toBe('2027-11-07T05:30:00.000Z');
  });
});

describe('daylight saving time in next runs', () => {
  describe('America/New_York', () => {
    it('skips 02:30 on 2027-03-14, when clocks jump from 02:00 to 03:00', () => {
      expect(local('cron(30 2 * * ? *)', NEW_YORK, '2027-03-12T12:00:00Z')).toEqual([
        '2027-03-13 02:30:00 -05:00',
        '2027-03-15 02:30:00 -04:00',
        '2027-03-16 02:30:00 -04:00',
        '2027-03-17 02:30:00 -04:00',
      ]);
    });

    it('skips each minute of the missing hour but keeps 03:00', () => {
      expect(local('cron(0/20 2-3 14 MAR ? 2027)', NEW_YORK, '2027-03-14T00:00:00Z', 10)).toEqual([
        '2027-03-14 03:00:00 -04:00',
        '2027-03-14 03:20:00 -04:00',
        '2027-03-14 03:40:00 -04:00',
      ]);
    });

    it('runs 01:30 once on 2027-11-07, when 01:00–02:00 happens twice', () => {
      expect(local('cron(30 1 * * ? *)', NEW_YORK, '2027-11-06T12:00:00Z', 3)).toEqual([
        '2027-11-07 01:30:00 -04:00',
        '2027-11-08 01:30:00 -05:00',
        '2027-11-09 01:30:00 -05:00',
      ]);
    });

    it('does not run the repeated 01:30 when asked from the second pass of the hour', () => {
      // 06:10Z is 01:10 EST: 01:30 already ran at 05:30Z (EDT).
      expect(local('cron(30 1 * * ? *)', NEW_YORK, '2027-11-07T06:10:00Z', 1)).toEqual([
        '2027-11-08 01:30:00 -05:00',
      ]);
    });

    it('runs an hourly schedule once per wall-clock hour across the fall back', () => {
      expect(local('cron(0 * * * ? *)', NEW_YORK, '2027-11-07T04:30:00Z', 3)).toEqual([
        '2027-11-07 01:00:00 -04:00',
        '2027-11-07 02:00:00 -05:00',
        '2027-11-07 03:00:00 -05:00',
      ]);
    });
  });

  describe('Europe/Berlin', () => {
    it('skips 02:30 on 2027-03-28, when clocks jump from 02:00 to 03:00', () => {
      expect(local('cron(30 2 * * ? *)', BERLIN, '2027-03-27T00:00:00Z', 3)).toEqual([
        '2027-03-27 02:30:00 +01:00',
        '2027-03-29 02:30:00 +02:00',
        '2027-03-30 02:30:00 +02:00',
      ]);
    });

    it('runs 02:30 once on 2027-10-31, when 02:00–03:00 happens twice', () => {
      expect(local('cron(30 2 * * ? *)', BERLIN, '2027-10-30T12:00:00Z', 2)).toEqual([
        '2027-10-31 02:30:00 +02:00',
        '2027-11-01 02:30:00 +01:00',
      ]);
    });
  });

  it('handles a half-hour shift (Australia/Lord_Howe, 2027-10-03 02:00 → 02:30)', () => {
    expect(local('cron(15 2 * * ? *)', 'Australia/Lord_Howe', '2027-10-01T12:00:00Z', 3)).toEqual([
      '2027-10-02 02:15:00 +10:30',
      '2027-10-04 02:15:00 +11:00',
      '2027-10-05 02:15:00 +11:00',
    ]);
  });

  describe('rate(1 day)', () => {
    it('is a fixed 24 h interval, so it moves by an hour of local time across a DST change', () => {
      const e = parseExpression('rate(1 day)');
      const start = Date.parse('2027-03-12T14:00:00Z'); // 09:00 EST

      const runs = nextRuns(e, { timeZone: NEW_YORK, after: start, count: 3, start });

      expect(runs.map((t) => formatLocal(t, NEW_YORK))).toEqual([
        '2027-03-13 09:00:00 -05:00',
        '2027-03-14 10:00:00 -04:00',
        '2027-03-15 10:00:00 -04:00',
      ]);
      expect(runs.map((t, i) => (i ? t - runs[i - 1]! : 0))).toEqual([0, 86_400_000, 86_400_000]);
    });

    it('does the same in Berlin in the autumn', () => {
      const e = parseExpression('rate(1 day)');
      const start = Date.parse('2027-10-30T08:00:00Z'); // 10:00 CEST

      const runs = nextRuns(e, { timeZone: BERLIN, after: start, count: 2, start });

      expect(runs.map((t) => formatLocal(t, BERLIN))).toEqual([
        '2027-10-31 09:00:00 +01:00',
        '2027-11-01 09:00:00 +01:00',
      ]);
    });
  });

  describe('at()', () => {
    it('is the wall time in the zone', () => {
      expect(local('at(2027-03-15T02:30:00)', NEW_YORK, '2027-03-01T00:00:00Z')).toEqual([
        '2027-03-15 02:30:00 -04:00',
      ]);
    });

    it('takes the first of a wall time shown twice', () => {
      expect(local('at(2027-11-07T01:30:00)', NEW_YORK, '2027-11-01T00:00:00Z')).toEqual([
        '2027-11-07 01:30:00 -04:00',
      ]);
    });

    it('refuses a wall time that does not exist in the zone', () => {
      expect(() => local('at(2027-03-14T02:30:00)', NEW_YORK, '2027-03-01T00:00:00Z')).toThrow(
        'expression: at(2027-03-14T02:30:00) does not exist in America/New_York',
      );
    });
  });
});

describe('zoned time', () => {
  it('finds no instant for a gap, two for an overlap, one otherwise', () => {
    const wall = (month: number, day: number, hour: number) => ({
      year: 2027,
      month,
      day,
      hour,
      minute: 30,
      second: 0,
    });

    expect(instantsOf(wall(3, 14, 2), NEW_YORK)).toEqual([]);
    expect(instantsOf(wall(11, 7, 1), NEW_YORK).map(iso)).toEqual([
      '2027-11-07T05:30:00.000Z',
      '2027-11-07T06:30:00.000Z',
    ]);
    expect(instantsOf(wall(11, 8, 1), NEW_YORK).map(iso)).toEqual(['2027-11-08T06:30:00.000Z']);
  });

  it('tells the first pass of a repeated hour from the second', () => {
    expect(isFirstOccurrence(Date.parse('2027-11-07T05:30:00Z'), NEW_YORK)).toBe(true);
    expect(isFirstOccurrence(Date.parse('2027-11-07T06:30:00Z'), NEW_YORK)).toBe(false);
    expect(isFirstOccurrence(Date.parse('2027-11-07T07:30:00Z'), NEW_YORK)).toBe(true);
  });

  it('formats a local time with its offset', () => {
    expect(formatLocal(Date.parse('2027-03-15T06:30:00Z'), NEW_YORK)).toBe('2027-03-15 02:30:00 -04:00');
    expect(formatLocal(Date.parse('2027-10-01T15:45:00Z'), 'Australia/Lord_Howe')).toBe(
      '2027-10-02 02:15:00 +10:30',
    );
    expect(formatLocal(Date.parse('2027-10-02T15:45:00Z'), 'Australia/Lord_Howe')).toBe(
      '2027-10-03 02:45:00 +11:00',
    );
    expect(formatLocal(Date.parse('2027-01-01T00:00:00Z'), 'Asia/Kathmandu')).toBe(
      '2027-01-01 05:45:00 +05:45',
    );
  });
});
