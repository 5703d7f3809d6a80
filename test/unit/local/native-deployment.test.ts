import fc from 'fast-check';
import { ECS_LIFECYCLE_STAGES, type EcsLifecycleStage } from '../../../shared/domain/hooks/ecs-hook-event';
import {
  linearSteps,
  shiftsOf,
  SimulatedEcsLinearService,
  stageWeights,
  type SimulatedLifecycleHook,
} from '../../../shared/local/ecs/native-deployment';
import { BLUE_REVISION, forwardWeights, GREEN_REVISION } from '../../fixtures/ecs-hook-events';
import { MemoryFleet, MemoryRouter } from '../../support/memory-ports';

type Event = {
  executionId: string;
  lifecycleStage: EcsLifecycleStage;
  resourceArn: string;
  executionDetails: {
    serviceArn: string;
    targetServiceRevisionArn: string;
    testTrafficWeights: Record<string, number>;
    productionTrafficWeights: Record<string, number>;
  };
  hookDetails: Record<string, unknown>;
};

/** The proxy's listeners as the simulation sets them. */
class RecordingProxy {
  weights: Record<string, Record<string, number>> = {};
  setWeights(forward: Record<string, number>, listener = 'default') {
    this.weights[listener] = { ...forward };
  }
}

const BLUE = { slot: { cluster: 'local', service: 'web-blue' }, targetGroup: 'web-blue-tg' };
const GREEN = { slot: { cluster: 'local', service: 'web-green' }, targetGroup: 'web-green-tg' };
const CONFIG = { stepPercent: 34, stepBakeTimeInMinutes: 1, bakeTimeInMinutes: 1 };
// One ECS minute = 5 ms, callBackDelay ×0.01: a whole deployment in a few dozen milliseconds.
const TIMING = { realMsPerEcsMinute: 5, callBackDelayScale: 0.01 };

function world() {
  const router = new MemoryRouter();
  const fleet = new MemoryFleet(router);
  fleet.addService(BLUE.slot, BLUE.targetGroup, 'app:1', 2);
  fleet.addService(GREEN.slot, GREEN.targetGroup, null, 0);
  const proxy = new RecordingProxy();
  const service = new SimulatedEcsLinearService(
    { proxy, fleet },
    {
      cluster: 'local',
      service: 'web',
      slots: [BLUE, GREEN],
      live: 0,
      taskDefinition: 'app:1',
      desiredCount: 2,
      listeners: { production: 'local-listener', test: 'local-test-listener' },
    },
  );
  const events: Event[] = [];
  const hook = (
    answer: (event: Event, calls: number) => unknown,
    overrides: Partial<SimulatedLifecycleHook> = {},
  ): SimulatedLifecycleHook => ({
    lifecycleStages: ECS_LIFECYCLE_STAGES,
    hookDetails: { greenlight: { stepHoldSeconds: 3 } },
    invoke: async (raw) => {
      const event = raw as Event;
      events.push(event);
      return answer(event, events.filter((e) => e.lifecycleStage === event.lifecycleStage).length);
    },
    ...overrides,
  });
  const deploy = (h: SimulatedLifecycleHook, image = 'greenlight/demo-app:v2') =>
    service.deploy({ image, container: 'app', configuration: CONFIG, hook: h, timing: TIMING });
  return { router, fleet, proxy, service, events, hook, deploy };
}

const succeed = () => ({ hookStatus: 'SUCCEEDED' });
const share = (e: Event) =>
  e.executionDetails.productionTrafficWeights[e.executionDetails.targetServiceRevisionArn];

