import fc from 'fast-check';
import {
  judgeRunTaskFailures,
  judgeStoppedTask,
  replacedStopReason,
  timeoutStopReason,
  type AttemptRecord,
  type AttemptVerdict,
  type RunOutcome,
  type TaskView,
} from '../../../shared/domain/schedules/attempt';
import {
  afterAttempt,
  backoffSeconds,
  decideAfterAttempt,
  emptyHistory,
  guardLeaseSeconds,
  pollSeconds,
} from '../../../shared/domain/schedules/retry-policy';
import { buildRunAlert, decideRunAlert } from '../../../shared/domain/schedules/run-alert';
import { finalRecord, parseTaskArn, taskLogLinks } from '../../../shared/domain/schedules/run-record';
import { parseScheduleSpec, type ScheduleSpecInput } from '../../../shared/domain/schedules/schedule-spec';
import { buildTaskRequest, scheduledStartedBy } from '../../../shared/domain/schedules/task-request';

const BASE: ScheduleSpecInput = {
  name: 'nightly-report',
  expression: 'cron(30 2 * * ? *)',
  cluster: 'prod',
  taskDefinition: 'report',
  launchType: 'FARGATE',
  network: { subnets: ['subnet-0a1b2c3d'] },
};
const spec = (overrides: Partial<ScheduleSpecInput> = {}) => parseScheduleSpec({ ...BASE, ...overrides });
const TASK = 'arn:aws:ecs:eu-west-1:123456789012:task/prod/0123456789abcdef';

