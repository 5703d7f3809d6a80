import 'aws-sdk-client-mock-jest';
import {
  DescribeServiceRevisionsCommand,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import type { Context } from 'aws-lambda';
import {
  createEcsHookHandler,
  ecsHook,
  type EcsHookDeps,
  type HookResponse,
} from '../../../functions/hooks/ecs-hook';
import { WATCH_KEY } from '../../../shared/domain/hooks/ecs-hook-watch';
import type { EcsLifecycleStage } from '../../../shared/domain/hooks/ecs-hook-event';
import { EcsNewTaskStops } from '../../../shared/aws/ecs-new-task-stops';
import type { EcsBlueGreen, EcsBlueGreenRoute } from '../../../shared/ports/ecs-blue-green';
import {
  crashedTask,
  spotInterruptedTask,
  taskArn,
  TASK_DEFINITION_NEW,
  TASK_DEFINITION_OLD,
} from '../../fixtures/ecs-stopped-tasks';
import {
  ecsHookEvent,
  flatEcsHookEvent,
  GREEN_REVISION,
  PROD_RULE,
  rollbackEvent,
  TEST_RULE,
  TG_ALTERNATE,
  TG_PRIMARY,
} from '../../fixtures/ecs-hook-events';
import {
  ManualClock,
  MemoryMetrics,
  MemoryNewTaskStops,
  MemoryProbe,
  MemoryRouter,
  silentLogger,
} from '../../support/memory-ports';

/**
 * The service as ECS leaves it during a deployment: the new revision in the alternate target group,
 * the test rule on it, the production rule split by the current step's share.
 */
class MemoryBlueGreen implements EcsBlueGreen {
  route: EcsBlueGreenRoute = {
    targetGroup: TG_PRIMARY,
    alternateTargetGroup: TG_ALTERNATE,
    productionListenerRule: PROD_RULE,
    testListenerRule: TEST_RULE,
  };
  productionGreen = 0;
  calls: string[] = [];
  failWith: Error | null = null;
  async routes(serviceArn: string) {
    this.calls.push(`routes ${serviceArn}`);
    if (this.failWith) throw this.failWith;
    return [this.route];
  }
  async ruleWeights(ruleArn: string) {
    this.calls.push(`ruleWeights ${ruleArn}`);
    if (ruleArn === TEST_RULE) return { [TG_PRIMARY]: 0, [TG_ALTERNATE]: 1 };
    return { [TG_PRIMARY]: (100 - this.productionGreen) * 10, [TG_ALTERNATE]: this.productionGreen * 10 };
  }
}

/** Metrics that record the target groups and windows asked for. */
class RecordingMetrics extends MemoryMetrics {
  asked: { targetGroups: Record<string, string>; fromMs: number }[] = [];
  override async sample(targetGroups: Record<'blue' | 'green', string>, fromMs: number, nowMs: number) {
    this.asked.push({ targetGroups, fromMs });
    return super.sample(targetGroups, fromMs, nowMs);
  }
}

const PROBES = { url: 'http://test.internal:8443/health', requests: 5 };
const SPEC = { probes: PROBES, stepHoldSeconds: 60, bakeSeconds: 120, gate: { intervalSeconds: 15 } };

function world() {
  const clock = new ManualClock(Date.UTC(2026, 4, 1, 12));
  const router = new MemoryRouter();
  router.health[TG_ALTERNATE] = { healthy: 3, unhealthy: 0, transitioning: 0 };
  const logger = silentLogger();
  const logged: unknown[][] = [];
  for (const level of ['info', 'warn', 'error'] as const) {
    jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
      logged.push([level, ...args]);
    });
  }
  const deps: EcsHookDeps = {
    blueGreen: new MemoryBlueGreen(),
    metrics: new RecordingMetrics(),
    router,
    probe: new MemoryProbe(),
    taskStops: new MemoryNewTaskStops(),
    clock,
    logger,
  };
  return {
    deps,
    clock,
    logged,
    blueGreen: deps.blueGreen as MemoryBlueGreen,
    metrics: deps.metrics as RecordingMetrics,
    probe: deps.probe as MemoryProbe,
    taskStops: deps.taskStops as MemoryNewTaskStops,
  };
}

type World = ReturnType<typeof world>;

