/**
 * Application Auto Scaling during a deployment, on the in-memory world (simulated: MemoryScaling
 * acts before every Task state as a target-tracking policy would): what it would do to each color
 * and what Greenlight's hold prevents.
 */
import { reconcile } from '../../functions/reconcile/reconcile';
import { ThrottlingError } from '../../shared/domain/errors';
import { ALL_SUSPENDED, HELD_AT_ZERO } from '../../shared/domain/scaling';
import { SpecSchema } from '../../shared/domain/spec';
import type { Scaling } from '../../shared/ports/scaling';
import { specFor } from '../fixtures/spec';
import { MEMORY_SCALING, memoryRequest, memoryWorld, runInMemory } from '../support/memory-world';

const BLUE = { cluster: 'local', service: 'web-blue' };
const GREEN = { cluster: 'local', service: 'web-green' };

/**
 * Target tracking on a quiet service: once the deployment has begun (from Launch on), it wants 1
 * task per color, whatever each serves.
 */
function shrinkingWorld() {
  const world = memoryWorld();
  let begun = false;
  world.scaling.tracking = () => (begun ? 1 : null);
  return { world, begin: () => (begun = true) };
}

/** Desired counts of both colors when each Task state starts, after Auto Scaling acted. */
function countsByState(world: ReturnType<typeof memoryWorld>, begin?: () => void) {
  const seen: { state: string; blue: number; green: number }[] = [];
  const onTask = (state: string) => {
    if (state === 'LaunchNewColor') begin?.();
    seen.push({
      state,
      blue: world.fleet.services.get('local/web-blue')!.desiredCount,
      green: world.fleet.services.get('local/web-green')!.desiredCount,
    });
  };
  return { seen, onTask };
}

