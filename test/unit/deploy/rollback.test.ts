import { rollback } from '../../../functions/deploy/rollback';
import { WeightsMismatchError } from '../../../shared/domain/errors';
import { SpecSchema } from '../../../shared/domain/spec';
import {
  ManualClock,
  MemoryFleet,
  MemoryRouter,
  MemoryScaling,
  MemoryStore,
  silentLogger,
} from '../../support/memory-ports';
import { specFor } from '../../fixtures/spec';

const T0 = Date.UTC(2026, 0, 1, 12);
const GREEN = { cluster: 'local', service: 'web-green' };
const deployment = {
  id: 'd-1',
  image: 'registry.local/web:v2',
  requestedBy: 'test',
  liveColor: 'blue' as const,
  newColor: 'green' as const,
  taskDefinition: 'app:2',
  desiredCount: 2,
  startedAt: T0 - 60_000,
};

function world() {
  const router = new MemoryRouter();
  router.weights = { blue: 75, green: 25 };
  const fleet = new MemoryFleet(router);
  fleet.addService(GREEN, 'web-green-tg', 'app:2', 2);
  const store = new MemoryStore();
  void store.createDeployment({
    id: 'd-1',
    service: 'web',
    cluster: 'local',
    image: deployment.image,
    requestedBy: 'test',
    status: 'IN_PROGRESS',
    startedAt: deployment.startedAt,
    spec: SpecSchema.parse(specFor({}, { pace: 'memory' })),
  });
  return {
    fleet,
    router,
    scaling: new MemoryScaling(fleet),
    store,
    clock: new ManualClock(T0),
    logger: silentLogger(),
  };
}

const event = (phase?: 'restore-traffic' | 'scale-down') => ({
  deployment,
  spec: specFor({}, { pace: 'memory' }),
  ...(phase ? { phase } : {}),
});

describe('rollback', () => {
  it('restore-traffic: puts 100 % back on the live color, read back, and leaves the new color running', async () => {
    // Prepare
    const deps = world();

    // Act
    const result = await rollback(deps, event('restore-traffic'));

    // Assess
    expect(result).toEqual({ weights: { blue: 100, green: 0 } });
    expect(deps.router.weights).toEqual({ blue: 100, green: 0 });
    expect(deps.fleet.services.get('local/web-green')?.desiredCount).toBe(2);
  });

  it('scale-down: reads 100 % on the live color back again, then scales the new color to 0', async () => {
    // Prepare
    const deps = world();
    deps.router.weights = { blue: 100, green: 0 };

    // Act
    await rollback(deps, event('scale-down'));

    // Assess
    expect(deps.fleet.services.get('local/web-green')?.desiredCount).toBe(0);
    expect(deps.router.history).toEqual([]);
    const events = await deps.store.listEvents('d-1');
    expect(events.map((e) => e.type)).toEqual(['ROLLBACK_DONE']);
  });

  it('scale-down: refuses to scale the new color down when the weights no longer read 100 % live', async () => {
    // Prepare: something moved traffic back during the settle.
    const deps = world();

    // Act
    const scaling = rollback(deps, event('scale-down'));

    // Assess
    await expect(scaling).rejects.toBeInstanceOf(WeightsMismatchError);
    expect(deps.fleet.services.get('local/web-green')?.desiredCount).toBe(2);
  });

  it('without a phase (an execution started before the settle existed): restores traffic and scales down at once', async () => {
    // Prepare
    const deps = world();

    // Act
    await rollback(deps, event());

    // Assess
    expect(deps.router.weights).toEqual({ blue: 100, green: 0 });
    expect(deps.fleet.services.get('local/web-green')?.desiredCount).toBe(0);
  });
});
