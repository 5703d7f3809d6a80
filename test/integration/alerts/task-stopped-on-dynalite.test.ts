import { sendFinalTallies } from '../../../functions/alerts/final-tallies';
import { handleTaskStopped, type TaskStoppedDeps } from '../../../functions/alerts/task-stopped';
import type { Notification } from '../../../shared/ports/notifier';
import { DynamoAlertStore } from '../../../shared/aws/dynamo-alert-store';
import { DynamoDeploymentLookup, logicalServiceNames } from '../../../shared/aws/dynamo-deployment-lookup';
import { DynamoStore } from '../../../shared/aws/dynamo-store';
import { DEFAULT_ALERT_POLICY } from '../../../shared/domain/alerts/policy';
import { EVENT_FIELD_MAX_BYTES } from '../../../shared/domain/alerts/task-event';
import { lockKey } from '../../../shared/domain/deployment';
import { createLogger } from '../../../shared/lambda';
import { startDynalite, type LocalDynamo } from '../../../shared/local/dynamodb/dynalite';
import { ManualClock, MemoryNotifier } from '../../support/memory-ports';
import { loadEvent, taskId, variant } from '../../fixtures/ecs-events';

const T0 = Date.UTC(2026, 2, 2, 10, 0, 0);

describe('stopped-task alerts on dynalite', () => {
  let dynamo: LocalDynamo;
  let clusterCounter = 0;

  beforeAll(async () => {
    dynamo = await startDynalite({ tableName: 'greenlight-alerts-flow' });
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  /** A handler on the real adapters; each test uses its own cluster, hence its own keys. */
  function setup() {
    const clock = new ManualClock(T0);
    const notifier = new MemoryNotifier();
    const cluster = `prod-${++clusterCounter}`;
    const deps: TaskStoppedDeps = {
      alerts: new DynamoAlertStore({ client: dynamo.documentClient, tableName: dynamo.tableName }),
      deployments: new DynamoDeploymentLookup({
        client: dynamo.documentClient,
        tableName: dynamo.tableName,
        clock,
      }),
      notifier,
      clock,
      logger: createLogger({ logLevel: 'SILENT' }),
      policy: { ...DEFAULT_ALERT_POLICY },
    };
    const clusterArn = `arn:aws:ecs:eu-west-1:111122223333:cluster/${cluster}`;
    const event = (n: number, version = 6) => {
      const e = variant('out-of-memory', { taskId: taskId(n), version, detail: { clusterArn } });
      e.detail.taskArn = e.detail.taskArn.replace('/prod/', `/${cluster}/`);
      return e;
    };
    return { deps, clock, notifier, cluster, event };
  }

  it('sends one alert per stop however often EventBridge delivers it, even concurrently', async () => {
    // Prepare
    const { deps, notifier, event } = setup();

    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => handleTaskStopped(deps, event(1))));

    // Assess
    expect(results.filter((r) => r.outcome === 'published')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(7);
    expect(notifier.sent).toHaveLength(1);
  });

  it('turns 37 stops in 10 minutes into three messages', async () => {
    // Prepare
    const { deps, notifier, clock, cluster, event } = setup();

    // Act
    for (let i = 1; i <= 37; i++) {
      await handleTaskStopped(deps, event(i));
      await handleTaskStopped(deps, event(i)); // every stop delivered twice
      clock.advance(16_000);
    }
    clock.advance(2 * 60_000);
    await handleTaskStopped(deps, event(100));

    // Assess
    expect(notifier.sent.map((n) => `${n.attributes.kind}: ${n.subject}`)).toEqual([
      `alert: [high] web-blue (${cluster}): out of memory (app, exit 137)`,
      `digest: [critical] web-blue (${cluster}): 5 tasks stopped in 2 min, all out of memory, last exit 137`,
      `digest: [critical] web-blue (${cluster}): 37 tasks stopped in 10 min, all out of memory, last exit 137`,
      `alert: [high] web-blue (${cluster}): out of memory (app, exit 137)`,
    ]);
  });

  it('names the Greenlight deployment holding the logical service lock of a blue/green slot', async () => {
    // Prepare
    const { deps, notifier, cluster, event } = setup();
    const store = new DynamoStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
    await store.acquireLock(lockKey({ cluster, service: 'web' }), 'web-2026-03-02-1', 600_000, T0);
    await store.appendEvent('web-2026-03-02-1', {
      at: T0,
      type: 'PREPARED',
      message: 'blue is live; deploying web:2 to green',
    });
    await store.appendEvent('web-2026-03-02-1', {
      at: T0 + 5,
      type: 'STEP_STARTED',
      message: 'step 1 of 2: 5 % to green',
    });

    // Act
    await handleTaskStopped(deps, event(1));

    // Assess
    expect(notifier.sent[0]?.detail.deployment).toEqual({
      id: 'web-2026-03-02-1',
      step: 'STEP_STARTED: step 1 of 2: 5 % to green',
    });
  });

  it('finds no deployment once the lock has expired or for another service', async () => {
    // Prepare
    const { deps, notifier, cluster, clock, event } = setup();
    const store = new DynamoStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
    await store.acquireLock(`${cluster}/web`, 'web-old', 1_000, T0);
    await store.acquireLock(`${cluster}/api`, 'api-1', 600_000, T0);
    clock.advance(2_000);

    // Act
    await handleTaskStopped(deps, event(1));

    // Assess
    expect(notifier.sent[0]?.detail.deployment).toBeNull();
    expect(notifier.sent[0]?.message).toContain('Greenlight deployment: none running on this service');
  });

  it('skips events whose key fields are over-long (3,000+ characters) instead of throwing', async () => {
    const { deps, notifier, event } = setup();
    const long = 'x'.repeat(3000);
    const events = [
      { ...event(1), detail: { ...event(1).detail, taskArn: `${event(1).detail.taskArn}${long}` } },
      { ...event(2), detail: { ...event(2).detail, version: long } },
      { ...event(3), detail: { ...event(3).detail, group: `service:${long}` } },
    ];

    const results = [];
    for (const e of events) results.push(await handleTaskStopped(deps, e));

    expect(results.map((r) => r.outcome)).toEqual(['malformed', 'malformed', 'malformed']);
    expect(notifier.sent).toHaveLength(0);
  });

  it('handles an event with every key field at its budget: the keys fit DynamoDB', async () => {
    const { deps, notifier, event } = setup();
    const b = EVENT_FIELD_MAX_BYTES;
    const e = event(1);
    const clusterArn = `arn:aws:ecs:eu-west-1:111122223333:cluster/${'c'.repeat(b.clusterArn - 43)}`;
    Object.assign(e.detail, {
      clusterArn,
      taskArn: `arn:aws:ecs:eu-west-1:111122223333:task/c/${'t'.repeat(b.taskArn - 42)}`,
      version: 'v'.repeat(b.version),
      group: `service:${'s'.repeat(b.group - 8)}`,
    });

    const result = await handleTaskStopped(deps, e);

    expect(result.outcome).toBe('published');
    expect(notifier.sent).toHaveLength(1);
  });

  it('ignores the stopping event of a task when it arrives after the STOPPED one', async () => {
    // Prepare
    const { deps, notifier } = setup();

    // Act
    const stopped = await handleTaskStopped(deps, loadEvent('out-of-memory'));
    const stopping = await handleTaskStopped(deps, loadEvent('out-of-memory-stopping'));

    // Assess
    expect([stopped.outcome, stopping.outcome]).toEqual(['published', 'not-stopped']);
    expect(notifier.sent).toHaveLength(1);
  });
});

describe('final tallies and publishing after a crash on dynalite', () => {
  let dynamo: LocalDynamo;
  let clusterCounter = 0;

  beforeAll(async () => {
    dynamo = await startDynalite({ tableName: 'greenlight-final-tallies' });
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  function setup() {
    const clock = new ManualClock(T0);
    const notifier = new MemoryNotifier();
    const cluster = `loop-${++clusterCounter}`;
    const alerts = new DynamoAlertStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
    const logger = createLogger({ logLevel: 'SILENT' });
    const policy = { ...DEFAULT_ALERT_POLICY };
    const deps: TaskStoppedDeps = { alerts, notifier, clock, logger, policy };
    const clusterArn = `arn:aws:ecs:eu-west-1:111122223333:cluster/${cluster}`;
    const event = (n: number) => {
      const e = variant('out-of-memory', { taskId: taskId(n), detail: { clusterArn } });
      e.detail.taskArn = e.detail.taskArn.replace('/prod/', `/${cluster}/`);
      return e;
    };
    const sweep = () => sendFinalTallies({ alerts, notifier, clock, logger, policy });
    const kinds = () =>
      notifier.sent.map(
        (m) => `${m.attributes.kind}${m.detail.final ? ' final' : ''} ${m.detail.count ?? 1}`,
      );
    return { deps, clock, notifier, event, sweep, kinds, alerts };
  }

  it('sends the final tally of a loop that stopped for good once, and the next stop does not resend it', async () => {
    const s = setup();
    for (let i = 1; i <= 7; i++) {
      await handleTaskStopped(s.deps, s.event(i));
      s.clock.advance(30_000);
    }

    const early = await s.sweep();
    s.clock.time = T0 + DEFAULT_ALERT_POLICY.windowMs + 1;
    const due = await s.sweep();
    const again = await s.sweep();
    s.clock.advance(60 * 60_000);
    await handleTaskStopped(s.deps, s.event(100));

    expect(early.sent).toBe(0);
    expect(due).toMatchObject({ sent: 1, failed: 0 });
    expect(again.due).toBe(0);
    expect(s.kinds()).toEqual(['alert 1', 'digest 5', 'digest final 7', 'alert 1']);
  });

  it('drops the entry of a window a later stop closed first', async () => {
    const s = setup();
    for (let i = 1; i <= 3; i++) await handleTaskStopped(s.deps, s.event(i));
    s.clock.time = T0 + DEFAULT_ALERT_POLICY.windowMs + 60_000;
    await handleTaskStopped(s.deps, s.event(100));

    const swept = await s.sweep();

    expect(swept).toMatchObject({ sent: 0, dropped: 1 });
    expect(s.kinds()).toEqual(['alert 1', 'digest final 3', 'alert 1']);
    expect(await s.alerts.dueTallies({ now: s.clock.now() + 1e9, limit: 10 })).toEqual([]);
  });

  it('after a death between publish and its record, the delivery after the lease republishes once, counting once', async () => {
    const s = setup();
    // Every publish attempt; s.notifier (MemoryNotifier) keeps one per id, as a FIFO topic does.
    const attempts: (string | undefined)[] = [];
    const dying = {
      notify: async (n: Notification) => {
        attempts.push(n.id);
        await s.notifier.notify(n);
        if (attempts.length === 1) await new Promise<never>(() => undefined);
      },
    };
    const deps = { ...s.deps, notifier: dying };
    void handleTaskStopped(deps, s.event(1));
    for (let i = 0; i < 100 && attempts.length === 0; i++) await new Promise((r) => setTimeout(r, 10));

    const tooEarly = await handleTaskStopped(deps, s.event(1));
    s.clock.advance(DEFAULT_ALERT_POLICY.claimLeaseMs + 1);
    const retry = await handleTaskStopped(deps, s.event(1));

    expect(tooEarly.outcome).toBe('duplicate');
    expect(retry).toMatchObject({ outcome: 'published', windowCount: 1 });
    expect(attempts).toEqual([attempts[0], attempts[0]]);
    expect(s.notifier.sent).toHaveLength(1);
  });
});

describe('DynamoDeploymentLookup with an exact service name', () => {
  it("reads only that service's lock, never the lock of a shorter name that looks like its logical one", async () => {
    const dynamo = await startDynalite({ tableName: 'greenlight-lookup-exact' });
    try {
      const store = new DynamoStore({ client: dynamo.documentClient, tableName: dynamo.tableName });
      const clock = new ManualClock(T0);
      const lookup = new DynamoDeploymentLookup({
        client: dynamo.documentClient,
        tableName: dynamo.tableName,
        clock,
      });
      await store.acquireLock('prod/x', 'x-1', 600_000, T0);

      const exact = await lookup.runningDeployment({ cluster: 'prod', service: 'x-blue', exact: true });
      const slot = await lookup.runningDeployment({ cluster: 'prod', service: 'x-blue' });

      expect(exact).toBeNull();
      expect(slot?.id).toBe('x-1');
    } finally {
      await dynamo.stop();
    }
  });
});

describe('logicalServiceNames', () => {
  it('tries the logical name of a blue/green slot first', () => {
    // Act + Assess
    expect(logicalServiceNames('web-blue')).toEqual(['web', 'web-blue']);
    expect(logicalServiceNames('web-green')).toEqual(['web', 'web-green']);
    expect(logicalServiceNames('web')).toEqual(['web']);
    expect(logicalServiceNames('-blue')).toEqual(['-blue']);
  });
});
