import type { RunRecord } from '../../shared/domain/schedules/run-record';
import {
  memoryScheduleSpec,
  REPORT_TASK_DEFINITION,
  runScheduled,
  scheduledInput,
  scheduleWorld,
  SLOT,
  slotTime,
  statesEntered,
  type ScheduleWorld,
} from '../support/memory-schedules';

const RUN_ID = 'nightly-report_20270315T063000Z';
const HOUR = 3_600_000;

/** What every ended run must leave: no guard held, no run left RUNNING, one final write per run. */
function expectSettled(world: ScheduleWorld) {
  expect(world.ledger.guards.size).toBe(0);
  for (const run of world.ledger.runs.values())
    expect({ runId: run.runId, status: run.status }).not.toMatchObject({ status: 'RUNNING' });
  const finals = world.ledger.writes.filter((w) => w.status !== 'RUNNING').map((w) => w.runId);
  expect(new Set(finals).size).toBe(finals.length);
}

function onlyRun(world: ScheduleWorld): RunRecord {
  expect(world.ledger.runs.size).toBe(1);
  return [...world.ledger.runs.values()][0]!;
}

/** Resolves once the world has started `count` tasks (the other execution runs meanwhile). */
async function untilStarted(world: ScheduleWorld, count: number) {
  for (let i = 0; i < 2000 && world.tasks.tasks.size < count; i++) await new Promise((r) => setTimeout(r, 2));
  expect(world.tasks.tasks.size).toBe(count);
}

