import type { Context } from 'aws-lambda';
import {
  createTaskStoppedHandler,
  handleTaskStopped,
  type TaskStoppedDeps,
} from '../../../functions/alerts/task-stopped';
import { DEFAULT_ALERT_POLICY, type AlertPolicy } from '../../../shared/domain/alerts/policy';
import { ThrottlingError } from '../../../shared/domain/errors';
import { createLogger } from '../../../shared/lambda';
import { ManualClock } from '../../support/memory-ports';
import type { Notification, Notifier } from '../../../shared/ports/notifier';
import type { TaskDefinitions } from '../../../shared/ports/task-definitions';
import { loadEvent, taskId, variant } from '../../fixtures/ecs-events';
import { MemoryAlertStore } from '../../support/memory-alert-store';

/** Records every publish (no dedupe by id, so a double send shows) and fails the ones a test asks to. */
class RecordingNotifier implements Notifier {
  sent: Notification[] = [];
  /** One entry per coming publish: an error fails it, null lets it through. */
  failures: (Error | null)[] = [];
  async notify(notification: Notification): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(structuredClone(notification));
  }
}

const WEB_TASK_DEFINITION: TaskDefinitions = {
  describe: async (arn) => ({
    taskDefinitionArn: arn,
    family: 'web',
    revision: 42,
    containers: [
      { name: 'app', essential: true, logs: { driver: 'awslogs', group: '/ecs/web', streamPrefix: 'web' } },
    ],
  }),
};

function setup(policy: Partial<AlertPolicy> = {}, overrides: Partial<TaskStoppedDeps> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 10, 0, 0));
  const alerts = new MemoryAlertStore();
  const notifier = new RecordingNotifier();
  const logger = createLogger({ logLevel: 'SILENT' });
  const deps: TaskStoppedDeps = {
    alerts,
    notifier,
    clock,
    logger,
    policy: { ...DEFAULT_ALERT_POLICY, ...policy },
    taskDefinitions: WEB_TASK_DEFINITION,
    deployments: {
      runningDeployment: async () => ({ id: 'web-42', step: 'STEP_STARTED: step 1 of 2: 5 % to green' }),
    },
    ...overrides,
  };
  return { deps, clock, alerts, notifier, logger };
}

