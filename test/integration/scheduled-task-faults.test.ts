/**
 * The fault matrix of the scheduled-task machine: every port call (DynamoDB, ECS, SNS) of every
 * Task state of every scenario fails once in each way (test/support/scheduled-task-faults.ts), and
 * the machine must still release the guard, record the run once with a terminal status and leave
 * no task running. The whole matrix runs here (a few seconds); `npm run bench -- faults` prints it.
 */
import { slotRunId } from '../../shared/domain/schedules/run-id';
import {
  runScheduleWithFault,
  SCHEDULE_FAULT_KINDS,
  SCHEDULE_SCENARIOS,
  scheduleCallSites,
  scheduleFaultMatrix,
  scheduleInvariantViolations,
} from '../support/scheduled-task-faults';
import { memoryScheduleSpec, scheduleWorld, SLOT } from '../support/memory-schedules';

describe('scheduled-task fault matrix', () => {
  it('finds the AWS calls of every Task state the scenarios go through', async () => {
    const states = new Set<string>();
    for (const scenario of SCHEDULE_SCENARIOS)
      for (const site of await scheduleCallSites(scenario)) states.add(`${site.state} ${site.call}`);
    expect([...states].sort()).toEqual(
      expect.arrayContaining([
        'AcquireGuard ledger.acquireGuard',
        'BeginRun ledger.claimRun',
        'CheckTask tasks.describe',
        'Notify notifier.notify',
        'RecordRun ledger.recordRun',
        'ReleaseGuard ledger.releaseGuard',
        'StartTask tasks.start',
        'StartTask ledger.setGuardTask',
        'StopPreviousRun tasks.stop',
        'StopTimedOutTask tasks.stop',
        'TakeOverGuard ledger.takeOverGuard',
      ]),
    );
  });

  it('reports the violations of a run left unsafe', async () => {
    const world = scheduleWorld();
    const spec = memoryScheduleSpec();
    const runId = slotRunId('nightly-report', SLOT);
    await world.ledger.acquireGuard('nightly-report', runId, 60_000, world.clock.now());
    await world.tasks.start({
      cluster: 'jobs',
      taskDefinition: 'report',
      startedBy: 'x',
      clientToken: 'orphan',
      tags: [],
    });
    const violations = scheduleInvariantViolations(
      { name: 'unsafe', spec, guarded: true },
      world,
      new Set(),
      { concurrent: [['arn:other']] },
    );
    expect(violations).toEqual([
      'guard left held by the run',
      '0 records of the run',
      'task arn:aws:ecs:us-east-1:123456789012:task/jobs/t0001 left running',
      'task started while arn:other ran',
    ]);
  });

  it('keeps every invariant whatever AWS call of whatever state fails, in every way', async () => {
    const points = await scheduleFaultMatrix();
    const failures: string[] = [];
    const kinds = new Set<string>();
    for (const { scenario, point } of points) {
      const run = await runScheduleWithFault(scenario, point);
      kinds.add(point.kind);
      if (run.violations.length > 0)
        failures.push(
          `${scenario.name} / ${point.state} ${point.call} ${point.kind}: ${run.violations.join('; ')}`,
        );
    }
    expect(failures).toEqual([]);
    expect([...kinds].sort()).toEqual([...SCHEDULE_FAULT_KINDS].sort());
    expect(points.length).toBeGreaterThan(300);
  }, 60_000);

  it('does not leave the task running when RunTask took effect and the step then died', async () => {
    const success = SCHEDULE_SCENARIOS.find((s) => s.name === 'success')!;
    const start = (await scheduleCallSites(success)).find((s) => s.call === 'tasks.start')!;
    for (const kind of ['timeout', 'crash'] as const) {
      const run = await runScheduleWithFault(success, { ...start, kind });
      // Tried again: the same idempotency token gives back the started task, which is then watched.
      expect({ kind, outcome: run.outcome, violations: run.violations }).toEqual({
        kind,
        outcome: 'SUCCEEDED',
        violations: [],
      });
    }
  });

  it('stops the task when it cannot be noted under the guard', async () => {
    const success = SCHEDULE_SCENARIOS.find((s) => s.name === 'success')!;
    const note = (await scheduleCallSites(success)).find((s) => s.call === 'ledger.setGuardTask')!;
    const run = await runScheduleWithFault(success, { ...note, kind: '5xx' });
    expect(run.outcome).toBe('FAILED_TO_START');
    expect(run.violations).toEqual([]);
  });
});
