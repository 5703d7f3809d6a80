/**
 * Next run times against brute force: small generated EventBridge expressions, whose value sets the
 * generator knows without parsing, are checked minute by minute (or day by day) over a bounded
 * range with a matcher written here from AWS's documented semantics, not the one in the domain.
 */
import fc from 'fast-check';
import { parseExpression } from '../../../shared/domain/schedules/expression';
import { nextRuns } from '../../../shared/domain/schedules/next-runs';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Field {
  text: string;
  values: number[];
}

const span = (min: number, max: number, step = 1): number[] =>
  Array.from({ length: Math.floor((max - min) / step) + 1 }, (_, i) => min + i * step);

/**
 * One EventBridge field over [min, max] with `*`, values, lists, ranges and increments; single
 * values, lists and range ends are drawn from [lo, hi] (a part of the field, to aim at DST hours).
 */
function fieldArb(
  min: number,
  max: number,
  options: { steps?: boolean; names?: string[]; lo?: number; hi?: number } = {},
): fc.Arbitrary<Field> {
  const name = (v: number) => (options.names ? options.names[v - min]! : String(v));
  const value = fc.integer({ min: options.lo ?? min, max: options.hi ?? max });
  const orderedPair = fc.tuple(value, value).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
  const items: fc.Arbitrary<Field>[] = [
    fc.constant({ text: '*', values: span(min, max) }),
    value.map((v) => ({ text: String(v), values: [v] })),
    fc.uniqueArray(value, { minLength: 2, maxLength: 3 }).map((vs) => ({
      text: vs.join(','),
      values: [...vs].sort((a, b) => a - b),
    })),
    orderedPair.map(([a, b]) => ({ text: `${a}-${b}`, values: span(a, b) })),
  ];
  if (options.names) {
    items.push(orderedPair.map(([a, b]) => ({ text: `${name(a)}-${name(b)}`, values: span(a, b) })));
  }
  if (options.steps) {
    const step = fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min) / 2)) });
    items.push(
      fc.tuple(value, step).map(([a, s]) => ({ text: `${a}/${s}`, values: span(a, max, s) })),
      step.map((s) => ({ text: `*/${s}`, values: span(min, max, s) })),
      fc.tuple(orderedPair, step).map(([[a, b], s]) => ({ text: `${a}-${b}/${s}`, values: span(a, b, s) })),
    );
  }
  return fc.oneof(...items);
}

const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Local wall-clock parts, read with Intl here so that the test does not lean on the domain's helpers. */
function wallClock(timeZone: string) {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  return (t: number) => {
    const parts = Object.fromEntries(f.formatToParts(t).map((p) => [p.type, Number(p.value)]));
    const { year, month, day, hour, minute } = parts as Record<string, number>;
    const weekday = new Date(Date.UTC(year!, month! - 1, day!)).getUTCDay() + 1; // 1–7 = SUN–SAT
    return { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, weekday };
  };
}

/** Zones with DST changes (whole hour, half hour, southern hemisphere) and some without. */
const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Australia/Sydney',
  'Asia/Kolkata',
  'UTC',
];

/** Around DST changes of 2027 (and a few ordinary days), as UTC instants. */
const WINDOW_STARTS = [
  '2027-03-13T20:00:00Z',
  '2027-03-27T20:00:00Z',
  '2027-04-03T10:00:00Z',
  '2027-09-04T10:00:00Z',
  '2027-10-02T10:00:00Z',
  '2027-10-30T20:00:00Z',
  '2027-11-06T20:00:00Z',
  '2027-06-15T00:00:00Z',
].map(Date.parse);

type Wall = ReturnType<ReturnType<typeof wallClock>>;

interface DayFields {
  dom: string;
  dow: string;
  test: (w: Wall) => boolean;
}

const minuteLevelCase = fc.record({
  minutes: fieldArb(0, 59, { steps: true }),
  // Hours near the usual DST change times, so gaps and overlaps are hit often.
  hours: fc.oneof(fieldArb(0, 23, { steps: true, lo: 0, hi: 4 }), fieldArb(0, 23, { steps: true })),
  days: fc.oneof<fc.Arbitrary<DayFields>[]>(
    fc.constant({ dom: '*', dow: '?', test: () => true }),
    fieldArb(1, 7, { names: WEEKDAY_NAMES }).map((f) => ({
      dom: '?',
      dow: f.text,
      test: (w: Wall) => f.values.includes(w.weekday),
    })),
    fieldArb(1, 31, { steps: true }).map((f) => ({
      dom: f.text,
      dow: '?',
      test: (w: Wall) => f.values.includes(w.day),
    })),
  ),
  year: fc.constantFrom<Field[]>({ text: '*', values: span(1970, 2199) }, { text: '2027', values: [2027] }),
  zone: fc.constantFrom(...ZONES),
  windowStart: fc.constantFrom(...WINDOW_STARTS),
  fromOffsetMs: fc.integer({ min: 0, max: 6 * HOUR }),
});