describe('handleTaskStopped', () => {
  it('sends no stopped-task alert for a task a Greenlight schedule started: its workflow alerts on the run', async () => {
    // Prepare
    const { deps, notifier } = setup();
    const scheduled = variant('essential-container-exited', {
      detail: { startedBy: 'greenlight/schedule/nightly-report' },
    });
    const unscheduled = variant('essential-container-exited', {
      taskId: 'f00dfeedf00dfeedf00dfeedf00dfeed',
      detail: { startedBy: 'events-rule/nightly-report' },
    });

    // Act
    const skipped = await handleTaskStopped(deps, scheduled);
    const alerted = await handleTaskStopped(deps, unscheduled);

    // Assess
    expect(skipped).toMatchObject({ outcome: 'scheduled-run', published: [] });
    expect(alerted).toMatchObject({ outcome: 'published' });
    expect(notifier.sent).toHaveLength(1);
  });

  it('publishes one enriched alert for a stopped task', async () => {
    // Prepare
    const { deps, notifier } = setup();

    // Act
    const result = await handleTaskStopped(deps, loadEvent('out-of-memory'));

    // Assess
    expect(result).toMatchObject({ outcome: 'published', category: 'out-of-memory', windowCount: 1 });
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]?.message).toContain(
      'logs: https://eu-west-1.console.aws.amazon.com/cloudwatch/home',
    );
    expect(notifier.sent[0]?.message).toContain('Greenlight deployment: web-42 in progress');
  });

  it('logs and skips a malformed event without throwing, and without logging its values', async () => {
    // Prepare
    const { deps, notifier, logger, alerts } = setup();
    const warn = jest.spyOn(logger, 'warn');
    const event = {
      'detail-type': 'ECS Task State Change',
      detail: { lastStatus: 'STOPPED', overrides: { secret: 'Zq9-never-logged' } },
    };

    // Act
    const result = await handleTaskStopped(deps, event);

    // Assess
    expect(result).toEqual({ outcome: 'malformed', published: [] });
    expect(warn).toHaveBeenCalledWith('malformed ECS task state change event skipped', {
      taskArn: undefined,
      issues: [{ path: 'detail.taskArn', message: expect.any(String) }],
    });
    expect(JSON.stringify(warn.mock.calls)).not.toContain('Zq9-never-logged');
    expect(notifier.sent).toEqual([]);
    expect(alerts.calls).toEqual([]);
  });

  it('alerts only on the lastStatus STOPPED event when desiredStatus STOPPED arrives first', async () => {
    // Prepare
    const { deps, notifier } = setup();

    // Act
    const stopping = await handleTaskStopped(deps, loadEvent('out-of-memory-stopping'));
    const stopped = await handleTaskStopped(deps, loadEvent('out-of-memory'));

    // Assess
    expect([stopping.outcome, stopped.outcome]).toEqual(['not-stopped', 'published']);
    expect(notifier.sent).toHaveLength(1);
  });

  it('ignores the stopping event when it arrives after the STOPPED one', async () => {
    // Prepare
    const { deps, notifier } = setup();

    // Act
    const stopped = await handleTaskStopped(deps, loadEvent('out-of-memory'));
    const late = await handleTaskStopped(deps, loadEvent('out-of-memory-stopping'));

    // Assess
    expect([stopped.outcome, late.outcome]).toEqual(['published', 'not-stopped']);
    expect(notifier.sent).toHaveLength(1);
  });

  it('alerts once for the same task stop delivered twice', async () => {
    // Prepare
    const { deps, notifier } = setup();

    // Act
    const first = await handleTaskStopped(deps, loadEvent('image-pull-failure'));
    const second = await handleTaskStopped(deps, loadEvent('image-pull-failure'));

    // Assess
    expect([first.outcome, second.outcome]).toEqual(['published', 'duplicate']);
    expect(notifier.sent).toHaveLength(1);
  });

  it('does not alert on expected stops unless the policy asks for them', async () => {
    // Prepare
    const quiet = setup();
    const loud = setup({ includeExpected: true });

    // Act
    const results = [
      await handleTaskStopped(quiet.deps, loadEvent('scaling-activity')),
      await handleTaskStopped(quiet.deps, loadEvent('user-initiated')),
      await handleTaskStopped(quiet.deps, loadEvent('task-completed')),
      await handleTaskStopped(loud.deps, loadEvent('scaling-activity')),
    ];

    // Assess
    expect(results.map((r) => r.outcome)).toEqual(['not-alerted', 'not-alerted', 'not-alerted', 'published']);
    expect(quiet.notifier.sent).toEqual([]);
    expect(loud.notifier.sent[0]?.attributes.category).toBe('scaling-activity');
  });

  it('skips clusters the policy does not watch, by name or ARN', async () => {
    // Prepare
    const byName = setup({ clusters: ['staging'] });
    const byArn = setup({ clusters: ['arn:aws:ecs:eu-west-1:111122223333:cluster/prod'] });

    // Act
    const skipped = await handleTaskStopped(byName.deps, loadEvent('out-of-memory'));
    const watched = await handleTaskStopped(byArn.deps, loadEvent('out-of-memory'));

    // Assess
    expect(skipped.outcome).toBe('cluster-not-selected');
    expect(watched.outcome).toBe('published');
  });

  it('turns a crash loop into an alert, a digest and a final tally', async () => {
    // Prepare
    const { deps, notifier, clock } = setup();
    const results = [];

    // Act: 37 OOM stops of web-blue, one every 15 s, then one more after the 10-minute window.
    for (let i = 1; i <= 37; i++) {
      results.push(await handleTaskStopped(deps, variant('out-of-memory', { taskId: taskId(i) })));
      clock.advance(15_000);
    }
    clock.advance(60_000);
    results.push(await handleTaskStopped(deps, variant('out-of-memory', { taskId: taskId(38) })));

    // Assess
    expect(notifier.sent.map((n) => n.subject)).toEqual([
      '[high] web-blue (prod): out of memory (app, exit 137)',
      '[critical] web-blue (prod): 5 tasks stopped in 1 min, all out of memory, last exit 137',
      '[critical] web-blue (prod): 37 tasks stopped in 9 min, all out of memory, last exit 137',
      '[high] web-blue (prod): out of memory (app, exit 137)',
    ]);
    expect(results.filter((r) => r.outcome === 'counted')).toHaveLength(35);
    expect(results.at(-1)?.windowCount).toBe(1);
  });

  it('hands the claim back when publishing fails, and the retry resumes without counting again', async () => {
    // Prepare
    const { deps, notifier, alerts } = setup();
    notifier.failures.push(new ThrottlingError('SNS Publish: throttled'));
    const event = loadEvent('elb-health-check');

    // Act
    const failed = handleTaskStopped(deps, event);
    await expect(failed).rejects.toThrow(ThrottlingError);
    const retried = await handleTaskStopped(deps, event);
    const duplicate = await handleTaskStopped(deps, event);

    // Assess
    expect(retried).toMatchObject({ outcome: 'published', windowCount: 1 });
    expect(duplicate.outcome).toBe('duplicate');
    expect(notifier.sent).toHaveLength(1);
    expect(alerts.calls.filter((c) => c === 'countStop')).toHaveLength(1);
  });

  it('does not publish again what a failed attempt already published', async () => {
    // Prepare: a 6-stop window closes; the next stop's final tally goes out, then its own alert fails.
    const { deps, notifier, clock } = setup();
    for (let i = 1; i <= 6; i++)
      await handleTaskStopped(deps, variant('out-of-memory', { taskId: taskId(i) }));
    clock.advance(11 * 60_000);
    const next = variant('out-of-memory', { taskId: taskId(7) });
    notifier.sent = [];
    notifier.failures.push(null, new Error('SNS is down'));

    // Act
    await expect(handleTaskStopped(deps, next)).rejects.toThrow('SNS is down');
    await handleTaskStopped(deps, next);

    // Assess
    expect(notifier.sent.map((n) => n.attributes.kind)).toEqual(['digest', 'alert']);
    expect(notifier.sent[0]?.subject).toContain('6 tasks stopped');
  });

  it('treats a stop claimed by a running invocation as a duplicate until its lease runs out', async () => {
    // Prepare
    const { deps, clock, alerts, notifier } = setup();
    const event = loadEvent('essential-container-exited');
    await alerts.claimStop(
      { taskArn: event.detail.taskArn, version: '6' },
      { now: clock.now(), leaseMs: deps.policy.claimLeaseMs, retainMs: deps.policy.dedupeRetainMs },
    );

    // Act
    const during = await handleTaskStopped(deps, event);
    clock.advance(deps.policy.claimLeaseMs + 1);
    const after = await handleTaskStopped(deps, event);

    // Assess
    expect(during.outcome).toBe('duplicate');
    expect(after.outcome).toBe('published');
    expect(notifier.sent).toHaveLength(1);
  });

  it('still publishes when enrichment fails, saying what was not enriched', async () => {
    // Prepare
    const { deps, notifier } = setup(
      {},
      {
        taskDefinitions: {
          describe: async () => Promise.reject(new ThrottlingError('ECS DescribeTaskDefinition: throttled')),
        },
        deployments: { runningDeployment: async () => Promise.reject(new Error('table gone')) },
      },
    );

    // Act
    const result = await handleTaskStopped(deps, loadEvent('container-health-check'));

    // Assess
    expect(result.outcome).toBe('published');
    expect(notifier.sent[0]?.message).toContain(
      'Logs: not enriched (DescribeTaskDefinition failed (ThrottlingError: ECS DescribeTaskDefinition: throttled))',
    );
    expect(notifier.sent[0]?.message).toContain(
      'Greenlight deployment: not enriched (deployment lookup failed (Error: table gone))',
    );
  });

  it('says which enrichment is not configured', async () => {
    // Prepare
    const { deps, notifier } = setup({}, { taskDefinitions: undefined, deployments: undefined });

    // Act
    await handleTaskStopped(deps, loadEvent('out-of-memory'));

    // Assess
    expect(notifier.sent[0]?.detail.enrichment).toEqual({
      taskDefinition: 'not enriched: task definitions not configured',
      deployment: 'not enriched: deployment lookup not configured',
    });
  });
});

describe('createTaskStoppedHandler', () => {
  it('runs as a middy Lambda handler with a Lambda context', async () => {
    // Prepare
    const { deps, notifier } = setup();
    const handler = createTaskStoppedHandler(deps);
    const context = { functionName: 'greenlight-alerts', awsRequestId: 'req-1' } as Context;

    // Act
    const result = await handler(loadEvent('resource-initialization'), context);

    // Assess
    expect(result.outcome).toBe('published');
    expect(notifier.sent[0]?.attributes).toMatchObject({
      family: 'nightly-report',
      category: 'resource-initialization',
    });
  });
});
