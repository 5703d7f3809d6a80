import { reconcile } from '../../functions/reconcile/reconcile';
import { SpecSchema } from '../../shared/domain/spec';
import type { ExecutionStatus } from '../../shared/ports/executions';
import { memoryWorld } from '../support/memory-world';
import { specFor } from '../fixtures/spec';

/** A world where deployment d-dead was at 25 % on green when its execution stopped. */
async function abandonedWorld(status: ExecutionStatus) {
  const world = memoryWorld();
  const now = world.clock.now();
  await world.store.createDeployment({
    id: 'd-dead',
    service: 'web',
    cluster: 'local',
    image: 'registry.local/web:v2',
    requestedBy: 'test',
    status: 'IN_PROGRESS',
    startedAt: now - 60_000,
    liveColor: 'blue',
    newColor: 'green',
    spec: SpecSchema.parse(specFor({}, { pace: 'memory' })),
  });
  await world.store.acquireLock('local/web', 'd-dead', 3_600_000, now - 60_000);
  await world.fleet.deploy({ cluster: 'local', service: 'web-green' }, 'app:2', 2);
  world.router.weights = { blue: 75, green: 25 };
  const executions = { status: jest.fn(async () => status) };
  return { world, deps: { ...world, executions } };
}

describe('reconcile', () => {
  it.each(['ABORTED', 'FAILED', 'TIMED_OUT', 'NOT_FOUND'] as const)(
    'restores safety for a deployment whose execution is %s',
    async (status) => {
      const { world, deps } = await abandonedWorld(status);

      const report = await reconcile(deps);

      expect(report).toEqual({
        checked: 1,
        running: 0,
        finished: 0,
        repaired: [{ id: 'd-dead', live: 'blue' }],
        listenersRestored: [],
        skipped: [],
        hookOnly: { closed: [], notified: [], notifyFailed: [], skipped: [] },
      });
      expect(world.router.weights).toEqual({ blue: 100, green: 0 });
      expect(world.fleet.services.get('local/web-green')?.desiredCount).toBe(0);
      expect(world.store.records.get('d-dead')).toMatchObject({
        status: 'ROLLED_BACK',
        error: { error: 'Abandoned' },
      });
      expect(world.store.locks.size).toBe(0);
      expect(world.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['REPAIRED']);
      expect(deps.executions.status).toHaveBeenCalledWith('d-dead');
    },
  );

  it('leaves a deployment whose execution is still running alone', async () => {
    const { world, deps } = await abandonedWorld('RUNNING');

    const report = await reconcile(deps);

    expect(report).toEqual({
      checked: 1,
      running: 1,
      finished: 0,
      repaired: [],
      listenersRestored: [],
      skipped: [],
      hookOnly: { closed: [], notified: [], notifyFailed: [], skipped: [] },
    });
    expect(world.router.weights).toEqual({ blue: 75, green: 25 });
    expect(world.store.locks.get('local/web')?.owner).toBe('d-dead');
  });

  it('leaves a hook-only deployment (run by ECS, watched by the hook) out: no execution, nothing to repair', async () => {
    const world = memoryWorld();
    await world.store.createDeployment({
      id: 'ecs-hVc1KiZn4rK5AX4nVN5Dm',
      service: 'web',
      cluster: 'local',
      image: 'arn:aws:ecs:eu-west-1:123456789012:service-revision/local/web/2',
      requestedBy: 'ecs (lifecycle hook)',
      status: 'IN_PROGRESS',
      startedAt: world.clock.now(),
      external: { controller: 'ecs', deploymentId: 'arn:...:service-deployment/local/web/x', hookOnly: true },
    });
    const executions = { status: jest.fn(async () => 'NOT_FOUND' as const) };

    const report = await reconcile({ ...world, executions });

    expect(report).toMatchObject({ checked: 0, repaired: [], skipped: [] });
    expect(executions.status).not.toHaveBeenCalled();
    expect(world.store.records.get('ecs-hVc1KiZn4rK5AX4nVN5Dm')?.status).toBe('IN_PROGRESS');
  });

  it('skips a dead deployment whose lock a newer deployment holds (that one repairs first)', async () => {
    const { world, deps } = await abandonedWorld('ABORTED');
    world.store.locks.set('local/web', { owner: 'd-new', expiresAt: world.clock.now() + 60_000 });

    const report = await reconcile(deps);

    expect(report.skipped).toEqual([
      { id: 'd-dead', reason: 'lock held by d-new, which repairs the service first' },
    ]);
    expect(world.router.weights).toEqual({ blue: 75, green: 25 });
  });

  it('reports, without touching anything, a dead deployment that has no spec to repair with', async () => {
    const { world, deps } = await abandonedWorld('FAILED');
    const record = world.store.records.get('d-dead')!;
    delete record.spec;

    const report = await reconcile(deps);

    expect(report.skipped).toEqual([
      { id: 'd-dead', reason: 'execution FAILED and the record has no usable spec: repair by hand' },
    ]);
    expect(world.router.weights).toEqual({ blue: 75, green: 25 });
  });

  /**
   * The deployment finishes after reconcile listed it as open: green promoted, blue retired, the
   * lock released — while reconcile still holds the IN_PROGRESS copy.
   */
  async function finishedAfterListing(status: 'PROMOTED' | 'ROLLBACK_FAILED') {
    const { world, deps } = await abandonedWorld('SUCCEEDED');
    const snapshot = structuredClone(await world.store.listOpenDeployments());
    world.store.listOpenDeployments = async () => snapshot;
    await world.store.updateDeployment('d-dead', {
      status,
      endedAt: world.clock.now(),
      ...(status === 'ROLLBACK_FAILED' ? { error: { error: 'RollbackFailed', cause: 'test' } } : {}),
    });
    if (status === 'PROMOTED') {
      world.router.weights = { blue: 0, green: 100 };
      await world.fleet.scale({ cluster: 'local', service: 'web-blue' }, 0);
      await world.store.releaseLock('local/web', 'd-dead');
    }
    return { world, deps };
  }

  it('does nothing for a deployment that finished after it was listed as open', async () => {
    const { world, deps } = await finishedAfterListing('PROMOTED');

    const report = await reconcile(deps);

    expect(report).toMatchObject({ checked: 1, running: 0, finished: 1, repaired: [], skipped: [] });
    expect(world.router.weights).toEqual({ blue: 0, green: 100 });
    expect(world.fleet.services.get('local/web-green')?.desiredCount).toBe(2);
    expect(world.store.records.get('d-dead')).toMatchObject({ status: 'PROMOTED' });
    expect(world.store.records.get('d-dead')?.error).toBeUndefined();
    expect(world.store.events.get('d-dead') ?? []).toEqual([]);
    expect(world.notifier.sent).toEqual([]);
    expect(world.store.locks.size).toBe(0);
  });

  it('leaves the lock a ROLLBACK_FAILED deployment keeps, even when listed before it failed', async () => {
    const { world, deps } = await finishedAfterListing('ROLLBACK_FAILED');
    const lease = world.store.locks.get('local/web')!.expiresAt;

    const report = await reconcile(deps);

    expect(report).toMatchObject({ finished: 1, repaired: [] });
    expect(world.store.locks.get('local/web')).toEqual({ owner: 'd-dead', expiresAt: lease });
    expect(world.notifier.sent).toEqual([]);
  });

  it('does nothing when the deployment finishes while reconcile waits for the lock', async () => {
    const { world, deps } = await abandonedWorld('SUCCEEDED');
    const acquire = world.store.acquireLock.bind(world.store);
    // The deployment's Finish runs between reconcile's first reads and its lock.
    world.store.acquireLock = async (...args) => {
      if (world.store.records.get('d-dead')?.status === 'IN_PROGRESS') {
        await world.store.updateDeployment('d-dead', {
          status: 'ROLLED_BACK',
          error: { error: 'GateFailed', cause: 'test' },
        });
        world.router.weights = { blue: 100, green: 0 };
        await world.store.releaseLock('local/web', 'd-dead');
      }
      return acquire(...args);
    };

    const report = await reconcile(deps);

    expect(report).toMatchObject({ finished: 1, repaired: [] });
    expect(world.store.records.get('d-dead')?.error).toEqual({ error: 'GateFailed', cause: 'test' });
    expect(world.notifier.sent).toEqual([]);
    expect(world.store.locks.size).toBe(0);
  });

  it('finds nothing to do when every deployment has finished', async () => {
    const { world, deps } = await abandonedWorld('SUCCEEDED');
    await world.store.updateDeployment('d-dead', { status: 'PROMOTED' });
    world.router.weights = { blue: 0, green: 100 };

    expect(await reconcile(deps)).toEqual({
      checked: 0,
      running: 0,
      finished: 0,
      repaired: [],
      listenersRestored: [],
      skipped: [],
      hookOnly: { closed: [], notified: [], notifyFailed: [], skipped: [] },
    });
    expect(world.router.history).toEqual([]);
  });
});

