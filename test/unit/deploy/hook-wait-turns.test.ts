import { advance } from '../../../functions/deploy/next-step';
import { setWeights } from '../../../functions/deploy/set-weights';
import { launch } from '../../../functions/deploy/launch';
import {
  ManualClock,
  MemoryFleet,
  MemoryRouter,
  MemoryStore,
  silentLogger,
} from '../../support/memory-ports';
import { answer, MemoryUserHooks } from '../../support/memory-user-hooks';
import { specFor } from '../../fixtures/spec';

const T0 = Date.UTC(2026, 0, 1, 12);
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
const hook = { name: 'window', url: 'https://hooks.example.com/', deadlineSeconds: 60 };

function world(script: ConstructorParameters<typeof MemoryUserHooks>[0]) {
  const router = new MemoryRouter();
  const fleet = new MemoryFleet(router);
  fleet.addService({ cluster: 'local', service: 'web-green' }, 'web-green-tg', null, 0);
  return {
    router,
    fleet,
    store: new MemoryStore(),
    clock: new ManualClock(T0),
    logger: silentLogger(),
    userHooks: new MemoryUserHooks(script),
  };
}

describe('the turns of a hook wait loop (LaunchNewColor, NextStep, Promote)', () => {
  it('answers hookWaiting with the delay for the Wait state, and launches nothing meanwhile', async () => {
    // Prepare
    const deps = world({
      beforeLaunch: [answer({ result: 'wait', retryAfterSeconds: 20 }), answer({ result: 'pass' })],
    });
    const spec = specFor({ hooks: { beforeLaunch: hook } }, { pace: 'memory' });
    // Act: the first turn (Prepare's null).
    const first = await launch(deps, { deployment, spec, launch: null });
    // Assess
    expect(first).toEqual({
      hookWaiting: true,
      userHook: {
        stage: 'beforeLaunch',
        firstCalledAt: T0,
        attempt: 1,
        retryAt: T0 + 20_000,
        waitSeconds: 20,
      },
    });
    expect(deps.fleet.services.get('local/web-green')?.desiredCount).toBe(0);

    // A turn that comes early (a Wait cut short) waits out the rest without calling the hook.
    deps.clock.advance(12_000);
    const early = await launch(deps, { deployment, spec, launch: first });
    expect(early).toMatchObject({ hookWaiting: true, userHook: { attempt: 1, waitSeconds: 8 } });
    expect(deps.userHooks.calls).toHaveLength(1);

    // Within a second of the retry time is on time: the hook is called, passes, the color launches.
    deps.clock.advance(7_500);
    const launched = await launch(deps, { deployment, spec, launch: early });
    expect(launched).toMatchObject({ ready: false, reason: 'launching' });
    expect(deps.userHooks.calls.map((c) => c.context.attempt)).toEqual([1, 2]);
    expect(deps.fleet.services.get('local/web-green')?.desiredCount).toBe(2);
  });

  it("keeps the deadline of the hook's first call across turns", async () => {
    const deps = world({ beforePromote: [answer({ result: 'wait', retryAfterSeconds: 30 })] });
    const spec = specFor({ hooks: { beforePromote: hook } }, { pace: 'memory' });
    const input = { deployment, spec, weight: 100 };
    const first = await setWeights(deps, { ...input, weights: null });
    deps.clock.advance(30_000);
    const second = await setWeights(deps, { ...input, weights: first });
    expect(second).toMatchObject({ userHook: { firstCalledAt: T0, attempt: 2, retryAt: T0 + 60_000 } });
    deps.clock.advance(30_000);
    await expect(setWeights(deps, { ...input, weights: second })).rejects.toThrow(
      'user hook "window" (beforePromote) still waiting after its deadline of 60 s',
    );
    // The weights never moved.
    expect(deps.router.history).toEqual([]);
  });

  it('waits before the step after the one that ended, and starts that step once its hook passes', async () => {
    const deps = world({
      beforeStep: [answer({ result: 'wait', retryAfterSeconds: 5 }), answer({ result: 'pass' })],
    });
    const spec = specFor({ hooks: { beforeStep: hook } }, { pace: 'memory' });
    await deps.store.createDeployment({
      id: 'd-1',
      service: 'web',
      cluster: 'local',
      image: deployment.image,
      requestedBy: 'test',
      status: 'IN_PROGRESS',
      startedAt: T0,
    });
    const waiting = await advance(deps, { deployment, spec, step: { index: 0 }, phase: 'step' });
    // Waiting before step 1 (the one after step 0), which has not started.
    expect(waiting).toMatchObject({ done: false, hookWaiting: true, index: 1, userHook: { attempt: 1 } });
    expect(deps.store.events.get('d-1')?.some((e) => e.type === 'STEP_STARTED')).toBeFalsy();
    deps.clock.advance(5_000);
    const started = await advance(deps, { deployment, spec, step: waiting, phase: 'step' });
    expect(started).toMatchObject({ done: false, index: 1, startedAt: T0 + 5_000 });
    expect(started).not.toHaveProperty('hookWaiting');
  });

  it('refuses a damaged progress with the field named, rather than restarting the deadline', async () => {
    const deps = world({});
    const spec = specFor({ hooks: { beforeLaunch: hook } }, { pace: 'memory' });
    await expect(
      launch(deps, { deployment, spec, launch: { hookWaiting: true, userHook: { stage: 'beforeLaunch' } } }),
    ).rejects.toThrow(/launch\.userHook\.firstCalledAt/);
    expect(deps.userHooks.calls).toHaveLength(0);
  });
});