describe('the simulated ECS linear deployment', () => {
  it('splits production traffic into equal steps of stepPercent, up to 100', () => {
    expect(linearSteps(34)).toEqual([34, 68, 100]);
    expect(linearSteps(25)).toEqual([25, 50, 75, 100]);
    expect(linearSteps(100)).toEqual([100]);
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 100 }), (step) => {
        const steps = linearSteps(step);
        expect(steps.at(-1)).toBe(100);
        steps.forEach((s, i) => {
          const gap = s - (steps[i - 1] ?? 0);
          expect(gap).toBeGreaterThan(0);
          expect(gap).toBeLessThanOrEqual(step);
          if (i < steps.length - 1) expect(gap).toBe(step);
        });
      }),
    );
  });

  it.each([2, 2.5, 101, Number.NaN])('refuses stepPercent %s, naming the field', (step) => {
    expect(() => linearSteps(step)).toThrow(/linearConfiguration\.stepPercent/);
  });

  it('plays CANARY as canaryPercent then 100, and BLUE_GREEN as one shift, with their waits between', () => {
    expect(
      shiftsOf({ strategy: 'CANARY', canaryPercent: 10, canaryBakeTimeInMinutes: 5, bakeTimeInMinutes: 0 }),
    ).toEqual({
      steps: [10, 100],
      betweenMinutes: 5,
    });
    expect(shiftsOf({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 3 })).toEqual({
      steps: [100],
      betweenMinutes: 0,
    });
    expect(shiftsOf({ stepPercent: 50, stepBakeTimeInMinutes: 2, bakeTimeInMinutes: 0 })).toEqual({
      steps: [50, 100],
      betweenMinutes: 2,
    });
    expect(() =>
      shiftsOf({ strategy: 'CANARY', canaryPercent: 100, canaryBakeTimeInMinutes: 0, bakeTimeInMinutes: 0 }),
    ).toThrow(/canaryConfiguration\.canaryPercent/);
    expect(() =>
      shiftsOf({ strategy: 'CANARY', canaryPercent: 10, canaryBakeTimeInMinutes: -1, bakeTimeInMinutes: 0 }),
    ).toThrow(/canaryBakeTimeInMinutes/);
  });

  it("sends the documented payloads' weights at every stage (the hook tests' fixtures)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ECS_LIFECYCLE_STAGES), fc.integer({ min: 1, max: 100 }), (stage, p) => {
        expect(stageWeights(stage, { live: BLUE_REVISION, new: GREEN_REVISION }, p)).toEqual(
          forwardWeights(stage, p),
        );
      }),
    );
  });

  it('runs every stage in order, shifts production by the steps, and ends on the new revision', async () => {
    const w = world();
    const result = await w.deploy(w.hook(succeed));
    expect(result.status).toBe('SUCCESSFUL');
    expect(w.events.map((e) => [e.lifecycleStage, share(e) ?? null])).toEqual([
      ['RECONCILE_SERVICE', 0],
      ['PRE_SCALE_UP', null],
      ['POST_SCALE_UP', null],
      ['TEST_TRAFFIC_SHIFT', null],
      ['POST_TEST_TRAFFIC_SHIFT', null],
      ['PRE_PRODUCTION_TRAFFIC_SHIFT', null],
      ['PRODUCTION_TRAFFIC_SHIFT', 34],
      ['PRODUCTION_TRAFFIC_SHIFT', 68],
      ['PRODUCTION_TRAFFIC_SHIFT', 100],
      ['POST_PRODUCTION_TRAFFIC_SHIFT', null],
    ]);
    // Empty weights at the POST_* stages, as the docs' payloads show.
    const post = w.events.find((e) => e.lifecycleStage === 'POST_PRODUCTION_TRAFFIC_SHIFT')!;
    expect(post.executionDetails.productionTrafficWeights).toEqual({});
    expect(post.executionDetails.testTrafficWeights).toEqual({});
    expect(result.productionShifts.map((s) => s.newPercent)).toEqual([34, 68, 100]);
    expect(w.proxy.weights.default).toEqual({ 'web-blue-tg': 0, 'web-green-tg': 100 });
    expect(w.proxy.weights['local-test-listener']).toEqual({ 'web-blue-tg': 0, 'web-green-tg': 100 });
    expect((await w.fleet.describe(GREEN.slot)).desiredCount).toBe(2);
    expect((await w.fleet.describe(BLUE.slot)).desiredCount).toBe(0);
    expect(result.targetGroups).toEqual({ live: 'web-blue-tg', new: 'web-green-tg' });
  });

  it('alternates the target groups: the next deployment runs in the other one, for the next revision', async () => {
    const w = world();
    const first = await w.deploy(w.hook(succeed));
    const second = await w.deploy(w.hook(succeed), 'greenlight/demo-app:v3');
    expect(second.targetGroups).toEqual({ live: 'web-green-tg', new: 'web-blue-tg' });
    expect(second.sourceRevisionArn).toBe(first.targetRevisionArn);
    expect(second.targetRevisionArn).not.toBe(first.targetRevisionArn);
    expect(w.proxy.weights.default).toEqual({ 'web-green-tg': 0, 'web-blue-tg': 100 });
  });

  it('invokes the hook again after IN_PROGRESS, callBackDelay later, with the hookDetails it returned', async () => {
    const w = world();
    const result = await w.deploy(
      w.hook((e, calls) =>
        e.lifecycleStage === 'POST_TEST_TRAFFIC_SHIFT' && calls < 3
          ? { hookStatus: 'IN_PROGRESS', callBackDelay: 2, hookDetails: { ...e.hookDetails, n: calls } }
          : succeed(),
      ),
    );
    expect(result.status).toBe('SUCCESSFUL');
    const round = w.events.filter((e) => e.lifecycleStage === 'POST_TEST_TRAFFIC_SHIFT');
    expect(round.map((e) => e.hookDetails)).toEqual([
      { greenlight: { stepHoldSeconds: 3 } },
      { greenlight: { stepHoldSeconds: 3 }, n: 1 },
      { greenlight: { stepHoldSeconds: 3 }, n: 2 },
    ]);
    expect(new Set(round.map((e) => e.executionId)).size).toBe(1);
    const at = result.invocations.filter((i) => i.stage === 'POST_TEST_TRAFFIC_SHIFT').map((i) => i.at);
    // 2 s × 0.01 = 20 ms between invocations (timer granularity: a millisecond early at most).
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(19);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(19);
    // The next stage starts again from the registration's hookDetails.
    const next = w.events.find((e) => e.lifecycleStage === 'PRE_PRODUCTION_TRAFFIC_SHIFT')!;
    expect(next.hookDetails).toEqual({ greenlight: { stepHoldSeconds: 3 } });
  });

  it('rolls back on FAILED: traffic back, the traffic-shift hooks with reversed weights, the new tasks stopped', async () => {
    const w = world();
    const result = await w.deploy(
      w.hook((e) =>
        e.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT' && share(e) === 68
          ? { hookStatus: 'FAILED' }
          : succeed(),
      ),
    );
    expect(result).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      failedStage: 'PRODUCTION_TRAFFIC_SHIFT',
      cause: 'the hook answered FAILED',
    });
    const rollback = w.events.slice(-2);
    const reversed = { [result.sourceRevisionArn]: 100, [result.targetRevisionArn]: 0 };
    expect(rollback.map((e) => e.lifecycleStage)).toEqual(['PRODUCTION_TRAFFIC_SHIFT', 'TEST_TRAFFIC_SHIFT']);
    for (const e of rollback) {
      expect(e.executionDetails.productionTrafficWeights).toEqual(reversed);
      expect(e.executionDetails.testTrafficWeights).toEqual(reversed);
    }
    expect(result.invocations.filter((i) => i.rollback)).toHaveLength(2);
    expect(w.events.some((e) => e.lifecycleStage === 'POST_PRODUCTION_TRAFFIC_SHIFT')).toBe(false);
    expect(result.productionShifts.map((s) => s.newPercent)).toEqual([34, 68, 0]);
    expect(w.proxy.weights.default).toEqual({ 'web-blue-tg': 100, 'web-green-tg': 0 });
    expect(w.proxy.weights['local-test-listener']).toEqual({ 'web-blue-tg': 100, 'web-green-tg': 0 });
    expect((await w.fleet.describe(GREEN.slot)).desiredCount).toBe(0);
    expect((await w.fleet.describe(BLUE.slot)).desiredCount).toBe(2);
    // The old revision stays the service's: the next deployment goes to the same alternate target group.
    const next = await w.deploy(w.hook(succeed));
    expect(next.targetGroups.new).toBe('web-green-tg');
  });

  it.each([
    ['no valid hookStatus', async () => ({ hookStatus: 'MAYBE' }), /no valid hookStatus \(MAYBE\)/],
    ['a failed invocation', async () => Promise.reject(new Error('boom')), /invocation failed \(boom\)/],
    ['an answer that is not an object', async () => 'SUCCEEDED', /no valid hookStatus \(\(none\)\)/],
  ])('rolls back on %s, as ECS does', async (_name, answer, cause) => {
    const w = world();
    const h = w.hook(succeed);
    const result = await w.deploy({
      ...h,
      invoke: async (raw, context) =>
        (raw as Event).lifecycleStage === 'POST_SCALE_UP' ? answer() : h.invoke(raw, context),
    });
    expect(result.status).toBe('ROLLBACK_SUCCESSFUL');
    expect(result.failedStage).toBe('POST_SCALE_UP');
    expect(result.cause).toMatch(cause);
    expect(result.productionShifts).toEqual([]);
  });

  it('rolls back a stage still IN_PROGRESS at the hook timeout', async () => {
    const w = world();
    const result = await w.deploy(
      w.hook(
        (e) =>
          e.lifecycleStage === 'POST_PRODUCTION_TRAFFIC_SHIFT'
            ? { hookStatus: 'IN_PROGRESS', callBackDelay: 10 }
            : succeed(),
        // 2 ECS minutes = 10 ms here; each callBackDelay is 100 ms.
        { timeoutMinutes: 2 },
      ),
    );
    expect(result).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      failedStage: 'POST_PRODUCTION_TRAFFIC_SHIFT',
    });
    expect(result.cause).toMatch(/still IN_PROGRESS at its timeout \(2 ECS minutes\)/);
    expect(w.proxy.weights.default).toEqual({ 'web-blue-tg': 100, 'web-green-tg': 0 });
  });

  it("rolls back when the new revision's tasks are not steady in time, before any traffic moves", async () => {
    const w = world();
    const service = new SimulatedEcsLinearService(
      { proxy: w.proxy, fleet: w.fleet },
      {
        cluster: 'local',
        service: 'web',
        slots: [BLUE, GREEN],
        live: 0,
        taskDefinition: 'app:1',
        desiredCount: 2,
        listeners: { production: 'local-listener', test: 'local-test-listener' },
        scaleUpTimeoutMs: 50,
      },
    );
    const describe = w.fleet.describe.bind(w.fleet);
    jest
      .spyOn(w.fleet, 'describe')
      .mockImplementation(async (slot) => ({ ...(await describe(slot)), steady: false }));
    const result = await service.deploy({
      image: 'greenlight/demo-app:v2',
      container: 'app',
      configuration: CONFIG,
      hook: w.hook(succeed),
      timing: TIMING,
    });
    expect(result).toMatchObject({ status: 'ROLLBACK_SUCCESSFUL', failedStage: 'SCALE_UP' });
    expect(w.events.map((e) => e.lifecycleStage)).toEqual([
      'RECONCILE_SERVICE',
      'PRE_SCALE_UP',
      'PRODUCTION_TRAFFIC_SHIFT',
      'TEST_TRAFFIC_SHIFT',
    ]);
    expect(result.productionShifts).toEqual([]);
    expect((await describe(GREEN.slot)).desiredCount).toBe(0);
  });

  it('gives every deployment a new revision, a rolled-back one included', async () => {
    const w = world();
    const failed = await w.deploy(w.hook(() => ({ hookStatus: 'FAILED' })));
    const next = await w.deploy(w.hook(succeed));
    expect(next.sourceRevisionArn).toBe(failed.sourceRevisionArn);
    expect(next.targetRevisionArn).not.toBe(failed.targetRevisionArn);
    expect(w.service.revisionArn).toBe(next.targetRevisionArn);
  });

  it('restores traffic on a fault of the simulation itself, then throws it', async () => {
    const w = world();
    const setWeights = w.proxy.setWeights.bind(w.proxy);
    jest.spyOn(w.proxy, 'setWeights').mockImplementation((forward, listener) => {
      if (forward['web-green-tg'] === 68) throw new Error('proxy down');
      setWeights(forward, listener);
    });
    await expect(w.deploy(w.hook(succeed))).rejects.toThrow('proxy down');
    expect(w.events.slice(-2).map((e) => e.lifecycleStage)).toEqual([
      'PRODUCTION_TRAFFIC_SHIFT',
      'TEST_TRAFFIC_SHIFT',
    ]);
    expect(w.proxy.weights.default).toEqual({ 'web-blue-tg': 100, 'web-green-tg': 0 });
  });

  it('invokes the hook only at the stages it is registered for', async () => {
    const w = world();
    await w.deploy(w.hook(succeed, { lifecycleStages: ['PRODUCTION_TRAFFIC_SHIFT'] }));
    expect(w.events.map((e) => share(e))).toEqual([34, 68, 100]);
  });

  it('refuses an unknown stage and bake times out of range, naming the field', async () => {
    const w = world();
    await expect(
      w.deploy(w.hook(succeed, { lifecycleStages: ['BEFORE_INSTALL' as EcsLifecycleStage] })),
    ).rejects.toThrow(/lifecycleStages: unknown stage "BEFORE_INSTALL"/);
    await expect(
      w.service.deploy({
        image: 'x',
        container: 'app',
        configuration: { ...CONFIG, bakeTimeInMinutes: 1441 },
        hook: w.hook(succeed),
        timing: TIMING,
      }),
    ).rejects.toThrow(/bakeTimeInMinutes/);
    expect(w.events).toEqual([]);
  });
});