describe('Auto Scaling during a blue/green deployment', () => {
  it('without a hold, target tracking undoes the launch and shrinks the live color (the hazard is modelled)', async () => {
    // Prepare: the deployment sees no scalable target, so it holds nothing, while Auto Scaling acts.
    const { world, begin } = shrinkingWorld();
    world.scaling.addTarget(GREEN, { ...MEMORY_SCALING.blue, minCapacity: 0 });
    const blind: Scaling = {
      read: async () => null,
      suspend: async () => undefined,
      restore: async () => undefined,
      holdAtZero: async () => undefined,
    };
    const { seen, onTask } = countsByState(world, begin);

    // Act
    await runInMemory(
      { ...world, scaling: Object.assign(Object.create(world.scaling), blind) },
      memoryRequest(),
      {
        onTask,
      },
    );

    // Assess: green never stays at the 2 tasks it must run, blue serves on 1, the launch times out.
    const checks = seen.filter((s) => s.state === 'CheckNewColor');
    expect(checks.length).toBeGreaterThan(1);
    expect(checks.every((s) => s.green === 1 && s.blue === 1)).toBe(true);
    expect(seen.some((s) => s.state === 'Evaluate')).toBe(false);
  });

  it('keeps both colors at full size through the steps and the bake, then gives green the service configuration and holds blue at 0', async () => {
    // Prepare
    const { world, begin } = shrinkingWorld();
    const { seen, onTask } = countsByState(world, begin);

    // Act
    const result = await runInMemory(world, memoryRequest(), { onTask });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const steps = seen.filter((s) => ['Evaluate', 'EvaluateBake'].includes(s.state));
    expect(steps.length).toBeGreaterThan(2);
    expect(steps.every((s) => s.blue === 2 && s.green === 2)).toBe(true);
    expect(world.scaling.target(GREEN)).toEqual(MEMORY_SCALING.blue);
    expect(world.scaling.target(BLUE)).toEqual(HELD_AT_ZERO);
    expect(world.scaling.writes.map((w) => `${w.call} ${w.service}`)).toEqual([
      'suspend web-blue',
      'suspend web-green',
      'holdAtZero web-blue',
      'restore web-green',
    ]);
    expect(world.scaling.writes[1]?.config).toEqual({
      minCapacity: 0,
      maxCapacity: 2,
      suspended: ALL_SUSPENDED,
    });
    // Afterwards Auto Scaling works on green again and leaves blue alone.
    world.scaling.act();
    expect(world.fleet.services.get('local/web-green')?.desiredCount).toBe(1);
    expect(world.fleet.services.get('local/web-blue')?.desiredCount).toBe(0);
  });

  it('rolls back onto a live color still at full size, holds green at 0 and gives blue its own configuration back', async () => {
    // Prepare
    const { world, begin } = shrinkingWorld();
    world.metrics.windows.green = { requests: 200, errors: 40, p50Ms: 5, p99Ms: 20 };
    const { seen, onTask } = countsByState(world, begin);

    // Act
    const result = await runInMemory(world, memoryRequest(), { onTask });

    // Assess
    expect(result.status).toBe('FAILED');
    expect(seen.find((s) => s.state === 'Rollback')).toMatchObject({ blue: 2 });
    expect(world.scaling.target(BLUE)).toEqual(MEMORY_SCALING.blue);
    expect(world.scaling.target(GREEN)).toEqual(HELD_AT_ZERO);
    world.scaling.act();
    expect(world.fleet.services.get('local/web-green')?.desiredCount).toBe(0);
  });

  it('never starts a new color whose target has a minimum before Launch, and holds it at 0 after a rollback', async () => {
    // Prepare: green registered by its user with min 3 / max 3, scale-out suspended (so still at 0).
    // Any update of that target moves green into [min, max]: a hold that kept min 3 would start
    // three tasks of green's old revision.
    const world = memoryWorld();
    world.scaling.addTarget(GREEN, {
      minCapacity: 3,
      maxCapacity: 3,
      suspended: { dynamicScalingIn: false, dynamicScalingOut: true, scheduledScaling: false },
    });
    world.metrics.windows.green = { requests: 200, errors: 40, p50Ms: 5, p99Ms: 20 };
    const { seen, onTask } = countsByState(world);

    // Act
    await runInMemory(world, memoryRequest(), { onTask });

    // Assess: green is 0 when Launch starts (its min lowered by the hold), 2 once launched.
    expect(seen.find((s) => s.state === 'LaunchNewColor')?.green).toBe(0);
    expect(seen.find((s) => s.state === 'CheckNewColor')?.green).toBe(2);
    expect(world.scaling.target(GREEN)).toEqual(HELD_AT_ZERO);
    expect(world.store.records.get('d-1')?.scaling?.green).toMatchObject({ minCapacity: 3, maxCapacity: 3 });
  });

  it('restores the targets when Prepare fails after suspending them, before freeing the service', async () => {
    // Prepare
    const world = memoryWorld();
    // Green's suspension takes effect, then the call fails (not a throttle: Prepare is not retried).
    const suspend = world.scaling.suspend.bind(world.scaling);
    world.scaling.suspend = async (slot, bounds) => {
      await suspend(slot, bounds);
      if (slot.service === 'web-green') throw new Error('green refused');
    };

    // Act
    const result = await runInMemory(world, memoryRequest());

    // Assess
    expect(result.status).toBe('FAILED');
    expect(world.store.records.get('d-1')?.status).toBe('REJECTED');
    expect(world.scaling.target(BLUE)).toEqual(MEMORY_SCALING.blue);
    expect(world.scaling.target(GREEN)).toEqual(MEMORY_SCALING.green);
  });

  it('restores what its first attempt saved when a retried Prepare finds the targets still suspended', async () => {
    // Prepare: the first suspension is throttled and so is the restore after it.
    const world = memoryWorld();
    const suspend = world.scaling.suspend.bind(world.scaling);
    const restore = world.scaling.restore.bind(world.scaling);
    let suspends = 0;
    let restores = 0;
    world.scaling.suspend = async (slot, bounds) => {
      await suspend(slot, bounds);
      suspends += 1;
      if (suspends === 2) throw new ThrottlingError('throttled');
    };
    world.scaling.restore = async (slot, config) => {
      restores += 1;
      if (restores <= 2) throw new ThrottlingError('throttled');
      return restore(slot, config);
    };

    // Act
    const result = await runInMemory(world, memoryRequest());

    // Assess
    expect(result.events.filter((e) => e.type === 'StateRetried' && e.state === 'Prepare')).toHaveLength(1);
    expect(result.status).toBe('SUCCEEDED');
    expect(world.scaling.target(GREEN)).toEqual(MEMORY_SCALING.blue);
    expect(world.scaling.target(BLUE)).toEqual(HELD_AT_ZERO);
  });

  it('restores scaling when reconcile repairs a deployment that died with it suspended', async () => {
    // Prepare: d-dead suspended both targets, launched green and died at 25 %.
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
      scaling: { blue: MEMORY_SCALING.blue, green: MEMORY_SCALING.green },
    });
    await world.store.acquireLock('local/web', 'd-dead', 3_600_000, now - 60_000);
    await world.scaling.suspend(BLUE, { minCapacity: 1, maxCapacity: 4 });
    await world.scaling.suspend(GREEN, { minCapacity: 0, maxCapacity: 2 });
    await world.fleet.deploy(GREEN, 'app:2', 2);
    world.router.weights = { blue: 75, green: 25 };

    // Act
    const report = await reconcile({ ...world, executions: { status: async () => 'ABORTED' as const } });

    // Assess
    expect(report.repaired).toEqual([{ id: 'd-dead', live: 'blue' }]);
    expect(world.scaling.target(BLUE)).toEqual(MEMORY_SCALING.blue);
    expect(world.scaling.target(GREEN)).toEqual(HELD_AT_ZERO);
    expect(world.fleet.services.get('local/web-green')?.desiredCount).toBe(0);
  });

  it('changes nothing for a service without scalable targets', async () => {
    // Prepare
    const world = memoryWorld();
    world.scaling.targets.clear();

    // Act
    const result = await runInMemory(world, memoryRequest());

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(world.scaling.writes).toEqual([]);
    expect(world.store.records.get('d-1')?.scaling).toEqual({ blue: null, green: null });
  });
});

