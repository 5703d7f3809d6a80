/**
 * A skipped slot found by the missed-run reconcile, end to end over the production run ledger on
 * dynalite (a real DynamoDB implementation, conditional writes included): the real scheduled-task
 * machine runs the slots that were delivered (memory ECS, simulated), one slot is never delivered,
 * and two reconcile passes record it MISSED exactly once with one alert. A late delivery of that
 * slot afterwards finds the record and starts nothing.
 */
import { reconcileMissedRuns } from '../../functions/schedules/reconcile-missed';
import { DynamoRunLedger } from '../../shared/aws/dynamo-run-ledger';
import { slotRunId } from '../../shared/domain/schedules/run-id';
import { parseScheduleSpec } from '../../shared/domain/schedules/schedule-spec';
import { startDynalite, type LocalDynamo } from '../../shared/local/dynamodb/dynalite';
import { SimulatedSchedules } from '../../shared/local/scheduler/simulated-schedules';
import {
  memoryScheduleSpec,
  runScheduled,
  scheduledInput,
  scheduleWorld,
  statesEntered,
} from '../support/memory-schedules';

const MINUTE = 60_000;
const H = 60 * MINUTE;
const DAY0 = Date.UTC(2027, 2, 15);
const hourly = (n: number) => DAY0 + n * H;
const NAME = 'hourly-report';

describe('missed runs found by the reconcile (run ledger on dynalite)', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite({ tableName: 'greenlight-missed-test' });
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('records the one slot that never ran exactly once, alerts once, and a late delivery of it runs nothing', async () => {
    // Prepare: an hourly schedule created at 00:30, its runs through the real state machine.
    const world = scheduleWorld({ now: hourly(0) + 30 * MINUTE });
    const ledger = new DynamoRunLedger({ client: dynamo.documentClient, tableName: dynamo.tableName });
    const steps = { ...world, ledger };
    const notify = jest.spyOn(world.notifier, 'notify');
    const input = memoryScheduleSpec({ name: NAME, expression: 'cron(0 * * * ? *)' });
    const schedules = new SimulatedSchedules(() => world.clock.now());
    await schedules.create(parseScheduleSpec(input));
    const deps = { schedules, ledger, notifier: world.notifier, clock: world.clock, logger: world.logger };

    // 01:00 delivered on time; 02:00 never delivered (Scheduler throttled, say); 03:00 delivered
    // 9 minutes late, within its 10-minute starting deadline.
    world.clock.time = hourly(1) + 2_000;
    expect((await runScheduled(steps, scheduledInput(input, hourly(1)))).status).toBe('SUCCEEDED');
    world.clock.time = hourly(3) + 9 * MINUTE;
    expect((await runScheduled(steps, scheduledInput(input, hourly(3)))).status).toBe('SUCCEEDED');

    // Act: two reconcile passes, five minutes apart.
    world.clock.time = hourly(3) + 20 * MINUTE;
    const first = await reconcileMissedRuns(deps);
    world.clock.advance(5 * MINUTE);
    const second = await reconcileMissedRuns(deps);

    // Assess
    expect(first.missed.map((m) => m.runId)).toEqual([slotRunId(NAME, hourly(2))]);
    expect(second.missed).toEqual([]);
    const runs = await ledger.listRuns(NAME, { now: world.clock.now() });
    expect(runs.map((r) => [new Date(r.slotAt).toISOString().slice(11, 16), r.outcome])).toEqual([
      ['03:00', 'SUCCEEDED'],
      ['02:00', 'MISSED'],
      ['01:00', 'SUCCEEDED'],
    ]);
    const missedAlerts = notify.mock.calls.filter(([n]) => n.attributes?.outcome === 'MISSED');
    expect(missedAlerts).toHaveLength(1);
    expect(await ledger.missedCheckedUntil(NAME)).toBe(hourly(3) + 15 * MINUTE);

    // A delivery of 02:00 arriving now (a redrive from the DLQ) is a duplicate: no task, no second alert.
    const tasksBefore = world.tasks.starts.length;
    const late = await runScheduled(steps, scheduledInput(input, hourly(2)));
    expect(late.status).toBe('SUCCEEDED');
    expect(statesEntered(late)).not.toContain('StartTask');
    expect(world.tasks.starts.length).toBe(tasksBefore);
    expect(notify.mock.calls.filter(([n]) => n.attributes?.outcome === 'MISSED')).toHaveLength(1);
    expect((await ledger.listRuns(NAME, { now: world.clock.now() })).length).toBe(3);
  });
});
