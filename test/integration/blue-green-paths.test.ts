import type { StepObservation } from '../../functions/deploy/evaluate';
import { loadStateMachine } from '../../shared/local/sfn/engine';
import {
  memoryRequest,
  memoryWorld,
  runInMemory,
  statesEntered,
  type MemoryWorld,
} from '../support/memory-world';
import { specFor } from '../fixtures/spec';
import {
  expectSafeRollback,
  injectedFailure,
  namedError,
  onShift,
  throwingIn,
} from '../support/safe-rollback';

describe('blue-green state machine', () => {
  it('promotes a healthy release step by step, bakes, retires the old color and releases the lock', async () => {
    // Prepare
    const world = memoryWorld();
    // Act
    const result = await runInMemory(world, memoryRequest());
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(world.router.history).toEqual([
      { blue: 95, green: 5 },
      { blue: 75, green: 25 },
      { blue: 0, green: 100 },
    ]);
    expect(world.fleet.services.get('local/web-green')).toMatchObject({
      desiredCount: 2,
      taskDefinition: 'app:2',
    });
    expect(world.fleet.services.get('local/web-blue')?.desiredCount).toBe(0);
    expect(world.fleet.revisions).toEqual([
      { from: 'app:1', container: 'app', image: 'registry.local/web:v2', id: 'app:2' },
    ]);
    expect(world.store.records.get('d-1')).toMatchObject({
      status: 'PROMOTED',
      liveColor: 'blue',
      newColor: 'green',
    });
    expect(world.store.locks.size).toBe(0);
    expect(world.notifier.sent).toHaveLength(1);
    expect(world.notifier.sent[0]?.attributes).toEqual({
      event: 'deployment',
      outcome: 'PROMOTED',
      service: 'web',
      cluster: 'local',
    });
    expect(statesEntered(result)).toEqual(
      expect.arrayContaining(['StartBake', 'EvaluateBake', 'RetireOldColor', 'Promoted']),
    );
  });

  it('waits trafficSettleSeconds after a bake shorter than it before retiring the old color, and not after a longer one', async () => {
    const short = await runInMemory(
      memoryWorld(),
      memoryRequest({ spec: specFor({ bakeSeconds: 3 }, { pace: 'memory' }) }),
    );
    const long = await runInMemory(
      memoryWorld(),
      memoryRequest({ spec: specFor({ bakeSeconds: 3, trafficSettleSeconds: 2 }, { pace: 'memory' }) }),
    );

    // New states on purpose: BakeCoveredSettle? always, RetireSettle when the bake did not cover the settle.
    const tail = (result: Awaited<ReturnType<typeof runInMemory>>) => {
      const entered = statesEntered(result);
      return entered.slice(entered.lastIndexOf('BakeVerdict?'));
    };
    expect(tail(short)).toEqual([
      'BakeVerdict?',
      'BakeCoveredSettle?',
      'RetireSettle',
      'RetireOldColor',
      'Promoted',
      'DeploymentSucceeded',
    ]);
    expect(tail(long)).toEqual([
      'BakeVerdict?',
      'BakeCoveredSettle?',
      'RetireOldColor',
      'Promoted',
      'DeploymentSucceeded',
    ]);
  });

  it('deploys to blue when green is live', async () => {
    const world = memoryWorld();
    world.router.weights = { blue: 0, green: 100 };
    world.fleet.addService({ cluster: 'local', service: 'web-green' }, 'web-green-tg', 'app:1', 3);
    world.fleet.addService({ cluster: 'local', service: 'web-blue' }, 'web-blue-tg', null, 0);

    const result = await runInMemory(world, memoryRequest());

    expect(result.status).toBe('SUCCEEDED');
    expect(world.router.weights).toEqual({ blue: 100, green: 0 });
    expect(world.fleet.services.get('local/web-blue')).toMatchObject({
      desiredCount: 3,
      taskDefinition: 'app:2',
    });
    expect(world.fleet.services.get('local/web-green')?.desiredCount).toBe(0);
  });

  it.each([
    ['the first step', 5],
    ['the second step', 25],
    ['the bake', 100],
  ])('rolls back when the gate fails during %s', async (_label, failingWeight) => {
    const world = memoryWorld();
    const sample = world.metrics.sample.bind(world.metrics);
    world.metrics.sample = async (...args) => {
      const windows = await sample(...args);
      if (world.router.weights.green === failingWeight)
        windows.green = { ...windows.green, requests: 200, errors: 40, p50Ms: 5, p99Ms: 20 };
      return windows;
    };

    const result = await runInMemory(world, memoryRequest());

    expect(result.status).toBe('FAILED');
    const record = expectSafeRollback(result, world);
    expect(record?.status).toBe('ROLLED_BACK');
    expect(record?.error?.error).toBe(failingWeight === 100 ? 'BakeFailed' : 'GateFailed');
    expect(record?.error?.cause).toMatch(/5xx rate 20\.0% on (green|the new color) \(40 of 200 requests\)/);
    expect(world.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['ROLLED_BACK']);
    // New states on purpose: the weights settle (a Wait) before the new color is scaled down.
    const entered = statesEntered(result);
    expect(entered.slice(entered.indexOf('Rollback'))).toEqual([
      'Rollback',
      'RollbackSettle',
      'ScaleDownNewColor',
      'RolledBack',
      'DeploymentRolledBack',
    ]);
  });

  const stepStates = [
    'LaunchNewColor',
    'CheckNewColor',
    'NextStep',
    'ShiftTraffic',
    'VerifyTraffic',
    'Evaluate',
    'Promote',
    'VerifyPromotion',
    'StartBake',
    'EvaluateBake',
  ];
  /** The test-traffic phase's Task states: their faults are injected in test-traffic-paths.test.ts. */
  const testTrafficStates = [
    'ShiftTestTraffic',
    'VerifyTestTraffic',
    'StartTestTraffic',
    'EvaluateTestTraffic',
  ];

  it('covers every Task state between Prepare and the outcome in the fault list', () => {
    const { functionByState } = loadStateMachine('blue-green.asl.json');
    const outcomeStates = [
      'Prepare',
      'Rejected',
      'RetireOldColor',
      'Rollback',
      'ScaleDownNewColor',
      'Promoted',
      'RolledBack',
      'RollbackFailed',
      // The external controllers' branch: its faults are in external-controller-paths.test.ts.
      'StartExternal',
      'PollExternal',
      'AbortExternal',
    ];
    expect(
      Object.keys(functionByState)
        .filter((s) => !outcomeStates.includes(s))
        .sort(),
    ).toEqual([...stepStates, ...testTrafficStates].sort());
  });

  it.each(stepStates)('rolls back when %s throws', async (state) => {
    const world = memoryWorld();

    const result = await runInMemory(world, memoryRequest(), { stateOverrides: throwingIn(state) });

    expect(result.status).toBe('FAILED');
    expect(expectSafeRollback(result, world)?.error).toEqual(injectedFailure(state));
  });

  it('promotes with a warning, and never rolls back, when the old color cannot be scaled down after the bake', async () => {
    const world = memoryWorld();
    let attempts = 0;

    const result = await runInMemory(world, memoryRequest(), {
      stateOverrides: {
        RetireOldColor: async () => {
          attempts += 1;
          throw namedError('InjectedError', 'service is being updated');
        },
      },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(attempts).toBe(5);
    expect(world.router.weights).toEqual({ blue: 0, green: 100 });
    expect(world.store.records.get('d-1')).toMatchObject({
      status: 'PROMOTED',
      warning:
        'the old color could not be scaled down (InjectedError: service is being updated); scale it to 0 by hand',
    });
    expect(world.notifier.sent[0]?.message).toContain('WARNING: the old color could not be scaled down');
  });

  it("reads the old color's scale-down back and retries it when it did not take", async () => {
    const world = memoryWorld();
    // No scalable target: holding one at 0 would scale blue down too, and only our call is lost here.
    world.scaling.targets.clear();
    const scale = world.fleet.scale.bind(world.fleet);
    let ignored = 0;
    world.fleet.scale = async (slot, count) => {
      // The first scale-down of blue is lost, as if another actor reset the desired count.
      if (slot.service === 'web-blue' && count === 0 && ignored === 0) {
        ignored += 1;
        return;
      }
      return scale(slot, count);
    };

    const result = await runInMemory(world, memoryRequest());

    expect(result.status).toBe('SUCCEEDED');
    expect(
      result.events.filter((e) => e.type === 'StateRetried' && e.state === 'RetireOldColor'),
    ).toHaveLength(1);
    expect(world.fleet.services.get('local/web-blue')?.desiredCount).toBe(0);
    expect(world.store.records.get('d-1')?.warning).toBeUndefined();
  });

  it("rolls back at once when one of the spec's alarms goes into ALARM during a step", async () => {
    const world = memoryWorld();
    world.alarms.defined.add('web-5xx').add('web-p99');
    onShift(world, 25, () => world.alarms.inAlarm.add('web-p99'));

    const result = await runInMemory(
      world,
      memoryRequest({ spec: specFor({ alarms: ['web-5xx', 'web-p99'] }, { pace: 'memory' }) }),
    );

    const record = expectSafeRollback(result, world);
    expect(record?.error?.cause).toContain('alarm in ALARM: web-p99');
    expect(record?.lastStep).toEqual({ phase: 'step', index: 1, weight: 25 });
  });

  it('retries a throttled step instead of rolling back', async () => {
    const world = memoryWorld();
    let calls = 0;
    const setWeights = world.router.setWeights.bind(world.router);
    world.router.setWeights = async (route, weights) => {
      calls += 1;
      if (calls <= 2) throw namedError('ThrottlingError', 'Rate exceeded');
      return setWeights(route, weights);
    };

    const result = await runInMemory(world, memoryRequest());

    expect(result.status).toBe('SUCCEEDED');
    expect(result.events.filter((e) => e.type === 'StateRetried' && e.state === 'ShiftTraffic')).toHaveLength(
      2,
    );
  });

  it('rolls back when a step deadline passes while the gate stays inconclusive', async () => {
    const world = memoryWorld();
    world.metrics.windows.green = { requests: 3, errors: 0, p50Ms: 5, p99Ms: 9 };

    const result = await runInMemory(world, memoryRequest());

    const record = expectSafeRollback(result, world);
    expect(record?.error?.cause).toContain('step deadline passed without a passing gate (inconclusive)');
  });

  it('rolls back when the new color never becomes healthy before the launch deadline', async () => {
    const world = memoryWorld();
    const deploy = world.fleet.deploy.bind(world.fleet);
    world.fleet.deploy = async (slot, td, count) => {
      await deploy(slot, td, count);
      world.router.health['web-green-tg'] = { healthy: 0, unhealthy: count, transitioning: 0 };
    };

    const result = await runInMemory(world, memoryRequest());

    const record = expectSafeRollback(result, world);
    expect(record?.error).toMatchObject({ error: 'LaunchTimedOut' });
    expect(record?.error?.cause).toContain('launch deadline passed: 2/2 tasks running, 0 healthy');
    expect(world.router.history).toEqual([{ blue: 100, green: 0 }]);
  });

  it('records a rollback that could not complete and keeps the service locked', async () => {
    const world = memoryWorld();

    const result = await runInMemory(world, memoryRequest(), {
      stateOverrides: {
        Evaluate: async () => {
          throw new Error('boom');
        },
        Rollback: async () => {
          throw namedError('NetworkingError', 'listener unreachable');
        },
      },
    });

    expect(result.error).toBe('RollbackFailed');
    expect(world.store.records.get('d-1')).toMatchObject({
      status: 'ROLLBACK_FAILED',
      error: { error: 'NetworkingError', cause: 'listener unreachable' },
    });
    expect(world.store.locks.get('local/web')?.owner).toBe('d-1');
    expect(world.notifier.sent[0]?.message).toContain('ACTION NEEDED');
  });

  describe('new-color task stops and unhealthy targets', () => {
    const GREEN = { cluster: 'local', service: 'web-green' };
    let stopSequence = 0;
    /** A web-green task that stopped now: crashed (out of memory) or scaled in. */
    const greenStop = (world: MemoryWorld, kind: 'oom' | 'scale-in' = 'oom') => {
      stopSequence += 1;
      world.fleet.recordStop(GREEN, {
        id: `web-green-${stopSequence}`,
        stoppedAt: world.clock.now(),
        ...(kind === 'oom'
          ? {
              stopCode: 'EssentialContainerExited',
              stoppedReason: 'Essential container in task exited',
              containers: [{ name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed' }],
            }
          : {
              stopCode: 'ServiceSchedulerInitiated',
              stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
              containers: [{ name: 'app', exitCode: 0 }],
            }),
      });
    };

    it.each([
      ['the first step', 5, 'GateFailed'],
      ['the promotion (judged by the bake)', 100, 'BakeFailed'],
    ])(
      'rolls back when a green task runs out of memory during %s, though its traffic looks fine',
      async (_label, weight, error) => {
        const world = memoryWorld();
        onShift(world, weight, () => greenStop(world));

        const result = await runInMemory(world, memoryRequest());

        const record = expectSafeRollback(result, world);
        expect(record?.error?.error).toBe(error);
        expect(record?.error?.cause).toContain(
          '1 green task stopped with a failure > 0 allowed: 1× out of memory (exit 137)',
        );
        // consecutiveFailures (2) still decides: one failing evaluation waits, the second rolls back.
        const evaluations = result.events.filter(
          (e) => e.type === 'StateExited' && (e.state === 'Evaluate' || e.state === 'EvaluateBake'),
        );
        const last = evaluations
          .slice(-2)
          .map((e) => (e.output as { observation: StepObservation }).observation);
        expect(last.map((o) => [o.decision, o.consecutiveFailures])).toEqual([
          ['wait', 1],
          ['rollback', 2],
        ]);
      },
    );

    it('promotes when the only stops are expected (scale-in) or within maxTaskStops, counting each stop in one step', async () => {
      const expectedOnly = memoryWorld();
      onShift(expectedOnly, 5, () => greenStop(expectedOnly, 'scale-in'));
      const tolerated = memoryWorld();
      onShift(tolerated, 5, () => greenStop(tolerated));
      const oneStopPerStep = specFor(
        {
          plan: {
            steps: [
              { weight: 5, gate: { maxTaskStops: 1 } },
              { weight: 25, gate: { maxTaskStops: 1 } },
            ],
          },
        },
        { pace: 'memory' },
      );

      const first = await runInMemory(expectedOnly, memoryRequest());
      const second = await runInMemory(tolerated, memoryRequest({ spec: oneStopPerStep }));

      expect(first.status).toBe('SUCCEEDED');
      expect(second.status).toBe('SUCCEEDED');
      const passed = (world: MemoryWorld) =>
        (world.store.events.get('d-1') ?? []).filter((e) => e.type === 'GATE_PASSED').map((e) => e.message);
      expect(passed(expectedOnly)[0]).toContain(
        'no green task stopped with a failure (1 expected stop: 1× scale-in or deployment)',
      );
      expect(passed(tolerated)[0]).toContain(
        '1 green task stopped with a failure ≤ 1 allowed: 1× out of memory (exit 137)',
      );
      // The next step (and the bake, whose default gate allows none) do not count it again.
      expect(passed(tolerated).slice(1)).toEqual([
        expect.stringContaining('no green task stopped'),
        expect.stringContaining('no green task stopped'),
      ]);
    });

    it('fails a fixed-window step on a stop early in its window, judged when the window ends', async () => {
      const world = memoryWorld();
      onShift(world, 10, () => greenStop(world));
      const spec = specFor(
        {
          plan: { steps: [{ weight: 10, holdSeconds: 20, gate: { mode: 'fixed-window' } }] },
        },
        { pace: 'memory' },
      );

      const result = await runInMemory(world, memoryRequest({ spec }));

      const record = expectSafeRollback(result, world);
      const cause = record?.error?.cause;
      expect(cause).toContain('gate failed at the end of the 20 s window');
      expect(cause).toContain('1 green task stopped with a failure > 0 allowed');
    });

    it('rolls back when green targets turn unhealthy during a step, naming the count', async () => {
      const world = memoryWorld();
      onShift(world, 25, () => {
        world.router.health['web-green-tg'] = { healthy: 1, unhealthy: 1, transitioning: 0 };
      });

      const result = await runInMemory(world, memoryRequest());

      const record = expectSafeRollback(result, world);
      expect(record?.error?.cause).toContain('unhealthy green targets 1 > 0 allowed');
      expect(record?.lastStep).toEqual({ phase: 'step', index: 1, weight: 25 });
    });

    it('fails the launch at once when green tasks crash-loop, instead of waiting for its deadline', async () => {
      const world = memoryWorld();
      const deploy = world.fleet.deploy.bind(world.fleet);
      world.fleet.deploy = async (slot, td, count) => {
        await deploy(slot, td, count);
        if (slot.service !== GREEN.service || count === 0) return;
        // ECS keeps replacing the tasks: never steady, three crashes already.
        world.fleet.services.get('local/web-green')!.steady = false;
        for (let i = 0; i < 3; i += 1) greenStop(world);
      };

      const result = await runInMemory(world, memoryRequest());

      const record = expectSafeRollback(result, world);
      expect(world.router.history).toEqual([{ blue: 100, green: 0 }]);
      expect(record?.error?.error).toBe('NewColorCrashLoopError');
      expect(record?.error?.cause).toBe(
        'green (web-green) is crash-looping: 3 green tasks stopped with a failure since the launch began ' +
          '(≥ 3, the crash-loop threshold for 2 tasks): 3× out of memory (exit 137)',
      );
      expect(statesEntered(result).filter((s) => s === 'CheckNewColor')).toHaveLength(1);
      expect((world.store.events.get('d-1') ?? []).map((e) => e.type)).toContain('NEW_COLOR_CRASH_LOOP');
    });
  });

  describe('starting conditions: locks, split traffic, invalid input', () => {
    /** The record of d-dead, a deployment from blue to green that died while in progress. */
    const recordAbandoned = (world: MemoryWorld, startedAt: number) =>
      world.store.createDeployment({
        id: 'd-dead',
        service: 'web',
        cluster: 'local',
        image: 'registry.local/web:v1.9',
        requestedBy: 'test',
        status: 'IN_PROGRESS',
        liveColor: 'blue',
        newColor: 'green',
        startedAt,
      });

    it('rejects a request whose spec is invalid, naming the field', async () => {
      const world = memoryWorld();
      const bad = memoryRequest({
        spec: specFor({ plan: { steps: [{ weight: 50 }, { weight: 20 }] } }, { pace: 'memory' }),
      });

      const result = await runInMemory(world, bad);

      expect(result.error).toBe('DeploymentRejected');
      const record = world.store.records.get('d-1');
      expect(record?.status).toBe('REJECTED');
      expect(record?.error?.error).toBe('InvalidInputError');
      expect(record?.error?.cause).toContain(
        "spec.plan.steps[1].weight: must be greater than the previous step's 50",
      );
      expect(world.router.history).toEqual([]);
      expect(world.fleet.revisions).toEqual([]);
    });

    it('rejects a second deployment while the service is locked, naming the holder, and leaves its lock alone', async () => {
      const world = memoryWorld();
      await world.store.acquireLock('local/web', 'd-running', 60_000, world.clock.now());

      const result = await runInMemory(world, memoryRequest({ deploymentId: 'd-2' }));

      expect(result.error).toBe('DeploymentRejected');
      expect(world.store.records.get('d-2')?.error).toMatchObject({ error: 'LockConflictError' });
      expect(world.store.records.get('d-2')?.error?.cause).toContain('being deployed by d-running');
      expect(world.store.locks.get('local/web')?.owner).toBe('d-running');
      expect(world.router.history).toEqual([]);
    });

    it('takes over an expired lock, repairs what the dead deployment left, then deploys', async () => {
      const world = memoryWorld();
      const now = world.clock.now();
      await world.store.acquireLock('local/web', 'd-dead', 1000, now - 60_000);
      await recordAbandoned(world, now - 120_000);
      world.router.weights = { blue: 75, green: 25 };
      await world.fleet.deploy({ cluster: 'local', service: 'web-green' }, 'app:9', 2);

      const result = await runInMemory(world, memoryRequest({ deploymentId: 'd-2' }));

      expect(world.store.records.get('d-dead')).toMatchObject({
        status: 'ROLLED_BACK',
        error: { error: 'Abandoned' },
      });
      expect(world.store.records.get('d-dead')?.error?.cause).toContain(
        'd-2 restored 100 % on blue and scaled green to 0',
      );
      expect(world.router.history.slice(0, 2)).toEqual([
        { blue: 100, green: 0 },
        { blue: 95, green: 5 },
      ]);
      expect(result.status).toBe('SUCCEEDED');
      expect(world.store.records.get('d-2')?.status).toBe('PROMOTED');
      expect(world.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['REPAIRED', 'PROMOTED']);
    });

    it('refuses to repair onto a color with no healthy task', async () => {
      const world = memoryWorld();
      await recordAbandoned(world, world.clock.now() - 120_000);
      world.router.weights = { blue: 50, green: 50 };
      world.router.health['web-blue-tg'] = { healthy: 0, unhealthy: 2, transitioning: 0 };

      const result = await runInMemory(world, memoryRequest({ deploymentId: 'd-2' }));

      expect(result.error).toBe('DeploymentRejected');
      expect(world.store.records.get('d-2')?.error?.cause).toContain('neither color has a healthy task');
      expect(world.router.weights).toEqual({ blue: 50, green: 50 });
      expect(world.store.records.get('d-dead')?.status).toBe('IN_PROGRESS');
    });

    it('refuses a spec naming an alarm that does not exist, naming it, before anything changes (even forced)', async () => {
      const world = memoryWorld();
      world.alarms.defined.add('web-5xx');
      const spec = specFor({ alarms: ['web-5xx', 'web-5xxx'] }, { pace: 'memory' });

      const refused = await runInMemory(world, memoryRequest({ spec, force: true }));

      expect(refused.error).toBe('DeploymentRejected');
      expect(statesEntered(refused)).toEqual(['Prepare', 'Rejected', 'DeploymentRejected']);
      expect(world.store.records.get('d-1')?.error).toMatchObject({
        error: 'InvalidInputError',
        cause: 'spec names alarms that do not exist: spec.alarms[1]: no CloudWatch alarm is named "web-5xxx"',
      });
      expect(world.router.history).toEqual([]);
      expect(world.fleet.revisions).toEqual([]);
    });

    it('refuses a listener whose target group stickiness outlasts trafficSettleSeconds', async () => {
      const world = memoryWorld();
      world.router.sticky = { enabled: true, durationSeconds: 3600 };

      const refused = await runInMemory(world, memoryRequest());

      expect(refused.error).toBe('DeploymentRejected');
      expect(world.store.records.get('d-1')?.error?.cause).toMatch(
        /pins clients to a target group for 3600 s \(target group stickiness\): a rollback would leave clients pinned/,
      );
      expect(world.router.history).toEqual([]);
    });

    it("refuses to start while one of the spec's alarms is already in ALARM, unless forced", async () => {
      const world = memoryWorld();
      world.alarms.inAlarm.add('web-5xx');
      const spec = specFor({ alarms: ['web-5xx'] }, { pace: 'memory' });

      const refused = await runInMemory(world, memoryRequest({ spec }));
      const forced = await runInMemory(world, memoryRequest({ deploymentId: 'd-forced', spec, force: true }));

      expect(refused.error).toBe('DeploymentRejected');
      expect(world.store.records.get('d-1')?.error?.cause).toBe(
        'alarms already in ALARM: web-5xx; resolve them first or deploy with force',
      );
      // Forced past the start, the firing alarm still fails the gate at its first evaluation.
      expect(forced.error).toBe('DeploymentRolledBack');
      expect(world.store.records.get('d-forced')?.error?.cause).toContain('alarm in ALARM: web-5xx');
    });

    it('rejects a deployment when traffic is split between colors', async () => {
      const world = memoryWorld();
      world.router.weights = { blue: 50, green: 50 };

      const result = await runInMemory(world, memoryRequest());

      expect(result.error).toBe('DeploymentRejected');
      expect(world.store.records.get('d-1')?.error?.cause).toContain(
        'traffic is split (blue 50 %, green 50 %)',
      );
      expect(world.store.locks.size).toBe(0);
      expect(world.fleet.revisions).toEqual([]);
    });

    it('rejects a request without a valid deployment id without recording anything', async () => {
      const world = memoryWorld();

      const result = await runInMemory(world, memoryRequest({ deploymentId: 'has spaces' }));

      expect(result.error).toBe('DeploymentRejected');
      expect(world.store.records.size).toBe(0);
      expect(world.notifier.sent[0]?.detail).toMatchObject({
        outcome: 'REJECTED',
        error: { error: 'InvalidInputError' },
      });
      expect(String((world.notifier.sent[0]?.detail.error as { cause: string }).cause)).toContain(
        'deploymentId: expected 1–80 letters',
      );
    });
  });
});
