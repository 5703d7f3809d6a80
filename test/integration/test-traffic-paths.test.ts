import { SpecSchema } from '../../shared/domain/spec';
import { FAULT_KINDS, SCENARIOS } from '../support/fault-injection';
import { parseInput } from '../../shared/domain/validation';
import {
  MEMORY_TEST_LISTENER,
  memoryRequest,
  memoryTestTraffic,
  memoryWorld,
  runInMemory,
  statesEntered,
  type MemoryWorld,
} from '../support/memory-world';
import { specFor } from '../fixtures/spec';
import {
  expectSafeRollback,
  faultAtEverySite,
  injectedFailure,
  onShift,
  throwingIn,
} from '../support/safe-rollback';

/** Every fifth probe answers 503: 2 of every 10 fail. */
const failEveryFifth = (world: MemoryWorld) => {
  world.probe.respond = (_config, i) => ({ status: i % 5 === 4 ? 503 : 200, latencyMs: 5 });
};

const testTrafficRequest = (testTraffic: Parameters<typeof memoryTestTraffic>[0] = {}) =>
  memoryRequest({ spec: specFor(memoryTestTraffic(testTraffic), { pace: 'memory' }) });

/** Both listeners back on blue: the test-traffic phase's own safety after a rollback. */
const TEST_LISTENER = { testListener: true };