function stopped(containers: TaskView['containers'], extra: Partial<TaskView> = {}): TaskView {
  return { taskArn: TASK, lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited', containers, ...extra };
}
const judge = (task: TaskView, options: Partial<Parameters<typeof judgeStoppedTask>[1]> = {}) =>
  judgeStoppedTask(task, {
    essentialContainers: ['job'],
    successExitCodes: [0],
    stoppedAtLimit: false,
    ...options,
  });

function attempt(verdict: AttemptVerdict, number = 1): AttemptRecord {
  return { number, requestedAt: 0, endedAt: 1, failures: [], containers: [], verdict };
}

describe('the verdict on an attempt', () => {
  it('lets the essential container decide: a sidecar killed with 137 does not fail the job', () => {
    const verdict = judge(
      stopped([
        { name: 'job', exitCode: 0 },
        { name: 'log-router', exitCode: 137 },
      ]),
    );
    expect(verdict).toMatchObject({ kind: 'succeeded', deciding: ['job'], failedContainers: [] });
  });

  it('fails a run whose deciding container exits non-zero, naming the code and the stop', () => {
    const verdict = judge(
      stopped([{ name: 'job', exitCode: 3 }], { stoppedReason: 'Essential container in task exited' }),
    );
    expect(verdict.kind).toBe('failed');
    expect(verdict.summary).toBe(
      'job exited 3 — EssentialContainerExited: Essential container in task exited',
    );
  });

  it('fails an out-of-memory kill even when it reports exit code 0', () => {
    const verdict = judge(
      stopped([
        { name: 'job', exitCode: 0, reason: 'OutOfMemoryError: Container killed due to memory usage' },
      ]),
    );
    expect(verdict.kind).toBe('failed');
  });

  it('takes the spec’s success codes and verdict containers', () => {
    const task = stopped([
      { name: 'job', exitCode: 2 },
      { name: 'log-router', exitCode: 137 },
    ]);
    expect(judge(task, { successExitCodes: [0, 2] }).kind).toBe('succeeded');
    expect(judge(task, { successExitCodes: [0, 2], verdictContainers: ['job', 'log-router'] }).kind).toBe(
      'failed',
    );
    expect(judge(task, { verdictContainers: ['missing'] }).failedContainers).toEqual([
      { name: 'missing', reason: 'not a container of the task' },
    ]);
  });

  it('falls back to every container when the essential ones are unknown', () => {
    const task = stopped([
      { name: 'job', exitCode: 0 },
      { name: 'log-router', exitCode: 137 },
    ]);
    expect(judge(task, { essentialContainers: [] }).kind).toBe('failed');
  });

  it('tells a start failure (TaskFailedToStart) and a capacity one', () => {
    const capacity = judge(
      stopped([{ name: 'job' }], {
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'Capacity is unavailable at this time.',
      }),
    );
    expect(capacity).toMatchObject({ kind: 'start-failed', capacity: true });
    const pull = judge(
      stopped([{ name: 'job' }], {
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: not found',
      }),
    );
    expect(pull).toMatchObject({ kind: 'start-failed', capacity: false });
    expect(judgeRunTaskFailures([{ reason: 'RESOURCE:MEMORY' }])).toMatchObject({
      kind: 'start-failed',
      capacity: true,
    });
    expect(judgeRunTaskFailures([{ reason: 'MISSING' }]).capacity).toBe(false);
  });

  it('is TIMED_OUT when our stop ended it, and judged on exit codes when the job ended first', () => {
    const ours = stopped([{ name: 'job', exitCode: 143 }], {
      stopCode: 'UserInitiated',
      stoppedReason: timeoutStopReason(60),
    });
    expect(judge(ours, { stoppedAtLimit: true }).kind).toBe('timed-out');
    const raced = stopped([{ name: 'job', exitCode: 0 }]);
    expect(judge(raced, { stoppedAtLimit: true }).kind).toBe('succeeded');
  });

  it('recognises a task stopped by a replacing run', () => {
    const task = stopped([{ name: 'job', exitCode: 143 }], {
      stopCode: 'UserInitiated',
      stoppedReason: replacedStopReason('r-2'),
    });
    expect(judge(task).kind).toBe('replaced');
  });
});

describe('the decision after an attempt', () => {
  const timing = { now: 10_000, slotMs: 0 };
  const failedWith = (code: number) => judge(stopped([{ name: 'job', exitCode: code }]));

  it('retries start failures with the capacity backoff, then gives up as FAILED_TO_START', () => {
    const s = spec({ retries: { capacity: { attempts: 2, backoffSeconds: 10, backoffRate: 3 } } });
    const start = judgeRunTaskFailures([{ reason: 'RESOURCE:CPU' }]);
    expect(
      decideAfterAttempt(s, { capacityRetries: 0, applicationRetries: 0 }, attempt(start), timing),
    ).toMatchObject({ again: true, kind: 'capacity', waitSeconds: 10 });
    expect(
      decideAfterAttempt(s, { capacityRetries: 1, applicationRetries: 0 }, attempt(start, 2), timing),
    ).toMatchObject({ again: true, waitSeconds: 30 });
    expect(
      decideAfterAttempt(s, { capacityRetries: 2, applicationRetries: 0 }, attempt(start, 3), timing),
    ).toMatchObject({ again: false, outcome: 'FAILED_TO_START' });
  });

  it('does not retry a start past the starting deadline', () => {
    const s = spec({
      startingDeadlineSeconds: 120,
      retries: { capacity: { attempts: 1, backoffSeconds: 30 } },
    });
    const decision = decideAfterAttempt(
      s,
      { capacityRetries: 0, applicationRetries: 0 },
      attempt(judgeRunTaskFailures([{ reason: 'AGENT' }])),
      { now: 100_000, slotMs: 0 },
    );
    expect(decision).toMatchObject({ again: false, outcome: 'FAILED_TO_START' });
    expect((decision as { reason: string }).reason).toContain('starting deadline of 120 s');
  });

  it('retries application failures only on the listed exit codes, and timeouts only when asked', () => {
    const s = spec({ retries: { application: { attempts: 1, onExitCodes: [3] } } });
    const none = { capacityRetries: 0, applicationRetries: 0 };
    expect(decideAfterAttempt(s, none, attempt(failedWith(3)), timing)).toMatchObject({
      again: true,
      kind: 'application',
      waitSeconds: 60,
    });
    expect(decideAfterAttempt(s, none, attempt(failedWith(4)), timing)).toMatchObject({
      again: false,
      outcome: 'FAILED',
    });
    const timedOut = judge(stopped([{ name: 'job', exitCode: 143 }], { stopCode: 'UserInitiated' }), {
      stoppedAtLimit: true,
    });
    expect(decideAfterAttempt(s, none, attempt(timedOut), timing)).toMatchObject({
      again: false,
      outcome: 'TIMED_OUT',
    });
    const onTimeout = spec({ retries: { application: { attempts: 1, retryOnTimeout: true } } });
    expect(decideAfterAttempt(onTimeout, none, attempt(timedOut), timing)).toMatchObject({ again: true });
  });

  it('never retries a success, a replaced run or one that lost its guard', () => {
    const s = spec({ retries: { application: { attempts: 5 } } });
    const none = { capacityRetries: 0, applicationRetries: 0 };
    expect(decideAfterAttempt(s, none, attempt(failedWith(0)), timing)).toMatchObject({
      again: false,
      outcome: 'SUCCEEDED',
    });
    const replaced = judge(
      stopped([{ name: 'job', exitCode: 143 }], { stoppedReason: replacedStopReason('r-2') }),
    );
    expect(decideAfterAttempt(s, none, attempt(replaced), timing)).toMatchObject({
      again: false,
      outcome: 'FAILED',
    });
  });

  it('polls 10–60 s apart and leases the guard past the longest run', () => {
    expect([pollSeconds(60), pollSeconds(1800), pollSeconds(604_800)]).toEqual([10, 30, 60]);
    const s = spec({ timeoutSeconds: 600, retries: { application: { attempts: 1, backoffSeconds: 60 } } });
    // 2 runs of 600 + 10 s, a 60 s backoff, capacity waits 30+60+120, the 600 s deadline, 15 min.
    expect(guardLeaseSeconds(s)).toBe(2 * 610 + 60 + 210 + 600 + 900);
  });
});

describe('alerts of a run', () => {
  const alerts = spec().alerts;
  it('alerts failures and missed slots, a recovery after a failure, and nothing for a plain success or skip', () => {
    expect(decideRunAlert(alerts, 'FAILED', null)).toEqual({ send: true, kind: 'failure', severity: 'high' });
    expect(decideRunAlert(alerts, 'MISSED', 'SUCCEEDED')).toMatchObject({ send: true, kind: 'missed' });
    expect(decideRunAlert(alerts, 'SUCCEEDED', 'TIMED_OUT')).toEqual({
      send: true,
      kind: 'recovery',
      severity: 'info',
    });
    expect(decideRunAlert(alerts, 'SUCCEEDED', 'SUCCEEDED').send).toBe(false);
    expect(decideRunAlert(alerts, 'SKIPPED', null).send).toBe(false);
    expect(decideRunAlert({ ...alerts, onSkipped: true }, 'SKIPPED', null)).toMatchObject({
      send: true,
      kind: 'skipped',
    });
    expect(decideRunAlert({ ...alerts, onFailure: false }, 'FAILED', null).send).toBe(false);
    expect(decideRunAlert({ ...alerts, onEveryRun: true }, 'SUCCEEDED', null)).toMatchObject({
      send: true,
      kind: 'run',
    });
  });

  it('writes the message with its attributes, exit codes, next checks and log links', () => {
    const record = finalRecord({
      claim: {
        schedule: 'nightly-report',
        runId: 'nightly-report_20270315T023000Z',
        trigger: 'schedule',
        slotAt: 0,
        execution: 'e',
        cluster: 'prod',
        startedAt: 0,
        expiresAt: 0,
      },
      history: {
        ...emptyHistory(),
        attempts: [
          {
            ...attempt(judge(stopped([{ name: 'job', exitCode: 3 }]))),
            taskArn: TASK,
            containers: [{ name: 'job', exitCode: 3 }],
            stopCode: 'EssentialContainerExited',
            logLinks: { job: 'https://logs' },
          },
        ],
      },
      outcome: 'FAILED',
      reason: 'job exited 3',
      endedAt: 65_000,
      historyTtlDays: 90,
    });
    const message = buildRunAlert(record, { kind: 'failure', severity: 'high' });
    expect(message.attributes).toEqual({
      event: 'scheduled-run',
      schedule: 'nightly-report',
      cluster: 'prod',
      outcome: 'FAILED',
      severity: 'high',
    });
    expect(message.id).toBe('nightly-report/nightly-report_20270315T023000Z/FAILED');
    expect(message.message).toContain('Exit codes: job=3');
    expect(message.message).toContain('Check next:');
    expect(message.message).toContain('job: https://logs');
    expect(record).toMatchObject({
      durationMs: 65_000,
      taskArns: [TASK],
      exitCodes: { job: 3 },
      logLinks: { job: 'https://logs' },
      expiresAt: 65_000 + 90 * 86_400_000,
    });
  });
});

describe('RunTask requests and log links', () => {
  it('builds the request from the spec: launch type, network, overrides, startedBy, token and tags', () => {
    const s = spec({
      name: 'nightly.report',
      overrides: [{ name: 'job', command: ['run', '--full'], environment: { MODE: 'full' } }],
    });
    expect(buildTaskRequest(s, { taskDefinition: 'arn:td', runId: 'r-1', clientToken: 't-1' })).toEqual({
      cluster: 'prod',
      taskDefinition: 'arn:td',
      launchType: 'FARGATE',
      network: { subnets: ['subnet-0a1b2c3d'], securityGroups: [], assignPublicIp: false },
      overrides: {
        containerOverrides: [
          { name: 'job', command: ['run', '--full'], environment: [{ name: 'MODE', value: 'full' }] },
        ],
      },
      startedBy: 'greenlight/schedule/nightly_report',
      clientToken: 't-1',
      tags: [
        { key: 'greenlight:schedule', value: 'nightly.report' },
        { key: 'greenlight:run', value: 'r-1' },
      ],
    });
    expect(scheduledStartedBy('a'.repeat(200))).toHaveLength(128);
  });

  it('links each awslogs container to its stream, and the group when there is no prefix', () => {
    expect(parseTaskArn(TASK)).toEqual({ region: 'eu-west-1', taskId: '0123456789abcdef' });
    const links = taskLogLinks(TASK, {
      taskDefinitionArn: 'arn:td',
      family: 'report',
      revision: 1,
      containers: [
        {
          name: 'job',
          essential: true,
          logs: { driver: 'awslogs', group: '/ecs/report', streamPrefix: 'ecs' },
        },
        {
          name: 'sidecar',
          essential: false,
          logs: { driver: 'awslogs', group: '/ecs/side', region: 'us-east-1' },
        },
        { name: 'fluent', essential: false, logs: { driver: 'awsfirelens' } },
      ],
    });
    expect(Object.keys(links)).toEqual(['job', 'sidecar']);
    expect(links.job).toMatch(
      /^https:\/\/eu-west-1\.console.*log-events\/ecs\$252Fjob\$252F0123456789abcdef$/,
    );
    expect(links.sidecar).toMatch(/^https:\/\/us-east-1\.console.*log-group\/\$252Fecs\$252Fside$/);
  });
});

describe('properties', () => {
  const codeArb = fc.integer({ min: 0, max: 255 });
  const containersArb = fc.record({
    job: fc.option(codeArb, { nil: undefined }),
    sidecar: fc.option(codeArb, { nil: undefined }),
  });

  it('the sidecar never decides by default: the verdict follows the essential container alone', () => {
    fc.assert(
      fc.property(
        containersArb,
        fc.uniqueArray(codeArb, { minLength: 1, maxLength: 4 }),
        (codes, success) => {
          const task = stopped([
            { name: 'job', ...(codes.job === undefined ? {} : { exitCode: codes.job }) },
            { name: 'sidecar', ...(codes.sidecar === undefined ? {} : { exitCode: codes.sidecar }) },
          ]);
          const verdict = judge(task, { successExitCodes: success });
          const jobOk = codes.job !== undefined && success.includes(codes.job);
          expect(verdict.kind).toBe(jobOk ? 'succeeded' : 'failed');
        },
      ),
    );
  });

  const verdictArb: fc.Arbitrary<AttemptVerdict> = fc.oneof(
    fc.constant(judgeRunTaskFailures([{ reason: 'RESOURCE:MEMORY' }])),
    codeArb.map((c) => judge(stopped([{ name: 'job', exitCode: c }]))),
    fc.constant(
      judge(stopped([{ name: 'job', exitCode: 143 }], { stopCode: 'UserInitiated' }), {
        stoppedAtLimit: true,
      }),
    ),
  );
  const policyArb = fc.record({
    capacity: fc.record({
      attempts: fc.integer({ min: 0, max: 4 }),
      backoffSeconds: fc.integer({ min: 1, max: 20 }),
    }),
    application: fc.record({
      attempts: fc.integer({ min: 0, max: 4 }),
      backoffSeconds: fc.integer({ min: 1, max: 60 }),
      retryOnTimeout: fc.boolean(),
      onExitCodes: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { maxLength: 3 }),
    }),
  });

  it('a run ends within 1 + capacity + application attempts, with retries never over their budget', () => {
    fc.assert(
      fc.property(policyArb, fc.array(verdictArb, { minLength: 12, maxLength: 12 }), (retries, verdicts) => {
        const s = spec({ retries, startingDeadlineSeconds: 3600 });
        let history = emptyHistory();
        let now = 0;
        for (const verdict of verdicts) {
          history = afterAttempt(s, history, attempt(verdict, history.attempts.length + 1), {
            now,
            slotMs: 0,
          });
          expect(history.capacityRetries).toBeLessThanOrEqual(s.retries.capacity.attempts);
          expect(history.applicationRetries).toBeLessThanOrEqual(s.retries.application.attempts);
          if (!history.decision!.again) break;
          now += history.decision!.waitSeconds * 1000;
        }
        const limit = 1 + s.retries.capacity.attempts + s.retries.application.attempts;
        expect(history.attempts.length).toBeLessThanOrEqual(limit);
        if (history.attempts.length < verdicts.length) expect(history.decision!.again).toBe(false);
      }),
    );
  });

  it('backoff grows by the rate and never passes its cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 86_400 }),
        fc.integer({ min: 0, max: 9 }),
        (base, rate, max, retry) => {
          const policy = { attempts: 10, backoffSeconds: base, backoffRate: rate, maxBackoffSeconds: max };
          expect(backoffSeconds(policy, retry)).toBeLessThanOrEqual(Math.max(max, 0));
          expect(backoffSeconds(policy, retry + 1)).toBeGreaterThanOrEqual(backoffSeconds(policy, retry));
        },
      ),
    );
  });

  it('only failed outcomes and missed slots alert under the default policy, and each at most once', () => {
    const outcomes: RunOutcome[] = [
      'SUCCEEDED',
      'FAILED',
      'TIMED_OUT',
      'SKIPPED',
      'MISSED',
      'FAILED_TO_START',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...outcomes),
        fc.option(fc.constantFrom(...outcomes), { nil: null }),
        (outcome, previous) => {
          const decision = decideRunAlert(spec().alerts, outcome, previous);
          const expected =
            outcome !== 'SUCCEEDED' && outcome !== 'SKIPPED'
              ? true
              : previous !== null &&
                ['FAILED', 'TIMED_OUT', 'FAILED_TO_START'].includes(previous) &&
                outcome === 'SUCCEEDED';
          expect(decision.send).toBe(expected);
        },
      ),
    );
  });
});
