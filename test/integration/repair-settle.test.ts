/**
 * A repair (reconcile, or Prepare finding an abandoned deployment) settles traffic as Rollback
 * does: the idle color keeps its tasks for trafficSettleSeconds after the weights were read back,
 * when it had traffic before (simulated: in-memory world, a manual clock whose sleep advances it).
 */
import { reconcile } from '../../functions/reconcile/reconcile';
import { SpecSchema } from '../../shared/domain/spec';
import { specFor } from '../fixtures/spec';
import { ManualClock } from '../support/memory-ports';
import { memoryWorld } from '../support/memory-world';

async function abandonedWorld(weights: { blue: number; green: number }, trafficSettleSeconds = 20) {
  const clock = new ManualClock();
  const world = memoryWorld({ clock });
  const now = clock.now();
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
    spec: SpecSchema.parse(specFor({ trafficSettleSeconds }, { pace: 'memory' })),
  });
  await world.store.acquireLock('local/web', 'd-dead', 3_600_000, now - 60_000);
  await world.fleet.deploy({ cluster: 'local', service: 'web-green' }, 'app:2', 2);
  world.router.weights = weights;
  // When the weights were last written and when green was scaled down (the clock's time).
  const times: { weights?: number; scaledDown?: number } = {};
  const setWeights = world.router.setWeights.bind(world.router);
  world.router.setWeights = async (route, w) => {
    times.weights = clock.now();
    return setWeights(route, w);
  };
  const scale = world.fleet.scale.bind(world.fleet);
  world.fleet.scale = async (slot, count) => {
    if (slot.service === 'web-green' && count === 0) times.scaledDown = clock.now();
    return scale(slot, count);
  };
  const executions = { status: jest.fn(async () => 'ABORTED' as const) };
  return { world, deps: { ...world, executions }, times };
}

describe('repair of an abandoned deployment', () => {
  it('waits trafficSettleSeconds after the weights read back before scaling a color that had traffic down', async () => {
    // Prepare: green had 25 % when the execution stopped
    const { world, deps, times } = await abandonedWorld({ blue: 75, green: 25 });

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.repaired).toEqual([{ id: 'd-dead', live: 'blue' }]);
    expect(times.scaledDown! - times.weights!).toBeGreaterThanOrEqual(20_000);
    expect(world.fleet.services.get('local/web-green')?.desiredCount).toBe(0);
    expect(world.store.records.get('d-dead')?.error?.cause).toContain(
      'scaled green to 0 20 s later (traffic settle)',
    );
  });

  it('does not wait when the idle color had no traffic: no load balancer node can still route to it', async () => {
    // Prepare
    const { deps, times } = await abandonedWorld({ blue: 100, green: 0 });

    // Act
    await reconcile(deps);

    // Assess
    expect(times.scaledDown! - times.weights!).toBe(0);
  });
});