describe('scheduled-task state machine', () => {
  it('runs a job that exits 0 under the guard, records every field of the run and sends nothing', async () => {
    // Prepare
    const world = scheduleWorld();
    // Act
    const result = await runScheduled(world, scheduledInput(memoryScheduleSpec()));
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(statesEntered(result)).toEqual(
      expect.arrayContaining([
        'AcquireGuard',
        'StartTask',
        'CheckTask',
        'ExamineResult',
        'RecordRun',
        'ReleaseGuard',
        'RunSucceeded',
      ]),
    );
    const run = onlyRun(world);
    const taskArn = 'arn:aws:ecs:us-east-1:123456789012:task/jobs/t0001';
    expect(run).toMatchObject({
      schedule: 'nightly-report',
      runId: RUN_ID,
      trigger: 'schedule',
      slotAt: SLOT,
      cluster: 'jobs',
      status: 'SUCCEEDED',
      outcome: 'SUCCEEDED',
      taskArns: [taskArn],
      exitCodes: { job: 0, 'log-router': 0 },
      stopCode: 'EssentialContainerExited',
      failures: [],
      taskDefinition: REPORT_TASK_DEFINITION,
    });
    expect(run.attempts).toHaveLength(1);
    expect(run.logLinks).toEqual({
      job: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Freport/log-events/ecs$252Fjob$252Ft0001',
    });
    expect(run.expiresAt).toBe(run.endedAt! + 90 * 24 * HOUR);
    expect(world.tasks.starts[0]).toMatchObject({
      cluster: 'jobs',
      taskDefinition: REPORT_TASK_DEFINITION,
      launchType: 'FARGATE',
      startedBy: 'greenlight/schedule/nightly-report',
      tags: [
        { key: 'greenlight:schedule', value: 'nightly-report' },
        { key: 'greenlight:run', value: RUN_ID },
      ],
    });
    expect(world.notifier.sent).toEqual([]);
    expectSettled(world);
  });

  it('records a job that exits 3 as FAILED, alerts once and fails the execution', async () => {
    // Prepare
    const world = scheduleWorld();
    world.tasks.script({ exitCodes: { job: 3, 'log-router': 0 } });
    // Act
    const result = await runScheduled(world, scheduledInput(memoryScheduleSpec()));
    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ScheduledRunNotSucceeded');
    const run = onlyRun(world);
    expect(run).toMatchObject({ outcome: 'FAILED', exitCodes: { job: 3, 'log-router': 0 } });
    expect(run.reason).toContain('job exited 3');
    expect(world.notifier.sent).toHaveLength(1);
    expect(world.notifier.sent[0]!.attributes).toEqual({
      event: 'scheduled-run',
      schedule: 'nightly-report',
      cluster: 'jobs',
      outcome: 'FAILED',
      severity: 'high',
    });
    expect(world.notifier.sent[0]!.message).toContain('job=3');
    expectSettled(world);
  });

  it('counts a run SUCCEEDED when the log sidecar is killed with 137 and the essential container exits 0', async () => {
    // Prepare
    const world = scheduleWorld();
    world.tasks.script({ exitCodes: { job: 0, 'log-router': 137 } });
    // Act
    const result = await runScheduled(world, scheduledInput(memoryScheduleSpec()));
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(onlyRun(world)).toMatchObject({ outcome: 'SUCCEEDED', exitCodes: { job: 0, 'log-router': 137 } });
    expectSettled(world);
  });

  it('fails the run when a verdict container the spec names exits 137, sidecar or not', async () => {
    const world = scheduleWorld();
    world.tasks.script({ exitCodes: { job: 0, 'log-router': 137 } });
    await runScheduled(
      world,
      scheduledInput(memoryScheduleSpec({ verdictContainers: ['job', 'log-router'] })),
    );
    expect(onlyRun(world).outcome).toBe('FAILED');
  });

  it('retries RunTask failures[] (RESOURCE:MEMORY, then Fargate capacity) with backoff, then succeeds', async () => {
    // Prepare
    const world = scheduleWorld();
    world.tasks.script(
      {
        failures: [
          { arn: 'arn:aws:ecs:us-east-1:123456789012:container-instance/i-1', reason: 'RESOURCE:MEMORY' },
        ],
      },
      {
        exitCodes: {},
        looks: 1,
        stopCode: 'TaskFailedToStart',
        stoppedReason:
          'Capacity is unavailable at this time. Please try again later or in a different availability zone',
      },
      { exitCodes: { job: 0, 'log-router': 0 } },
    );
    // Act
    const result = await runScheduled(world, scheduledInput(memoryScheduleSpec()));
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const run = onlyRun(world);
    expect(run.outcome).toBe('SUCCEEDED');
    expect(run.attempts.map((a) => a.verdict.kind)).toEqual(['start-failed', 'start-failed', 'succeeded']);
    expect(run.attempts.map((a) => a.verdict.capacity)).toEqual([true, true, false]);
    expect(run.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:123456789012:container-instance/i-1', reason: 'RESOURCE:MEMORY' },
    ]);
    expect(run.taskArns).toHaveLength(2);
    expect(statesEntered(result).filter((s) => s === 'BackoffBeforeRetry')).toHaveLength(2);
    // One idempotency token per attempt: a retried call could not start a second task.
    expect(new Set(world.tasks.starts.map((s) => s.clientToken)).size).toBe(3);
    expectSettled(world);
  });

  it('records FAILED_TO_START once the capacity retries are spent', async () => {
    // Prepare
    const world = scheduleWorld();
    const spec = memoryScheduleSpec({ retries: { capacity: { attempts: 1, backoffSeconds: 5 } } });
    world.tasks.script({ failures: [{ reason: 'AGENT' }] }, { failures: [{ reason: 'AGENT' }] });
    // Act
    await runScheduled(world, scheduledInput(spec));
    // Assess
    const run = onlyRun(world);
    expect(run).toMatchObject({ outcome: 'FAILED_TO_START', taskArns: [] });
    expect(run.attempts).toHaveLength(2);
    expect(run.reason).toContain('AGENT');
    expect(world.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['FAILED_TO_START']);
    expectSettled(world);
  });

  it('stops a task that overruns its limit, waits for it to stop and records TIMED_OUT', async () => {
    // Prepare
    const world = scheduleWorld();
    world.tasks.msPerLook = 30_000;
    world.tasks.script({ exitCodes: {}, looks: Infinity, exitCodesOnStop: { job: 143, 'log-router': 137 } });
    // Act
    const result = await runScheduled(world, scheduledInput(memoryScheduleSpec({ timeoutSeconds: 120 })));
    // Assess
    expect(result.status).toBe('FAILED');
    expect(statesEntered(result)).toContain('StopTimedOutTask');
    expect(world.tasks.stops).toEqual([
      { taskArn: expect.stringContaining('/t0001'), reason: 'Greenlight: run-time limit of 120 s reached' },
    ]);
    const run = onlyRun(world);
    expect(run).toMatchObject({
      outcome: 'TIMED_OUT',
      stopCode: 'UserInitiated',
      exitCodes: { job: 143, 'log-router': 137 },
    });
    expect(world.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['TIMED_OUT']);
    expectSettled(world);
  });

  it('retries an application failure by exit code, and only on the listed codes', async () => {
    // Prepare
    const spec = memoryScheduleSpec({
      retries: { application: { attempts: 2, backoffSeconds: 1, onExitCodes: [3] } },
    });
    const retried = scheduleWorld();
    retried.tasks.script(
      { exitCodes: { job: 3, 'log-router': 0 } },
      { exitCodes: { job: 0, 'log-router': 0 } },
    );
    const notRetried = scheduleWorld();
    notRetried.tasks.script({ exitCodes: { job: 4, 'log-router': 0 } });
    // Act
    await runScheduled(retried, scheduledInput(spec));
    await runScheduled(notRetried, scheduledInput(spec));
    // Assess
    expect(onlyRun(retried)).toMatchObject({ outcome: 'SUCCEEDED' });
    expect(onlyRun(retried).attempts.map((a) => a.verdict.kind)).toEqual(['failed', 'succeeded']);
    expect(onlyRun(notRetried)).toMatchObject({ outcome: 'FAILED' });
    expect(onlyRun(notRetried).attempts).toHaveLength(1);
  });

  it('records a slot SKIPPED under overlap forbid while the previous run holds the guard, and leaves that run alone', async () => {
    // Prepare
    const world = scheduleWorld();
    const spec = memoryScheduleSpec({ startingDeadlineSeconds: 7200 });
    world.tasks.script({ exitCodes: {}, looks: Infinity });
    const first = runScheduled(world, scheduledInput(spec), { waitMs: 5 });
    await untilStarted(world, 1);
    // Act
    const second = await runScheduled(world, scheduledInput(spec, SLOT + 60_000));
    world.tasks.finish([...world.tasks.tasks.keys()][0]!, { job: 0, 'log-router': 0 });
    const firstResult = await first;
    // Assess
    expect(second.status).toBe('SUCCEEDED');
    expect(statesEntered(second)).toContain('Skipped');
    expect(world.tasks.starts).toHaveLength(1);
    expect(world.tasks.stops).toEqual([]);
    const runs = await world.ledger.listRuns('nightly-report', { now: world.clock.now() });
    expect(runs.map((r) => [r.runId, r.outcome])).toEqual([
      ['nightly-report_20270315T063100Z', 'SKIPPED'],
      [RUN_ID, 'SUCCEEDED'],
    ]);
    expect(runs[0]!.reason).toBe(`the previous run ${RUN_ID} is still running (overlap: forbid)`);
    expect(firstResult.status).toBe('SUCCEEDED');
    expectSettled(world);
  });

  it('under overlap replace, stops the running task, takes the guard over and runs the new slot; the old run ends FAILED without retry', async () => {
    // Prepare
    const world = scheduleWorld();
    const spec = memoryScheduleSpec({
      overlap: 'replace',
      startingDeadlineSeconds: 7200,
      retries: { application: { attempts: 3, backoffSeconds: 1 } },
    });
    world.tasks.script({ exitCodes: {}, looks: Infinity }, { exitCodes: { job: 0, 'log-router': 0 } });
    const first = runScheduled(world, scheduledInput(spec), { waitMs: 5 });
    await untilStarted(world, 1);
    // Act
    const second = await runScheduled(world, scheduledInput(spec, SLOT + 60_000), { waitMs: 5 });
    const firstResult = await first;
    // Assess
    expect(statesEntered(second)).toEqual(
      expect.arrayContaining(['StopPreviousRun', 'TakeOverGuard', 'StartTask']),
    );
    expect(second.status).toBe('SUCCEEDED');
    expect(firstResult.status).toBe('FAILED');
    expect(world.tasks.stops).toEqual([
      {
        taskArn: expect.stringContaining('/t0001'),
        reason: 'Greenlight: replaced by run nightly-report_20270315T063100Z',
      },
    ]);
    const old = world.ledger.runs.get(`nightly-report/${RUN_ID}`)!;
    expect(old.outcome).toBe('FAILED');
    expect(old.attempts).toHaveLength(1);
    expect(old.reason).toContain('replaced by run nightly-report_20270315T063100Z');
    expect(world.ledger.runs.get('nightly-report/nightly-report_20270315T063100Z')?.outcome).toBe(
      'SUCCEEDED',
    );
    expect(world.tasks.starts).toHaveLength(2);
    expectSettled(world);
  });

  it('runs a slot once when Scheduler delivers it twice, one after the other or at the same time', async () => {
    // Prepare
    const world = scheduleWorld();
    const input = scheduledInput(memoryScheduleSpec({ overlap: 'allow' }));
    // Act
    const first = await runScheduled(world, input, { executionName: 'delivery-1' });
    const again = await runScheduled(world, input, { executionName: 'delivery-2' });
    const together = await Promise.all([
      runScheduled(world, scheduledInput(memoryScheduleSpec({ overlap: 'allow' }), SLOT + HOUR), {
        executionName: 'delivery-3',
      }),
      runScheduled(world, scheduledInput(memoryScheduleSpec({ overlap: 'allow' }), SLOT + HOUR), {
        executionName: 'delivery-4',
      }),
    ]);
    // Assess
    expect(first.status).toBe('SUCCEEDED');
    expect(statesEntered(again)).toEqual(['BeginRun', 'RouteRun', 'DuplicateDelivery']);
    expect(together.map((r) => statesEntered(r).includes('DuplicateDelivery')).sort()).toEqual([false, true]);
    expect(world.tasks.starts).toHaveLength(2);
    expect(world.ledger.runs.size).toBe(2);
    expect(world.ledger.runs.get(`nightly-report/${RUN_ID}`)?.execution).toBe('delivery-1');
    expectSettled(world);
  });

  it('gives a manual run its own id, beside the slot of the same second', async () => {
    const world = scheduleWorld();
    const spec = memoryScheduleSpec({ overlap: 'allow' });
    await runScheduled(world, scheduledInput(spec));
    await runScheduled(world, { spec, trigger: 'manual', requestedAt: slotTime(), runSuffix: 'k3x9' });
    expect([...world.ledger.runs.values()].map((r) => [r.runId, r.trigger]).sort()).toEqual([
      [RUN_ID, 'schedule'],
      [`${RUN_ID}_mk3x9`, 'manual'],
    ]);
  });

  it('records a slot delivered past its starting deadline as MISSED and alerts, starting nothing', async () => {
    const world = scheduleWorld({ now: SLOT + 700_000 });
    const result = await runScheduled(world, scheduledInput(memoryScheduleSpec()));
    expect(statesEntered(result)).not.toContain('StartTask');
    expect(onlyRun(world)).toMatchObject({ outcome: 'MISSED', attempts: [] });
    expect(world.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['MISSED']);
    expectSettled(world);
  });

  it('announces a recovery: the first success after a failed run', async () => {
    const world = scheduleWorld();
    world.tasks.script({ exitCodes: { job: 1, 'log-router': 0 } });
    await runScheduled(world, scheduledInput(memoryScheduleSpec()));
    await runScheduled(world, scheduledInput(memoryScheduleSpec(), SLOT + 24 * HOUR));
    expect(world.notifier.sent.map((n) => [n.attributes.outcome, n.subject])).toEqual([
      ['FAILED', 'greenlight: schedule nightly-report FAILED'],
      ['SUCCEEDED', 'greenlight: schedule nightly-report recovered'],
    ]);
  });

  describe('error paths', () => {
    it('stops the task nobody can watch any more, records the run FAILED and releases the guard', async () => {
      // Prepare
      const world = scheduleWorld();
      world.tasks.script({ exitCodes: {}, looks: Infinity });
      // Act
      const result = await runScheduled(world, scheduledInput(memoryScheduleSpec()), {
        stateOverrides: {
          CheckTask: () => Promise.reject(new Error('AccessDeniedException: ecs:DescribeTasks')),
        },
      });
      // Assess
      expect(result.status).toBe('FAILED');
      expect(statesEntered(result)).toEqual(
        expect.arrayContaining(['CleanUpAfterError', 'RecordRun', 'Notify', 'ReleaseGuard']),
      );
      expect(world.tasks.stops).toEqual([
        {
          taskArn: expect.stringContaining('/t0001'),
          reason: `Greenlight: run ${RUN_ID} stopped watching after an error`,
        },
      ]);
      const run = onlyRun(world);
      expect(run.outcome).toBe('FAILED');
      expect(run.reason).toContain('AccessDeniedException');
      expect(run.taskArns).toHaveLength(1);
      expect(world.notifier.sent).toHaveLength(1);
      expectSettled(world);
    });

    it('records FAILED_TO_START when the guard cannot be taken, starting nothing', async () => {
      const world = scheduleWorld();
      const result = await runScheduled(world, scheduledInput(memoryScheduleSpec()), {
        stateOverrides: {
          AcquireGuard: () => Promise.reject(new Error('DynamoStoreError: table unavailable')),
        },
      });
      expect(result.status).toBe('FAILED');
      expect(world.tasks.starts).toEqual([]);
      expect(onlyRun(world)).toMatchObject({ outcome: 'FAILED_TO_START' });
      expectSettled(world);
    });

    it('still alerts and releases the guard when the record cannot be written', async () => {
      const world = scheduleWorld();
      world.tasks.script({ exitCodes: { job: 2, 'log-router': 0 } });
      const result = await runScheduled(world, scheduledInput(memoryScheduleSpec()), {
        stateOverrides: { RecordRun: () => Promise.reject(new Error('DynamoStoreError: table unavailable')) },
      });
      expect(result.status).toBe('FAILED');
      expect(world.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['FAILED']);
      expect(world.ledger.guards.size).toBe(0);
    });

    it('records a run whose spec is invalid as FAILED_TO_START, naming the field', async () => {
      const world = scheduleWorld();
      const result = await runScheduled(world, scheduledInput(memoryScheduleSpec({ timeoutSeconds: 5 })));
      expect(statesEntered(result)).toEqual(
        expect.arrayContaining(['BeginRun', 'RecordRun', 'ReleaseGuard']),
      );
      const run = onlyRun(world);
      expect(run).toMatchObject({ runId: RUN_ID, outcome: 'FAILED_TO_START' });
      expect(run.reason).toContain('spec.timeoutSeconds');
      expectSettled(world);
    });
  });
});