/**
 * Invokes the hook as ECS does: again after each IN_PROGRESS, `callBackDelay` seconds later, with
 * the hookDetails it returned; returns every answer.
 */
async function runStage(
  w: World,
  stage: EcsLifecycleStage,
  options: { productionGreen?: number; hookDetails?: Record<string, unknown>; maxCalls?: number } = {},
): Promise<HookResponse[]> {
  const answers: HookResponse[] = [];
  let hookDetails: Record<string, unknown> = options.hookDetails ?? { greenlight: SPEC };
  w.blueGreen.productionGreen =
    options.productionGreen ?? (stage === 'POST_PRODUCTION_TRAFFIC_SHIFT' ? 100 : 0);
  for (let i = 0; i < (options.maxCalls ?? 500); i += 1) {
    const answer = await ecsHook(
      w.deps,
      ecsHookEvent(stage, { productionGreen: options.productionGreen, hookDetails }),
    );
    answers.push(answer);
    if (answer.hookStatus !== 'IN_PROGRESS') return answers;
    // What ECS hands back is what the hook returned, as JSON.
    hookDetails = JSON.parse(JSON.stringify(answer.hookDetails)) as Record<string, unknown>;
    w.clock.advance((answer.callBackDelay ?? 30) * 1000);
  }
  return answers;
}

const last = (answers: HookResponse[]) => answers[answers.length - 1]!;
const reasonsLogged = (w: World) => JSON.stringify(w.logged);