describe('next runs (property tests against brute force)', () => {
  it('finds exactly the minutes a brute-force scan finds, across DST changes, each once', () => {
    fc.assert(
      fc.property(minuteLevelCase, (c) => {
        // Prepare
        const text = `cron(${c.minutes.text} ${c.hours.text} ${c.days.dom} * ${c.days.dow} ${c.year.text})`;
        const from = c.windowStart + c.fromOffsetMs + 17_000; // not on a minute boundary
        const end = c.windowStart + 36 * HOUR;
        const read = wallClock(c.zone);
        const expected: number[] = [];
        const seen = new Set<string>();
        // Start 3 h early so that a wall time first shown before `from` counts as already run.
        for (let t = Math.floor((from - 3 * HOUR) / MINUTE) * MINUTE; t <= end; t += MINUTE) {
          const w = read(t);
          const key = `${w.year}-${w.month}-${w.day} ${w.hour}:${w.minute}`;
          const first = !seen.has(key);
          seen.add(key);
          const matches =
            c.minutes.values.includes(w.minute) &&
            c.hours.values.includes(w.hour) &&
            c.year.values.includes(w.year) &&
            c.days.test(w);
          if (t > from && first && matches) expected.push(t);
        }

        // Act
        const runs = nextRuns(parseExpression(text), {
          timeZone: c.zone,
          after: from,
          count: expected.length + 1,
        });

        // Assess
        runs.forEach((t, i) => {
          expect(t).toBeGreaterThan(i === 0 ? from : runs[i - 1]!);
        });
        expect(runs.filter((t) => t <= end).map((t) => new Date(t).toISOString())).toEqual(
          expected.map((t) => new Date(t).toISOString()),
        );
      }),
      { numRuns: 60 },
    );
  });

  /** Independent readings of AWS's special days, for a local date. */
  const specialDays = {
    L: (y: number, m: number, d: number) => d === daysIn(y, m),
    LW: (y: number, m: number, d: number) => d === closestWeekday(y, m, daysIn(y, m)),
    W: (n: number) => (y: number, m: number, d: number) => n <= daysIn(y, m) && d === closestWeekday(y, m, n),
    nth: (dow: number, n: number) => (y: number, m: number, d: number) =>
      weekday(y, m, d) === dow && Math.floor((d - 1) / 7) + 1 === n,
    lastOf: (dow: number) => (y: number, m: number, d: number) =>
      weekday(y, m, d) === dow && d > daysIn(y, m) - 7,
  };
  function daysIn(y: number, m: number): number {
    return new Date(Date.UTC(y, m, 0)).getUTCDate();
  }
  function weekday(y: number, m: number, d: number): number {
    return new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;
  }
  /** The Monday–Friday day of the month closest to day n (weekends have 2 days, so no ties). */
  function closestWeekday(y: number, m: number, n: number): number {
    const weekdays = span(1, daysIn(y, m)).filter((d) => weekday(y, m, d) >= 2 && weekday(y, m, d) <= 6);
    return weekdays.reduce((best, d) => (Math.abs(d - n) < Math.abs(best - n) ? d : best));
  }

  const specialCase = fc.record({
    day: fc.oneof(
      fc.constant({ dom: 'L', dow: '?', test: specialDays.L }),
      fc.constant({ dom: 'LW', dow: '?', test: specialDays.LW }),
      fc.integer({ min: 1, max: 31 }).map((n) => ({ dom: `${n}W`, dow: '?', test: specialDays.W(n) })),
      fc
        .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }))
        .map(([dow, n]) => ({ dom: '?', dow: `${dow}#${n}`, test: specialDays.nth(dow, n) })),
      fc
        .integer({ min: 1, max: 7 })
        .map((dow) => ({ dom: '?', dow: `${dow}L`, test: specialDays.lastOf(dow) })),
    ),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.constantFrom(0, 30, 59),
    // Zones without DST: the wall time maps to one instant with a fixed offset.
    zone: fc.constantFrom(
      { name: 'UTC', offset: 0 },
      { name: 'Asia/Tokyo', offset: 540 },
      { name: 'Asia/Kolkata', offset: 330 },
    ),
    fromDay: fc.integer({ min: 0, max: 3 * 365 }),
  });

  it('finds the special days L, LW, W, # and nL that a day-by-day scan finds', () => {
    fc.assert(
      fc.property(specialCase, (c) => {
        // Prepare
        const text = `cron(${c.minute} ${c.hour} ${c.day.dom} * ${c.day.dow} *)`;
        const firstDay = Date.UTC(2027, 0, 1) + c.fromDay * DAY;
        const from = firstDay - c.zone.offset * MINUTE; // local midnight
        const days = 400;
        const expected: number[] = [];
        for (let i = 0; i < days; i++) {
          const date = new Date(firstDay + i * DAY);
          const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
          const instant = Date.UTC(y, m - 1, d, c.hour, c.minute) - c.zone.offset * MINUTE;
          if (c.day.test(y, m, d) && instant > from) expected.push(instant);
        }
        const end = from + days * DAY;

        // Act
        const runs = nextRuns(parseExpression(text), {
          timeZone: c.zone.name,
          after: from,
          count: expected.length + 1,
        });

        // Assess
        expect(runs.filter((t) => t < end)).toEqual(expected);
      }),
      { numRuns: 80 },
    );
  });

  it('counts rate() in fixed intervals from the start, whatever the zone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom('minute', 'hour', 'day'),
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 10 ** 9 }),
        fc.integer({ min: 0, max: 10 ** 10 }),
        (value, unit, zone, startOffset, afterOffset) => {
          const unitMs = { minute: MINUTE, hour: HOUR, day: DAY }[unit];
          const text = `rate(${value} ${unit}${value === 1 ? '' : 's'})`;
          const start = Date.parse('2027-01-01T00:00:00Z') + startOffset;
          const after = start + afterOffset;

          const runs = nextRuns(parseExpression(text), { timeZone: zone, after, count: 3, start });

          expect(runs[0]).toBeGreaterThan(after);
          expect(runs[0]! - after).toBeLessThanOrEqual(value * unitMs);
          runs.forEach((t) => expect((t - start) % (value * unitMs)).toBe(0));
          expect(runs[2]! - runs[0]!).toBe(2 * value * unitMs);
        },
      ),
      { numRuns: 200 },
    );
  });
});