describe('reconcile: listeners split with no deployment running', () => {
  /** d-done promoted green; the listener is now found at 30/70 (blue/green). */
  async function splitWorld(status: 'PROMOTED' | 'ROLLED_BACK' = 'PROMOTED') {
    const { world, deps } = await abandonedWorld('SUCCEEDED');
    world.store.records.delete('d-dead');
    world.store.locks.clear();
    await world.store.createDeployment({
      id: 'd-done',
      service: 'web',
      cluster: 'local',
      image: 'registry.local/web:v2',
      requestedBy: 'test',
      status,
      startedAt: world.clock.now() - 600_000,
      endedAt: world.clock.now() - 300_000,
      liveColor: 'blue',
      newColor: 'green',
      spec: SpecSchema.parse(specFor({}, { pace: 'memory' })),
    });
    world.router.weights = { blue: 30, green: 70 };
    world.router.health['web-green-tg'] = { healthy: 2, unhealthy: 0, transitioning: 0 };
    world.router.health['web-blue-tg'] = { healthy: 2, unhealthy: 0, transitioning: 0 };
    return { world, deps };
  }

  it.each([
    ['PROMOTED', 'green', { blue: 0, green: 100 }],
    ['ROLLED_BACK', 'blue', { blue: 100, green: 0 }],
  ] as const)(
    'puts traffic back on the color a %s deployment left live, records it and notifies',
    async (status, live, weights) => {
      const { world, deps } = await splitWorld(status);

      const report = await reconcile(deps);

      expect(report.listenersRestored).toEqual([
        { service: 'web', deploymentId: 'd-done', live, found: { blue: 30, green: 70 } },
      ]);
      expect(world.router.weights).toEqual(weights);
      expect(world.store.events.get('d-done')?.map((e) => e.type)).toEqual(['LISTENER_RESTORED']);
      expect(world.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['LISTENER_RESTORED']);
      expect(world.store.locks.size).toBe(0);
    },
  );

  it('leaves the listener alone while a deployment holds the service lock', async () => {
    const { world, deps } = await splitWorld();
    world.store.locks.set('local/web', { owner: 'd-next', expiresAt: world.clock.now() + 60_000 });

    const report = await reconcile(deps);

    expect(report.listenersRestored).toEqual([]);
    expect(world.router.weights).toEqual({ blue: 30, green: 70 });
    expect(world.store.locks.get('local/web')?.owner).toBe('d-next');
  });

  it('leaves the listener alone while the newest deployment is in progress', async () => {
    const { world, deps } = await splitWorld();
    await world.store.createDeployment({
      ...world.store.records.get('d-done')!,
      id: 'd-running',
      status: 'IN_PROGRESS',
      startedAt: world.clock.now(),
    });
    deps.executions.status.mockResolvedValue('RUNNING');

    const report = await reconcile(deps);

    expect(report.listenersRestored).toEqual([]);
    expect(world.router.history).toEqual([]);
  });

  it('does not move traffic onto a color with no healthy target, and says so', async () => {
    const { world, deps } = await splitWorld();
    world.router.health['web-green-tg'] = { healthy: 0, unhealthy: 2, transitioning: 0 };

    const report = await reconcile(deps);

    expect(report.listenersRestored).toEqual([]);
    expect(report.skipped).toEqual([
      {
        id: 'd-done',
        reason: 'web: listener split 30/70 (blue/green) but green has no healthy target: repair by hand',
      },
    ]);
    expect(world.router.weights).toEqual({ blue: 30, green: 70 });
  });
});
