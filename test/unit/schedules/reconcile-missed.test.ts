import {
  MAX_ALERT_ATTEMPTS,
  missedRecord,
  reconcileMissedRuns,
  RECONCILE_EXECUTION,
  type ReconcileMissedDeps,
} from '../../../functions/schedules/reconcile-missed';
import { parseScheduleSpec } from '../../../shared/domain/schedules/schedule-spec';
import { slotRunId } from '../../../shared/domain/schedules/run-id';
import { runExpiresAt, type RunClaim } from '../../../shared/domain/schedules/run-record';
import { SimulatedSchedules } from '../../../shared/local/scheduler/simulated-schedules';
import type { DeployedSchedule } from '../../../shared/ports/schedules';
import { ManualClock, MemoryNotifier, silentLogger } from '../../support/memory-ports';
import { memoryScheduleSpec, MemoryRunLedger } from '../../support/memory-schedules';

const MINUTE = 60_000;
const H = 60 * MINUTE;
/** 2027-03-15T00:00:00Z; the schedule runs hourly, on the hour, with a 600 s starting deadline. */
const DAY0 = Date.UTC(2027, 2, 15);
const hourly = (n: number) => DAY0 + n * H;
const NAME = 'hourly-report';

function world(overrides: Parameters<typeof memoryScheduleSpec>[0] = {}) {
  const clock = new ManualClock(hourly(0) + 30 * MINUTE);
  const schedules = new SimulatedSchedules(() => clock.now());
  const ledger = new MemoryRunLedger();
  const notifier = new MemoryNotifier();
  // MemoryNotifier keeps one message per id: count the calls themselves.
  const notify = jest.spyOn(notifier, 'notify');
  const spec = parseScheduleSpec(
    memoryScheduleSpec({ name: NAME, expression: 'cron(0 * * * ? *)', ...overrides }),
  );
  const deps: ReconcileMissedDeps = { schedules, ledger, notifier, clock, logger: silentLogger() };
  return { clock, schedules, ledger, notifier, notify, spec, deps };
}

/** A delivery of the slot claimed in the ledger at `claimedAt` (as BeginRun does). */
function claimOf(slotAt: number, claimedAt: number, execution = `exec-${slotAt}`): RunClaim {
  return {
    schedule: NAME,
    runId: slotRunId(NAME, slotAt),
    trigger: 'schedule',
    slotAt,
    execution,
    cluster: 'jobs',
    startedAt: claimedAt,
    expiresAt: runExpiresAt(claimedAt, 90),
  };
}

