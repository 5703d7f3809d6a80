/** The local scheduler on the in-memory doubles: slots from the expression, Scheduler's input, at-least-once delivery. */
import { LocalScheduler, scheduledTimeText } from '../../shared/local/scheduler/local-scheduler';
import { ScaledClock } from '../../shared/local/scheduler/scaled-clock';
import { memoryScheduleSpec, scheduleWorld } from '../support/memory-schedules';

const START = Date.UTC(2027, 2, 15, 6, 29, 55);
const SLOT = Date.UTC(2027, 2, 15, 6, 30, 0);

describe('ScaledClock', () => {
  it('runs `scale` times faster than the wall clock from its start', () => {
    let wall = 1_000;
    const clock = new ScaledClock(START, 20, () => wall);
    wall += 150;
    expect(clock.now()).toBe(START + 3_000);
    expect(clock.wallMs(60_000)).toBe(3_000);
    expect(() => new ScaledClock(START, 0)).toThrow(/time scale/);
  });
});

describe('LocalScheduler', () => {
  it('fires each slot of the window with Scheduler’s input; a duplicate delivery starts no second task', async () => {
    // Prepare: rate(1 minute) from 06:30, two deliveries of each slot, a window of two slots
    // (overlap allow: at ×100 a busy event loop could make the first run outlast the next slot).
    const world = scheduleWorld();
    const clock = new ScaledClock(START, 100);
    const deps = { ...world, clock };
    const inputs: unknown[] = [];
    const spec = memoryScheduleSpec({ expression: 'rate(1 minute)', overlap: 'allow' });
    const scheduler = new LocalScheduler({
      schedules: [{ spec, startDate: SLOT, deliveries: 2 }],
      deps,
      clock,
      from: START,
      until: SLOT + 90_000,
      onEvent: (_d, e) => {
        if (e.type === 'StateEntered' && e.state === 'BeginRun') inputs.push(e.input);
      },
    });
    // Act
    scheduler.start();
    const deliveries = await scheduler.settled();
    // Assess
    expect(deliveries.map((d) => d.scheduledTime)).toEqual([
      '2027-03-15T06:30:00Z',
      '2027-03-15T06:30:00Z',
      '2027-03-15T06:31:00Z',
      '2027-03-15T06:31:00Z',
    ]);
    expect(new Set(deliveries.map((d) => d.executionName)).size).toBe(4);
    expect(inputs[0]).toEqual({ spec, trigger: 'schedule', scheduledTime: '2027-03-15T06:30:00Z' });
    expect(world.tasks.tasks.size).toBe(2);
    expect([...world.ledger.runs.values()].map((r) => [r.runId, r.outcome])).toEqual([
      ['nightly-report_20270315T063000Z', 'SUCCEEDED'],
      ['nightly-report_20270315T063100Z', 'SUCCEEDED'],
    ]);
    const ends = deliveries.map((d) => d.result?.status);
    expect(ends).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('fires nothing for a disabled schedule, and nothing past the window', async () => {
    const world = scheduleWorld();
    const clock = new ScaledClock(START, 100);
    const scheduler = new LocalScheduler({
      schedules: [
        { spec: memoryScheduleSpec({ name: 'off', enabled: false, expression: 'rate(1 minute)' }) },
        { spec: memoryScheduleSpec({ name: 'later', expression: 'cron(0 7 * * ? *)' }) },
      ],
      deps: { ...world, clock },
      clock,
      until: SLOT + 60_000,
    });
    scheduler.start();
    expect(await scheduler.settled()).toEqual([]);
    expect(world.ledger.runs.size).toBe(0);
  });

  it('refuses a bad spec before firing, naming the field', () => {
    const world = scheduleWorld();
    const clock = new ScaledClock(START, 100);
    expect(
      () =>
        new LocalScheduler({
          schedules: [{ spec: memoryScheduleSpec({ expression: 'cron(61 6 * * ? *)' }) }],
          deps: { ...world, clock },
          clock,
          until: SLOT,
        }),
    ).toThrow(/schedules\[0\]\.expression/);
  });

  it('writes the scheduled time as Scheduler does', () => {
    expect(scheduledTimeText(SLOT)).toBe('2027-03-15T06:30:00Z');
  });
});
