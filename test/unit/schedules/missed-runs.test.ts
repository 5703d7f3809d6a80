import fc from 'fast-check';
import { missedRuns, MAX_SLOTS_PER_CHECK } from '../../../shared/domain/schedules/missed-runs';

const H = 3_600_000;
const DAY0 = Date.UTC(2027, 2, 15);
const spec = {
  expression: 'cron(0 * * * ? *)',
  timezone: 'UTC',
  enabled: true,
  startingDeadlineSeconds: 600,
};
const hourly = (n: number) => DAY0 + n * H;

describe('missedRuns', () => {
  it('finds the hourly slots with no scheduled run, once their deadline has passed', () => {
    const result = missedRuns({
      spec,
      window: { from: hourly(0), to: hourly(6) },
      // 01:00 and 03:00 ran; 02:00 only has a manual run (which does not stand in for the slot).
      runs: [
        { slotAt: hourly(1), trigger: 'schedule' },
        { slotAt: hourly(2), trigger: 'manual' },
        { slotAt: hourly(3), trigger: 'schedule' },
      ],
      // 06:05: the 06:00 slot is still within its 600 s deadline.
      now: hourly(6) + 5 * 60_000,
    });
    // Compared up to 05:55 (now less the deadline): the next check starts there.
    expect(result).toEqual({
      missed: [hourly(2), hourly(4), hourly(5)],
      truncated: false,
      checkedUntil: hourly(6) + 5 * 60_000 - 600_000,
    });
  });

  it('finds nothing for a disabled schedule or an empty window', () => {
    const base = { window: { from: hourly(0), to: hourly(6) }, runs: [], now: hourly(7) };
    expect(missedRuns({ ...base, spec: { ...spec, enabled: false } }).missed).toEqual([]);
    expect(missedRuns({ ...base, spec, window: { from: hourly(3), to: hourly(3) } }).missed).toEqual([]);
  });

  it('counts rate slots from the start date', () => {
    const result = missedRuns({
      spec: { ...spec, expression: 'rate(2 hours)' },
      window: { from: hourly(0), to: hourly(8) },
      runs: [{ slotAt: hourly(3), trigger: 'schedule' }],
      now: hourly(9),
      startDate: hourly(1),
    });
    expect(result.missed).toEqual([hourly(1), hourly(5), hourly(7)]);
  });

  it('says when the window held more slots than one check compares', () => {
    const result = missedRuns({
      spec: { ...spec, expression: 'rate(1 minute)' },
      window: { from: DAY0, to: DAY0 + 2 * 24 * H },
      runs: [],
      now: DAY0 + 3 * 24 * H,
      startDate: DAY0,
    });
    expect(result.truncated).toBe(true);
    expect(result.missed).toHaveLength(MAX_SLOTS_PER_CHECK);
    // The next check resumes after the last slot compared.
    expect(result.checkedUntil).toBe(DAY0 + MAX_SLOTS_PER_CHECK * 60_000);
  });

  it('property: missed and ran partition the due slots of the window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 48 }),
        fc.integer({ min: 1, max: 48 }),
        fc.subarray(Array.from({ length: 100 }, (_, i) => i)),
        (fromHour, hours, ranHours) => {
          const window = { from: hourly(fromHour), to: hourly(fromHour + hours) };
          const runs = ranHours.map((h) => ({ slotAt: hourly(h), trigger: 'schedule' as const }));
          const { missed } = missedRuns({ spec, window, runs, now: hourly(200) });
          const due = Array.from({ length: hours }, (_, i) => hourly(fromHour + i + 1));
          const ran = new Set(runs.map((r) => r.slotAt));
          expect(missed).toEqual(due.filter((s) => !ran.has(s)));
        },
      ),
    );
  });

  it('property: checks that each start where the previous one stopped find what one check of the whole span finds', () => {
    fc.assert(
      fc.property(
        fc.subarray(Array.from({ length: 60 }, (_, i) => i)),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 12 }),
        (ranHours, stepsMinutes) => {
          const runs = ranHours.map((h) => ({ slotAt: hourly(h), trigger: 'schedule' as const }));
          const start = hourly(0);
          let now = start;
          let from = start;
          const found: number[] = [];
          for (const minutes of stepsMinutes) {
            now += minutes * 60_000;
            const result = missedRuns({ spec, window: { from, to: now }, runs, now });
            found.push(...result.missed);
            expect(result.checkedUntil).toBeGreaterThanOrEqual(from);
            from = result.checkedUntil;
          }
          const whole = missedRuns({ spec, window: { from: start, to: now }, runs, now });
          expect(found).toEqual(whole.missed);
        },
      ),
    );
  });
});