describe('Auto Scaling at a failed rollback (ROLLBACK_FAILED)', () => {
  const failingGate = () => {
    const world = memoryWorld();
    world.metrics.windows.green = { requests: 200, errors: 40, p50Ms: 5, p99Ms: 20 };
    return world;
  };
  const failing = (message: string) => async () => {
    throw Object.assign(new Error(message), { name: 'NetworkingError' });
  };

  it('gives the live color its scaling back when traffic was read back on it and only the scale-down failed', async () => {
    // Prepare
    const world = failingGate();

    // Act
    const result = await runInMemory(world, memoryRequest(), {
      stateOverrides: { ScaleDownNewColor: failing('ECS unreachable') },
    });

    // Assess
    expect(result.error).toBe('RollbackFailed');
    expect(world.store.records.get('d-1')?.status).toBe('ROLLBACK_FAILED');
    expect(world.router.weights).toEqual({ blue: 100, green: 0 });
    expect(world.scaling.target(BLUE)).toEqual(MEMORY_SCALING.blue);
    const message = world.notifier.sent.at(-1)!.message;
    expect(message).toContain('ACTION NEEDED: traffic is back on blue');
    expect(message).toContain('Auto Scaling: blue scaling restored');
    expect((await world.store.listEvents('d-1')).map((e) => e.type)).toContain('SCALING_RESTORED');
  });

  it('leaves it suspended, and says so with the configuration to restore, when traffic may still be split', async () => {
    // Prepare
    const world = failingGate();

    // Act
    const result = await runInMemory(world, memoryRequest(), {
      stateOverrides: { Rollback: failing('listener unreachable') },
    });

    // Assess: blue keeps its size however little it serves, for the operator to send traffic back
    expect(result.error).toBe('RollbackFailed');
    expect(world.scaling.target(BLUE)?.suspended).toEqual(ALL_SUSPENDED);
    const message = world.notifier.sent.at(-1)!.message;
    expect(message).toContain('Auto Scaling: Application Auto Scaling is left suspended on both colors');
    expect(message).toContain("restore that color's scalable target to: ");
    expect(world.store.records.get('d-1')?.warning).toContain('left suspended on both colors');
  });
});
