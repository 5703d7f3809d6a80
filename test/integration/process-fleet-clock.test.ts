/**
 * The fleet on the rehearsal's compressed clock: a stopped task's `stoppedAt` is in the clock's
 * (virtual) time, so the gate's windows (virtual) find it; real timestamps would fall before them.
 */
import { AlbProxy } from '../../shared/local/alb/proxy';
import { CompressedClock } from '../../shared/local/compressed-clock';
import { ImageCatalog } from '../../shared/local/ecs/image-catalog';
import { ProcessFleet } from '../../shared/local/ecs/process-fleet';
import { LocalTaskDefinitions } from '../../shared/local/ecs/task-definitions';
import { waitFor } from '../fixtures/local-infra';

const slot = { cluster: 'local', service: 'web-blue' };

describe('ProcessFleet on a compressed clock', () => {
  let proxy: AlbProxy;
  let fleet: ProcessFleet;

  afterEach(async () => {
    await fleet?.stopAll();
    await proxy?.stop();
  });

  it('stamps stopped tasks in virtual time, found by a window that starts in virtual time', async () => {
    // Prepare: one task steady, the virtual clock well ahead of the wall clock by then
    const clock = new CompressedClock(30);
    proxy = await AlbProxy.start({ healthCheck: { intervalMs: 100, healthyThreshold: 2 } });
    const taskDefinitions = new LocalTaskDefinitions();
    const v1 = taskDefinitions.register({
      family: 'web',
      containerDefinitions: [
        { name: 'app', image: 'greenlight/demo-app:v1', portMappings: [{ containerPort: 8080 }] },
      ],
    });
    fleet = new ProcessFleet({
      proxy,
      taskDefinitions,
      catalog: new ImageCatalog(),
      reconcileIntervalMs: 50,
      clock,
    });
    fleet.createService({ ...slot, targetGroup: 'tg-blue', taskDefinition: v1, desiredCount: 1 });
    await waitFor('steady', async () => (await fleet.describe(slot)).steady);
    const since = clock.now();
    expect(since).toBeGreaterThan(Date.now() + 1000);

    // Act
    await fleet.scale(slot, 0);
    await waitFor('the stop recorded', async () => (await fleet.stoppedTasks(slot, since)).length > 0);

    // Assess
    const [stop] = await fleet.stoppedTasks(slot, since);
    expect(stop!.stoppedAt).toBeGreaterThanOrEqual(since);
    expect(stop!.stoppedAt).toBeLessThanOrEqual(clock.now());
    expect(stop!.stopCode).toBe('ServiceSchedulerInitiated');
  });
});
