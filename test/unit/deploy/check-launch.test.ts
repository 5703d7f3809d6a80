import {
  checkLaunch,
  NewColorCrashLoopError,
  NewColorRolloutFailedError,
} from '../../../functions/deploy/check-launch';
import type { StoppedTask } from '../../../shared/domain/gate';
import {
  ManualClock,
  MemoryFleet,
  MemoryRouter,
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

function world(options: { ready: boolean }) {
  const router = new MemoryRouter();
  const fleet = new MemoryFleet(router);
  fleet.addService(GREEN, 'web-green-tg', 'app:2', 2);
  if (!options.ready) fleet.services.get('local/web-green')!.steady = false;
  const deps = {
    fleet,
    router,
    store: new MemoryStore(),
    clock: new ManualClock(T0),
    logger: silentLogger(),
  };
  return deps;
}

let sequence = 0;
const crash = (stoppedAt: number): StoppedTask => ({
  id: `web-green-${(sequence += 1)}`,
  stoppedAt,
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'app', exitCode: 1 }],
});

const event = (launch: Record<string, number>) => ({
  deployment,
  spec: specFor({}, { pace: 'memory' }),
  launch,
});
// The memory pace's launch timeout is 30 s.
const LAUNCH = { startedAt: T0 - 10_000, deadlineAt: T0 + 20_000 };

describe('checkLaunch', () => {
  it("fails at once when ECS's circuit breaker failed the new revision's rollout, long before the deadline", async () => {
    // Prepare
    const deps = world({ ready: false });
    deps.fleet.services.get('local/web-green')!.failedRollouts = [
      { taskDefinition: 'app:2', reason: 'ECS deployment circuit breaker: tasks failed to start.' },
    ];

    // Act
    const check = checkLaunch(deps, event(LAUNCH));

    // Assess
    await expect(check).rejects.toThrow(NewColorRolloutFailedError);
    await expect(check).rejects.toThrow(
      "green (web-green): ECS's deployment circuit breaker failed the rollout of app:2: ECS deployment circuit breaker: tasks failed to start.",
    );
    const events = await deps.store.listEvents('d-1');
    expect(events.map((e) => e.type)).toEqual(['NEW_COLOR_ROLLOUT_FAILED']);
  });

  it('keeps waiting below the crash-loop threshold, saying what stopped since the launch began', async () => {
    const deps = world({ ready: false });
    deps.fleet.recordStop(GREEN, crash(T0 - 20_000)); // before this launch: not counted
    deps.fleet.recordStop(GREEN, crash(T0 - 5000));
    deps.fleet.recordStop(GREEN, crash(T0 - 1000));

    const state = await checkLaunch(deps, event(LAUNCH));

    expect(state).toEqual({
      ...LAUNCH,
      ready: false,
      deadlineExceeded: false,
      reason:
        '2/2 tasks running, 2 healthy in the target group; 2 green tasks stopped with a failure since the ' +
        'launch began (< 3, the crash-loop threshold for 2 tasks): 2× essential container exited (exit 1)',
    });
  });

  it('fails the launch on a crash loop, naming the color, the count and the causes, and records it', async () => {
    const deps = world({ ready: false });
    for (const at of [T0 - 9000, T0 - 5000, T0 - 1000]) deps.fleet.recordStop(GREEN, crash(at));

    const checking = checkLaunch(deps, event(LAUNCH));

    await expect(checking).rejects.toThrow(NewColorCrashLoopError);
    await expect(checking).rejects.toThrow(
      'green (web-green) is crash-looping: 3 green tasks stopped with a failure since the launch began ' +
        '(≥ 3, the crash-loop threshold for 2 tasks): 3× essential container exited (exit 1)',
    );
    expect((await deps.store.listEvents('d-1')).map((e) => e.type)).toEqual(['NEW_COLOR_CRASH_LOOP']);
  });

  it('lets a color that became steady and healthy go on without reading its stops', async () => {
    const deps = world({ ready: true });
    for (const at of [T0 - 9000, T0 - 5000, T0 - 1000]) deps.fleet.recordStop(GREEN, crash(at));
    const stoppedTasks = jest.spyOn(deps.fleet, 'stoppedTasks');

    const state = await checkLaunch(deps, event(LAUNCH));

    expect(state).toMatchObject({ ready: true, reason: '2/2 tasks running, 2 healthy in the target group' });
    expect(stoppedTasks).not.toHaveBeenCalled();
  });

  it('counts from the deadline minus the launch timeout when the state has no startedAt (a launch begun before it was recorded)', async () => {
    const deps = world({ ready: false });
    const stoppedTasks = jest.spyOn(deps.fleet, 'stoppedTasks');

    const state = await checkLaunch(deps, event({ deadlineAt: T0 + 20_000 }));

    expect(stoppedTasks).toHaveBeenCalledWith(GREEN, T0 - 10_000);
    expect(state.startedAt).toBe(T0 - 10_000);
  });
});