describe('the ECS lifecycle hook', () => {
  it.each([
    'RECONCILE_SERVICE',
    'PRE_SCALE_UP',
    'POST_SCALE_UP',
    'TEST_TRAFFIC_SHIFT',
    'PRE_PRODUCTION_TRAFFIC_SHIFT',
  ] as const)('answers SUCCEEDED at %s without reading AWS', async (stage) => {
    const w = world();
    await expect(
      ecsHook(w.deps, ecsHookEvent(stage, { hookDetails: { greenlight: SPEC } })),
    ).resolves.toEqual({
      hookStatus: 'SUCCEEDED',
    });
    expect(w.blueGreen.calls).toEqual([]);
  });

  describe('POST_TEST_TRAFFIC_SHIFT', () => {
    it('probes through the test listener, answering IN_PROGRESS until the hold is over, then SUCCEEDED', async () => {
      const w = world();
      const answers = await runStage(w, 'POST_TEST_TRAFFIC_SHIFT');
      // 60-s hold, a round every 10 s (testTraffic.intervalSeconds): rounds at 0, 10, ... 60 s.
      expect(answers.map((a) => a.hookStatus)).toEqual([...Array(6).fill('IN_PROGRESS'), 'SUCCEEDED']);
      expect(answers[0]).toMatchObject({ callBackDelay: 10, hookDetails: { greenlight: SPEC } });
      expect(answers[5]?.hookDetails?.[WATCH_KEY]).toMatchObject({ evaluations: 6, consecutiveFailures: 0 });
      expect(w.probe.runs).toBe(7);
      expect(w.blueGreen.calls).toContain(`ruleWeights ${TEST_RULE}`);
    });

    it('answers FAILED after failing rounds in a row', async () => {
      const w = world();
      w.probe.respond = () => ({ status: 503, latencyMs: 4 });
      const answers = await runStage(w, 'POST_TEST_TRAFFIC_SHIFT');
      expect(answers.map((a) => a.hookStatus)).toEqual(['IN_PROGRESS', 'FAILED']);
      expect(reasonsLogged(w)).toContain('gate failed 2 consecutive evaluations');
    });

    it('answers FAILED without probes in the spec, naming the field', async () => {
      const w = world();
      const answers = await runStage(w, 'POST_TEST_TRAFFIC_SHIFT', { hookDetails: {} });
      expect(answers).toEqual([{ hookStatus: 'FAILED' }]);
      expect(reasonsLogged(w)).toContain('hookDetails.greenlight.probes: required');
    });
  });

  describe('production steps (linear and canary)', () => {
    it('judges every step green against blue on their own target groups, each a new watch', async () => {
      const w = world();
      for (const share of [10, 20, 30]) {
        const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: share });
        // 60-s hold judged every 15 s (gate.intervalSeconds): 0, 15, 30, 45 wait; 60 passes.
        expect(answers.map((a) => a.hookStatus)).toEqual([...Array(4).fill('IN_PROGRESS'), 'SUCCEEDED']);
        expect(answers[0]?.hookDetails?.[WATCH_KEY]).toMatchObject({
          evaluations: 1,
          key: expect.stringContaining(`:${share}`),
        });
      }
      expect(new Set(w.metrics.asked.map((a) => JSON.stringify(a.targetGroups)))).toEqual(
        new Set([JSON.stringify({ blue: TG_PRIMARY, green: TG_ALTERNATE })]),
      );
    });

    it('tells a 50 / 50 step apart by the test rule', async () => {
      const w = world();
      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 50 });
      expect(last(answers).hookStatus).toBe('SUCCEEDED');
      expect(w.metrics.asked[0]?.targetGroups).toEqual({ blue: TG_PRIMARY, green: TG_ALTERNATE });
    });

    it('finds the new revision in the primary target group too (ECS alternates them)', async () => {
      const w = world();
      w.blueGreen.route = { ...w.blueGreen.route, testListenerRule: null };
      w.blueGreen.ruleWeights = async () => ({ [TG_PRIMARY]: 100, [TG_ALTERNATE]: 900 });
      w.deps.router = { targetHealth: async () => ({ healthy: 2, unhealthy: 0, transitioning: 0 }) };
      await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      expect(w.metrics.asked[0]?.targetGroups).toEqual({ blue: TG_ALTERNATE, green: TG_PRIMARY });
    });

    it('answers FAILED when green errs more than blue', async () => {
      const w = world();
      w.metrics.windows.green = { requests: 1000, errors: 150, p50Ms: 5, p99Ms: 20 };
      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      // The first evaluation, at the step's start, has no data of the step yet; then two failures.
      expect(answers.map((a) => a.hookStatus)).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'FAILED']);
      expect(reasonsLogged(w)).toContain('gate failed 2 consecutive evaluations');
    });

    it('answers FAILED with a reason when evidence stays insufficient past the watch deadline', async () => {
      const w = world();
      w.metrics.windows.green = { requests: 0, errors: 0, p50Ms: null, p99Ms: null };
      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      expect(last(answers)).toEqual({ hookStatus: 'FAILED' });
      // hold 60 s + stepTimeoutSeconds 900 s, every 15 s: 64 waits, then the deadline.
      expect(answers).toHaveLength(65);
      expect(reasonsLogged(w)).toContain('step deadline passed without a passing gate (inconclusive)');
    });

    it('passes the shift to 100 % on the limits, blue having no traffic left (last linear step, BLUE_GREEN)', async () => {
      const w = world();
      // A trickle of requests still in flight when blue went to 0 %: fewer than gate.minRequests.
      w.metrics.windows.blue = { requests: 14, errors: 0, p50Ms: 5, p99Ms: 20 };
      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 100 });
      // 60-s hold judged every 15 s, as any step.
      expect(answers.map((a) => a.hookStatus)).toEqual([...Array(4).fill('IN_PROGRESS'), 'SUCCEEDED']);
    });

    it('fails the shift to 100 % when green errs above the limit', async () => {
      const w = world();
      w.metrics.windows.blue = { requests: 0, errors: 0, p50Ms: null, p99Ms: null };
      w.metrics.windows.green = { requests: 1000, errors: 150, p50Ms: 5, p99Ms: 20 };
      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 100 });
      expect(last(answers).hookStatus).toBe('FAILED');
    });

    it('answers FAILED with too few healthy green targets', async () => {
      const w = world();
      w.deps.router = { targetHealth: async () => ({ healthy: 0, unhealthy: 2, transitioning: 0 }) };
      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      expect(last(answers).hookStatus).toBe('FAILED');
    });
  });

  it('bakes at POST_PRODUCTION_TRAFFIC_SHIFT for bakeSeconds, then SUCCEEDED', async () => {
    const w = world();
    const answers = await runStage(w, 'POST_PRODUCTION_TRAFFIC_SHIFT');
    // 120-s bake judged every 15 s: 8 waits, then the pass.
    expect(answers.map((a) => a.hookStatus)).toEqual([...Array(8).fill('IN_PROGRESS'), 'SUCCEEDED']);
  });

  it.each(['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT'] as const)(
    'records a rollback re-invocation of %s (reversed weights) as SUCCEEDED without judging it',
    async (stage) => {
      const w = world();
      const inWatch = { greenlight: SPEC };
      await expect(ecsHook(w.deps, rollbackEvent(stage, inWatch))).resolves.toEqual({
        hookStatus: 'SUCCEEDED',
      });
      expect(w.blueGreen.calls).toEqual([]);
      expect(w.metrics.asked).toEqual([]);
      expect(reasonsLogged(w)).toContain('ECS hook: rollback recorded');
    },
  );

  it('reads the flat shape too', async () => {
    const w = world();
    w.blueGreen.productionGreen = 10;
    const answer = await ecsHook(w.deps, flatEcsHookEvent('PRODUCTION_TRAFFIC_SHIFT', 10));
    expect(answer.hookStatus).toBe('IN_PROGRESS');
  });

  describe('answers FAILED, never throws', () => {
    it.each([
      ['no event', undefined],
      ['a string', 'POST_TEST_TRAFFIC_SHIFT'],
      ['an unknown stage', { ...ecsHookEvent('PRE_SCALE_UP'), lifecycleStage: 'BeforeAllowTraffic' }],
      ['a CodeDeploy event', { DeploymentId: 'd-ABC123', LifecycleEventHookExecutionId: 'x' }],
      [
        'a corrupt watch state',
        ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', {
          productionGreen: 10,
          hookDetails: { [WATCH_KEY]: { v: 2 } },
        }),
      ],
      [
        'a bad spec',
        ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', {
          productionGreen: 10,
          hookDetails: { greenlight: { gate: 'strict' } },
        }),
      ],
    ])('on %s', async (_label, raw) => {
      const w = world();
      await expect(ecsHook(w.deps, raw)).resolves.toEqual({ hookStatus: 'FAILED' });
    });

    it('when an AWS call fails, logging the error by name and message only', async () => {
      const w = world();
      w.blueGreen.failWith = Object.assign(new Error('DescribeServices failed: AccessDeniedException'), {
        name: 'EcsBlueGreenError',
      });
      await expect(
        ecsHook(w.deps, ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 })),
      ).resolves.toEqual({
        hookStatus: 'FAILED',
      });
      expect(w.logged).toContainEqual([
        'error',
        'ECS hook: internal error, answering FAILED',
        { error: { name: 'EcsBlueGreenError', message: 'DescribeServices failed: AccessDeniedException' } },
      ]);
    });

    it('when the metrics read fails', async () => {
      const w = world();
      w.metrics.sample = async () => {
        throw new TypeError('boom');
      };
      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      expect(answers).toEqual([{ hookStatus: 'FAILED' }]);
    });

    it('when the service has no blue/green target groups, or its rules contradict the event', async () => {
      const w = world();
      w.blueGreen.routes = async () => [];
      await expect(
        ecsHook(w.deps, ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 })),
      ).resolves.toEqual({
        hookStatus: 'FAILED',
      });
      const v = world();
      v.blueGreen.ruleWeights = async () => ({ [TG_PRIMARY]: 1, [TG_ALTERNATE]: 1 });
      await expect(
        ecsHook(v.deps, ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 })),
      ).resolves.toEqual({
        hookStatus: 'FAILED',
      });
      expect(reasonsLogged(v)).toContain('cannot tell which target group serves the new revision');
    });

    it('through the Lambda handler, for any JSON at all', async () => {
      const w = world();
      const handler = createEcsHookHandler(w.deps);
      const context = { functionName: 'greenlight-ci-ecs-hook', awsRequestId: 'r-1' } as Context;
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (raw) => {
          const answer = await handler(raw, context);
          return ['SUCCEEDED', 'FAILED', 'IN_PROGRESS'].includes(answer.hookStatus);
        }),
        { numRuns: 200 },
      );
    });
  });

  it('never logs hookDetails', async () => {
    const w = world();
    const secret = 'hunter2-do-not-log';
    await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', {
      productionGreen: 10,
      hookDetails: { greenlight: SPEC, token: secret },
    });
    await ecsHook(w.deps, { ...ecsHookEvent('PRE_SCALE_UP'), hookDetails: { token: secret } });
    await ecsHook(w.deps, {
      ...ecsHookEvent('PRE_SCALE_UP'),
      lifecycleStage: 'X',
      hookDetails: { token: secret },
    });
    expect(w.logged.length).toBeGreaterThan(3);
    expect(reasonsLogged(w)).not.toContain(secret);
  });

  describe("the new revision's task stops", () => {
    const ecs = mockClient(ECSClient);
    const START = Date.UTC(2026, 4, 1, 12);
    const SPOT_LIMITED = { ...SPEC, gate: { ...SPEC.gate, maxInfrastructureStops: 0 } };

    /** The hook on the ECS adapter, ECS answering with `tasks` as the service's stopped ones. */
    function onEcs(tasks: ReturnType<typeof crashedTask>[]) {
      ecs.reset();
      ecs.on(DescribeServiceRevisionsCommand).resolves({
        serviceRevisions: [{ serviceRevisionArn: GREEN_REVISION, taskDefinition: TASK_DEFINITION_NEW }],
      });
      ecs.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn!) });
      ecs.on(DescribeTasksCommand).resolves({ tasks });
      const w = world();
      w.deps.taskStops = new EcsNewTaskStops({ client: new ECSClient({ region: 'eu-west-1' }) });
      return w;
    }

    it('fails a step whose metrics pass when a new-revision task is Spot-interrupted beyond maxInfrastructureStops', async () => {
      const w = onEcs([spotInterruptedTask('prod', 1, TASK_DEFINITION_NEW, START + 1000)]);

      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', {
        productionGreen: 10,
        hookDetails: { greenlight: SPOT_LIMITED },
      });

      expect(last(answers)).toEqual({ hookStatus: 'FAILED' });
      expect(answers.length).toBeLessThan(5);
      expect(reasonsLogged(w)).toContain(
        'stopped by the infrastructure > 0 allowed (maxInfrastructureStops)',
      );
      // The revision's task definition, then the service's stopped tasks: exact inputs.
      expect(ecs).toHaveReceivedCommandWith(DescribeServiceRevisionsCommand, {
        serviceRevisionArns: [GREEN_REVISION],
      });
      expect(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input).toStrictEqual({
        cluster: 'prod',
        serviceName: 'web',
        desiredStatus: 'STOPPED',
        maxResults: 100,
      });
      expect(ecs.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toStrictEqual({
        cluster: 'prod',
        tasks: [taskArn('prod', 1)],
      });
    });

    it('fails the bake on a crash of a new-revision task with the default gate (maxTaskStops 0)', async () => {
      const w = onEcs([crashedTask('prod', 2, TASK_DEFINITION_NEW, START + 1000)]);

      const answers = await runStage(w, 'POST_PRODUCTION_TRAFFIC_SHIFT');

      expect(last(answers)).toEqual({ hookStatus: 'FAILED' });
      expect(reasonsLogged(w)).toContain('1 green task stopped with a failure > 0 allowed');
    });

    it("passes when only the old revision's tasks stopped, having read them", async () => {
      const w = onEcs([
        spotInterruptedTask('prod', 3, TASK_DEFINITION_OLD, START + 1000),
        crashedTask('prod', 4, TASK_DEFINITION_OLD, START + 2000),
      ]);

      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', {
        productionGreen: 10,
        hookDetails: { greenlight: SPOT_LIMITED },
      });

      expect(answers.map((a) => a.hookStatus)).toEqual([...Array(4).fill('IN_PROGRESS'), 'SUCCEEDED']);
      expect(ecs).toHaveReceivedCommandTimes(DescribeServiceRevisionsCommand, 5);
      expect(ecs).toHaveReceivedCommandTimes(DescribeTasksCommand, 5);
      expect(reasonsLogged(w)).toContain('no green task stopped');
    });

    it('answers FAILED, never passing unread, when the stopped tasks cannot be read', async () => {
      const w = onEcs([]);
      ecs.on(ListTasksCommand).rejects(
        new ECSServiceException({
          name: 'AccessDeniedException',
          message: 'denied',
          $fault: 'client',
          $metadata: {},
        }),
      );

      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });

      expect(answers).toEqual([{ hookStatus: 'FAILED' }]);
      expect(w.logged).toContainEqual([
        'error',
        'ECS hook: internal error, answering FAILED',
        {
          error: {
            name: 'EcsNewTaskStopsError',
            message: 'ECS ListTasks (service web in cluster prod) failed: AccessDeniedException: denied',
          },
        },
      ]);
    });
  });
});