describe('reconcileMissedRuns', () => {
  it('records a slot that never ran as MISSED once and alerts once; a second pass adds nothing', async () => {
    const { clock, schedules, ledger, notifier, notify, spec, deps } = world();
    await schedules.create(spec);
    // 01:00 ran on time; 02:00 never ran; 03:00 was delivered 9 minutes late (within the 10-minute deadline).
    await ledger.claimRun(claimOf(hourly(1), hourly(1) + 2_000));
    await ledger.claimRun(claimOf(hourly(3), hourly(3) + 9 * MINUTE));
    clock.time = hourly(3) + 30 * MINUTE;

    const first = await reconcileMissedRuns(deps);
    clock.advance(5 * MINUTE);
    const second = await reconcileMissedRuns(deps);

    expect(first).toEqual({
      checked: 1,
      missed: [
        {
          schedule: NAME,
          runId: slotRunId(NAME, hourly(2)),
          slotAt: new Date(hourly(2)).toISOString(),
          alerted: true,
        },
      ],
      alreadyRecorded: 0,
      truncated: [],
      skipped: [],
      alertsResent: [],
      alertsFailed: [],
    });
    expect(second).toEqual({
      checked: 1,
      missed: [],
      alreadyRecorded: 0,
      truncated: [],
      skipped: [],
      alertsResent: [],
      alertsFailed: [],
    });
    expect(ledger.writes.filter((w) => w.status === 'MISSED')).toEqual([
      { runId: slotRunId(NAME, hourly(2)), status: 'MISSED' },
    ]);
    const record = await ledger.getRun(NAME, slotRunId(NAME, hourly(2)), hourly(2), clock.now());
    expect(record).toMatchObject({
      status: 'MISSED',
      outcome: 'MISSED',
      trigger: 'schedule',
      slotAt: hourly(2),
      execution: RECONCILE_EXECUTION,
      attempts: [],
      taskArns: [],
      alertDelivery: { state: 'SENT', attempts: 1 },
    });
    expect(notify).toHaveBeenCalledTimes(1);
    expect(notifier.sent[0]).toMatchObject({
      id: `${NAME}/${slotRunId(NAME, hourly(2))}/MISSED`,
      attributes: { event: 'scheduled-run', schedule: NAME, outcome: 'MISSED', severity: 'high' },
    });
    expect(notifier.sent[0]!.message).toContain('that the schedule is enabled in EventBridge Scheduler');
  });

  it('waits for a slot’s starting deadline, then records it on a later pass', async () => {
    const { clock, schedules, ledger, deps } = world();
    await schedules.create(spec());
    clock.time = hourly(1) + 5 * MINUTE;
    expect((await reconcileMissedRuns(deps)).missed).toEqual([]);
    clock.time = hourly(1) + 11 * MINUTE;
    expect((await reconcileMissedRuns(deps)).missed.map((m) => m.slotAt)).toEqual([
      new Date(hourly(1)).toISOString(),
    ]);
    expect(ledger.checkedUntil.get(NAME)).toBe(hourly(1) + MINUTE);

    function spec() {
      return parseScheduleSpec(memoryScheduleSpec({ name: NAME, expression: 'cron(0 * * * ? *)' }));
    }
  });

  it('lets a delivery that claims the slot between the listing and the write win: no record, no alert', async () => {
    const { clock, schedules, ledger, notify, spec, deps } = world();
    await schedules.create(spec);
    clock.time = hourly(1) + 15 * MINUTE;
    // The claim lands after the reconcile read the window and before its conditional put.
    const runsBetween = ledger.runsBetween.bind(ledger);
    jest.spyOn(ledger, 'runsBetween').mockImplementation(async (...args) => {
      const runs = await runsBetween(...args);
      await ledger.claimRun(claimOf(hourly(1), hourly(1) + 14 * MINUTE));
      return runs;
    });
    const report = await reconcileMissedRuns(deps);
    expect(report.missed).toEqual([]);
    expect(report.alreadyRecorded).toBe(1);
    expect(notify).not.toHaveBeenCalled();
    expect((await ledger.listRuns(NAME, { now: clock.now() }))[0]?.status).toBe('RUNNING');
  });

  it('records but does not alert when the alert policy turns missed runs off', async () => {
    const { clock, schedules, ledger, notify, deps } = world({ alerts: { onMissed: false } });
    await schedules.create(
      parseScheduleSpec(
        memoryScheduleSpec({ name: NAME, expression: 'cron(0 * * * ? *)', alerts: { onMissed: false } }),
      ),
    );
    clock.time = hourly(1) + 15 * MINUTE;
    const report = await reconcileMissedRuns(deps);
    expect(report.missed.map((m) => m.alerted)).toEqual([false]);
    expect(ledger.writes.map((w) => w.status)).toEqual(['MISSED']);
    expect(notify).not.toHaveBeenCalled();
  });

  it('finds nothing missed while a schedule is suspended, nor before it existed or was resumed', async () => {
    const { clock, schedules, ledger, spec, deps } = world();
    // Created suspended at 00:30; 01:00 to 03:00 fall while it is suspended.
    await schedules.create({ ...spec, enabled: false });
    clock.time = hourly(3) + 20 * MINUTE;
    expect((await reconcileMissedRuns(deps)).missed).toEqual([]);
    // Resumed at 03:20: only 04:00 onwards can be missed.
    await schedules.update(spec);
    clock.time = hourly(4) + 20 * MINUTE;
    const report = await reconcileMissedRuns(deps);
    expect(report.missed.map((m) => m.slotAt)).toEqual([new Date(hourly(4)).toISOString()]);
    expect(ledger.writes).toHaveLength(1);
  });

  it('looks back a day at most on a schedule’s first check', async () => {
    const { clock, ledger, spec, deps } = world();
    const listed: DeployedSchedule = { name: NAME, state: 'ENABLED', spec, drift: [] };
    deps.schedules = { list: async () => [listed] };
    clock.time = hourly(72) + 30 * MINUTE;
    const report = await reconcileMissedRuns(deps);
    expect(report.missed).toHaveLength(24);
    expect(report.missed[0]!.slotAt).toBe(new Date(hourly(49)).toISOString());
    expect(ledger.checkedUntil.get(NAME)).toBe(hourly(72) + 20 * MINUTE);
  });

  it('takes a rate schedule’s phase from a run Scheduler delivered', async () => {
    const { clock, ledger, deps } = world();
    const spec = parseScheduleSpec(memoryScheduleSpec({ name: NAME, expression: 'rate(2 hours)' }));
    const listed: DeployedSchedule = {
      name: NAME,
      state: 'ENABLED',
      spec,
      drift: [],
      lastModified: hourly(0) - 7 * MINUTE,
    };
    deps.schedules = { list: async () => [listed] };
    // Delivered at 00:53 (the phase), then nothing.
    await ledger.claimRun(claimOf(hourly(1) - 7 * MINUTE, hourly(1) - 7 * MINUTE));
    clock.time = hourly(5) + 30 * MINUTE;
    const report = await reconcileMissedRuns(deps);
    expect(report.missed.map((m) => m.slotAt)).toEqual([
      new Date(hourly(3) - 7 * MINUTE).toISOString(),
      new Date(hourly(5) - 7 * MINUTE).toISOString(),
    ]);
  });

  it('skips, naming it, a schedule whose target input holds no valid spec, and checks the others', async () => {
    const { clock, spec, deps } = world();
    deps.schedules = {
      list: async () => [
        { name: 'hand-edited', state: 'ENABLED', spec: null, problem: 'spec.cluster: required', drift: [] },
        { name: NAME, state: 'ENABLED', spec, drift: [], lastModified: hourly(0) + 30 * MINUTE },
      ],
    };
    clock.time = hourly(1) + 15 * MINUTE;
    const report = await reconcileMissedRuns(deps);
    expect(report.skipped).toEqual([
      { schedule: 'hand-edited', reason: 'no valid spec: spec.cluster: required' },
    ]);
    expect(report.checked).toBe(1);
    expect(report.missed).toHaveLength(1);
  });

  it('compares a slot again on the next pass when its record could not be written', async () => {
    const { clock, schedules, ledger, notify, spec, deps } = world();
    await schedules.create(spec);
    clock.time = hourly(2) + 15 * MINUTE;
    const write = jest.spyOn(ledger, 'recordIfAbsent').mockRejectedValueOnce(new Error('throttled'));
    const first = await reconcileMissedRuns(deps);
    expect(first.missed).toEqual([]);
    expect(first.skipped).toEqual([
      { schedule: NAME, reason: `slot ${slotRunId(NAME, hourly(1))}: throttled` },
    ]);
    write.mockRestore();
    const second = await reconcileMissedRuns(deps);
    expect(second.missed.map((m) => m.slotAt)).toEqual([
      new Date(hourly(1)).toISOString(),
      new Date(hourly(2)).toISOString(),
    ]);
    expect(notify).toHaveBeenCalledTimes(2);
  });

  it('keeps the record when the alert fails, sends the alert on the next pass, once, and records the slot once', async () => {
    const { clock, schedules, ledger, notify, spec, deps } = world();
    await schedules.create(spec);
    const runId = slotRunId(NAME, hourly(1));
    clock.time = hourly(1) + 15 * MINUTE;
    notify.mockRejectedValueOnce(new Error('SNS down'));

    const first = await reconcileMissedRuns(deps);
    expect(first.missed.map((m) => m.alerted)).toEqual([false]);
    expect(first.alertsFailed).toEqual([{ runId, attempts: 1, retried: true, reason: 'SNS down' }]);
    expect((await ledger.getRun(NAME, runId, hourly(1), clock.now()))?.alertDelivery).toEqual({
      state: 'PENDING',
      attempts: 1,
      lastError: 'SNS down',
    });

    clock.advance(5 * MINUTE);
    const second = await reconcileMissedRuns(deps);
    expect(second.missed).toEqual([]);
    expect(second.alertsResent).toEqual([runId]);
    expect(notify).toHaveBeenCalledTimes(2);
    expect(notify.mock.calls[1]![0].subject).toContain('MISSED');
    expect((await ledger.getRun(NAME, runId, hourly(1), clock.now()))?.alertDelivery).toEqual({
      state: 'SENT',
      attempts: 2,
    });

    clock.advance(5 * MINUTE);
    expect((await reconcileMissedRuns(deps)).alertsResent).toEqual([]);
    expect(notify).toHaveBeenCalledTimes(2);
    expect(ledger.writes).toEqual([{ runId, status: 'MISSED' }]);
  });

  it(`gives up on an alert after ${MAX_ALERT_ATTEMPTS} failed sends, one per pass`, async () => {
    const { clock, schedules, ledger, notify, spec, deps } = world();
    await schedules.create(spec);
    const runId = slotRunId(NAME, hourly(1));
    clock.time = hourly(1) + 15 * MINUTE;
    notify.mockRejectedValue(new Error('SNS down'));

    for (let pass = 1; pass <= MAX_ALERT_ATTEMPTS + 2; pass++) {
      await reconcileMissedRuns(deps);
      clock.advance(5 * MINUTE);
    }

    expect(notify).toHaveBeenCalledTimes(MAX_ALERT_ATTEMPTS);
    expect((await ledger.getRun(NAME, runId, hourly(1), clock.now()))?.alertDelivery).toMatchObject({
      state: 'GAVE_UP',
      attempts: MAX_ALERT_ATTEMPTS,
    });
  });

  it('builds the MISSED record with the spec’s retention and no task', () => {
    const spec = parseScheduleSpec(memoryScheduleSpec({ name: NAME, historyTtlDays: 7 }));
    const record = missedRecord(spec, hourly(1), hourly(1) + 20 * MINUTE);
    expect(record).toMatchObject({
      runId: slotRunId(NAME, hourly(1)),
      outcome: 'MISSED',
      durationMs: 0,
      expiresAt: hourly(1) + 20 * MINUTE + 7 * 24 * H,
      failures: [],
      exitCodes: {},
    });
    expect(record.reason).toContain('starting deadline of 600 s');
  });
});