describe('blue-green state machine: test-traffic phase', () => {
  it('proves the new color on the test listener, then runs the production steps and promotes', async () => {
    // Prepare
    const world = memoryWorld();

    // Act
    const result = await runInMemory(world, testTrafficRequest());

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const states = statesEntered(result);
    const firstShift = states.indexOf('ShiftTraffic');
    expect(
      states.slice(states.lastIndexOf('NewColorReady?'), states.indexOf('EvaluateTestTraffic') + 1),
    ).toEqual([
      'NewColorReady?',
      'ShiftTestTraffic',
      'VerifyTestTraffic',
      'StartTestTraffic',
      'TestTrafficWait',
      'EvaluateTestTraffic',
    ]);
    expect(states.lastIndexOf('EvaluateTestTraffic')).toBeLessThan(firstShift);
    // The test listener moved once, to green, and stays there once green is live.
    expect(world.router.listenerHistory).toEqual([
      { listener: MEMORY_TEST_LISTENER, weights: { blue: 0, green: 100 } },
    ]);
    expect(world.router.history).toEqual([
      { blue: 95, green: 5 },
      { blue: 75, green: 25 },
      { blue: 0, green: 100 },
    ]);
    expect(world.store.records.get('d-1')?.status).toBe('PROMOTED');
    const types = (await world.store.listEvents('d-1')).map((e) => e.type);
    expect(types.indexOf('TEST_TRAFFIC_PASSED')).toBeLessThan(types.indexOf('WEIGHTS_SET'));
    expect(types).toEqual(expect.arrayContaining(['TEST_WEIGHTS_SET', 'TEST_TRAFFIC_STARTED']));
    // Probes keep running with the production gate (every evaluation, the bake included).
    const testRounds = states.filter((s) => s === 'EvaluateTestTraffic').length;
    const gateRounds = states.filter((s) => s === 'Evaluate' || s === 'EvaluateBake').length;
    expect(world.probe.runs).toBe(testRounds + gateRounds);
  });

  it('holds the test traffic at least holdSeconds, even when the probes pass at once', async () => {
    const world = memoryWorld();

    const result = await runInMemory(world, testTrafficRequest({ holdSeconds: 5 }));

    const evaluations = result.events.filter(
      (e) => e.type === 'StateExited' && e.state === 'EvaluateTestTraffic',
    );
    const last = evaluations.at(-1)?.output as {
      testTraffic: { startedAt: number; observation: { at: number } };
    };
    expect(last.testTraffic.observation.at - last.testTraffic.startedAt).toBeGreaterThanOrEqual(5000);
    expect(evaluations.length).toBeGreaterThan(1);
  });

  it('rolls back on failing probes: production traffic never moves, the test listener goes back to the live color', async () => {
    const world = memoryWorld();
    failEveryFifth(world);

    const result = await runInMemory(world, testTrafficRequest());

    const record = expectSafeRollback(result, world, TEST_LISTENER);
    // The only production write is Rollback's restore of what was already there.
    expect(world.router.history).toEqual([{ blue: 100, green: 0 }]);
    expect(world.router.listenerHistory.map((c) => c.weights)).toEqual([
      { blue: 0, green: 100 },
      { blue: 100, green: 0 },
    ]);
    expect(statesEntered(result)).not.toContain('ShiftTraffic');
    expect(record).toMatchObject({ status: 'ROLLED_BACK', error: { error: 'TestTrafficFailed' } });
    expect(record?.error?.cause).toContain('gate failed 2 consecutive evaluations');
    expect(record?.error?.cause).toContain('probes: 2 of 10 failed: 2× status 503 (expected 200)');
    expect(world.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['ROLLED_BACK']);
  });

  it('rolls back when the new color has no healthy target, whatever the probes say', async () => {
    const world = memoryWorld();
    const verify = world.router.getWeights.bind(world.router);
    world.router.getWeights = async (route) => {
      // From the moment test traffic is verified, green's targets fail their health checks.
      if (route.listener === MEMORY_TEST_LISTENER)
        world.router.health['web-green-tg'] = { healthy: 0, unhealthy: 2, transitioning: 0 };
      return verify(route);
    };

    const result = await runInMemory(world, testTrafficRequest());

    expect(result.error).toBe('DeploymentRolledBack');
    expect(world.store.records.get('d-1')?.error?.cause).toContain('healthy targets 0 < 1 required');
    expect(world.router.history).toEqual([{ blue: 100, green: 0 }]);
  });

  it('rolls back when a new-color task crashes during test traffic, whatever the probes say', async () => {
    const world = memoryWorld();
    // While the first round of probes runs (all of them passing), a green task runs out of memory.
    world.probe.respond = () => {
      if (world.fleet.stops.size === 0)
        world.fleet.recordStop(
          { cluster: 'local', service: 'web-green' },
          {
            id: 'web-green-oom',
            stoppedAt: world.clock.now(),
            stopCode: 'EssentialContainerExited',
            stoppedReason: 'Essential container in task exited',
            containers: [{ name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed' }],
          },
        );
      return { status: 200, latencyMs: 5 };
    };

    const result = await runInMemory(world, testTrafficRequest());

    const record = expectSafeRollback(result, world, TEST_LISTENER);
    expect(statesEntered(result)).toContain('TestTrafficFailed');
    expect(record?.error?.cause).toMatch(/1 green task stopped/);
    expect(world.router.history).toEqual([{ blue: 100, green: 0 }]);
  });

  it('rolls back at the phase deadline when the probes stay inconclusive', async () => {
    const world = memoryWorld();
    const run = world.probe.run.bind(world.probe);
    world.probe.run = async (config) => (await run(config)).slice(0, 4);

    const result = await runInMemory(world, testTrafficRequest({ holdSeconds: 1, timeoutSeconds: 5 }));

    const record = expectSafeRollback(result, world, TEST_LISTENER);
    expect(record?.error?.cause).toContain('step deadline passed without a passing gate (inconclusive)');
    expect(record?.error?.cause).toContain('probes: 4 results < 10 needed for a verdict');
  });

  it('rolls back at once when a person aborts during test traffic', async () => {
    const world = memoryWorld();
    let aborted = false;

    const result = await runInMemory(world, testTrafficRequest({ holdSeconds: 60 }), {
      onTask: (state) => {
        if (state === 'EvaluateTestTraffic' && !aborted) {
          aborted = true;
          world.store.records.get('d-1')!.control = { action: 'abort', by: 'alice', at: 0 };
        }
      },
    });

    const record = expectSafeRollback(result, world, TEST_LISTENER);
    expect(record?.error?.cause).toContain('aborted by alice');
  });

  it.each(['ShiftTestTraffic', 'VerifyTestTraffic', 'StartTestTraffic', 'EvaluateTestTraffic'])(
    'rolls back when %s throws, with the test listener back on the live color',
    async (state) => {
      const world = memoryWorld();

      const result = await runInMemory(world, testTrafficRequest(), { stateOverrides: throwingIn(state) });

      expect(expectSafeRollback(result, world, TEST_LISTENER)?.error).toEqual(injectedFailure(state));
    },
  );

  it('retries a test listener that does not read back the weights just set', async () => {
    const world = memoryWorld();
    const getWeights = world.router.getWeights.bind(world.router);
    let stale = 2;
    world.router.getWeights = async (route) => {
      if (route.listener === MEMORY_TEST_LISTENER && stale > 0) {
        stale -= 1;
        return { blue: 100, green: 0 };
      }
      return getWeights(route);
    };

    const result = await runInMemory(world, testTrafficRequest());

    expect(result.status).toBe('SUCCEEDED');
    expect(
      result.events.filter((e) => e.type === 'StateRetried' && e.state === 'VerifyTestTraffic'),
    ).toHaveLength(1);
  });

  it('fails a production step on failing probes, and never passes one on probes alone', async () => {
    // Probes without a test-traffic phase: they join the production gate.
    const failing = memoryWorld();
    onShift(failing, 25, () => failEveryFifth(failing));
    const probesOnly = specFor({ probes: { url: 'http://green.local/health' } }, { pace: 'memory' });
    const quiet = memoryWorld();
    quiet.metrics.windows.green = { requests: 3, errors: 0, p50Ms: 5, p99Ms: 9 };

    const failed = await runInMemory(failing, memoryRequest({ spec: probesOnly }));
    const inconclusive = await runInMemory(quiet, memoryRequest({ spec: probesOnly }));

    expect(failed.error).toBe('DeploymentRolledBack');
    expect(failing.store.records.get('d-1')).toMatchObject({
      error: { error: 'GateFailed' },
      lastStep: { phase: 'step', index: 1, weight: 25 },
    });
    expect(failing.store.records.get('d-1')?.error?.cause).toContain('probes: 2 of 10 failed');
    expect(statesEntered(failed)).not.toContain('ShiftTestTraffic');
    // Passing probes, too little production traffic: the step deadline still rolls back.
    expect(inconclusive.error).toBe('DeploymentRolledBack');
    expect(quiet.store.records.get('d-1')?.error?.cause).toContain('without a passing gate (inconclusive)');
  });

  it('skips the phase entirely, and never probes, when the spec has neither', async () => {
    const world = memoryWorld();

    const result = await runInMemory(world, memoryRequest());

    expect(result.status).toBe('SUCCEEDED');
    const states = statesEntered(result);
    // No extra state either: the same transitions (and Step Functions cost) as before the phase existed.
    expect(states[states.lastIndexOf('NewColorReady?') + 1]).toBe('NextStep');
    expect(states).not.toContain('ShiftTestTraffic');
    expect(world.probe.runs).toBe(0);
    expect(world.router.listenerHistory).toEqual([]);
  });

  it('repairs an abandoned deployment: production and test listener back on the live color', async () => {
    const world = memoryWorld();
    const now = world.clock.now();
    const abandonedSpec = parseInput(SpecSchema, specFor(memoryTestTraffic(), { pace: 'memory' }));
    await world.store.acquireLock('local/web', 'd-dead', 1000, now - 60_000);
    await world.store.createDeployment({
      id: 'd-dead',
      service: 'web',
      cluster: 'local',
      image: 'registry.local/web:v1.9',
      requestedBy: 'test',
      status: 'IN_PROGRESS',
      liveColor: 'blue',
      newColor: 'green',
      startedAt: now - 120_000,
      spec: abandonedSpec,
    });
    // It died in its test-traffic phase: the test listener on green, production untouched.
    world.router.listeners.set(MEMORY_TEST_LISTENER, { blue: 0, green: 100 });
    await world.fleet.deploy({ cluster: 'local', service: 'web-green' }, 'app:9', 2);

    // The next deployment has no test-traffic phase: the repair still restores the test listener.
    const result = await runInMemory(world, memoryRequest({ deploymentId: 'd-2' }));

    expect(world.store.records.get('d-dead')?.error?.cause).toContain(
      'd-2 restored 100 % on blue (production and test listeners) and scaled green to 0',
    );
    expect(world.router.listenerHistory[0]).toEqual({
      listener: MEMORY_TEST_LISTENER,
      weights: { blue: 100, green: 0 },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(world.router.listeners.get(MEMORY_TEST_LISTENER)).toEqual({ blue: 100, green: 0 });
  });

  describe('fault injection on the test-traffic path', () => {
    const good = SCENARIOS.find((s) => s.name === 'good release, test traffic')!;
    const bad = SCENARIOS.find((s) => s.name === 'bad release, test traffic')!;
    // The rollback path with every fault kind; the longer promotion path with the two kinds that
    // leave a side effect behind.
    const points = [
      ...FAULT_KINDS.map((kind) => [bad.name, kind, bad] as const),
      ...(['error-after', 'timeout'] as const).map((kind) => [good.name, kind, good] as const),
    ];

    it.each(points)(
      'keeps every invariant, the test listener included, when any call of the %s fails (%s)',
      async (_name, kind, scenario) => {
        const { sites, failures } = await faultAtEverySite(scenario, kind);

        expect(sites.map((s) => `${s.state} ${s.call}`)).toContain('ShiftTestTraffic router.setWeights');
        expect(failures).toEqual([]);
      },
    );
  });
});
