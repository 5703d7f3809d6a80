import { ecsHook, type EcsHookDeps, type HookResponse } from '../../../functions/hooks/ecs-hook';
import { gateWatchEvaluate, gateWatchReport } from '../../../functions/hooks/gate-watch';
import { parseHookSpecs, planCodeDeployHook } from '../../../shared/domain/hooks/codedeploy-hook-plan';
import { codeDeploySubject } from '../../../functions/hooks/codedeploy-hook';
import type { EcsLifecycleStage } from '../../../shared/domain/hooks/ecs-hook-event';
import type { EcsBlueGreen } from '../../../shared/ports/ecs-blue-green';
import type { Notification, Notifier } from '../../../shared/ports/notifier';
import {
  DEPLOYMENT_ARN,
  ecsHookEvent,
  PROD_RULE,
  rollbackEvent,
  TEST_RULE,
  TG_ALTERNATE,
  TG_PRIMARY,
} from '../../fixtures/ecs-hook-events';
import {
  ManualClock,
  MemoryMetrics,
  MemoryNotifier,
  MemoryNewTaskStops,
  MemoryProbe,
  MemoryRouter,
  MemoryStore,
  silentLogger,
} from '../../support/memory-ports';

/** The service as ECS leaves it mid-deployment: the new revision in the alternate target group. */
class ShiftedBlueGreen implements EcsBlueGreen {
  productionGreen = 0;
  async routes() {
    return [
      {
        targetGroup: TG_PRIMARY,
        alternateTargetGroup: TG_ALTERNATE,
        productionListenerRule: PROD_RULE,
        testListenerRule: TEST_RULE,
      },
    ];
  }
  async ruleWeights(ruleArn: string) {
    if (ruleArn === TEST_RULE) return { [TG_PRIMARY]: 0, [TG_ALTERNATE]: 1 };
    return { [TG_PRIMARY]: (100 - this.productionGreen) * 10, [TG_ALTERNATE]: this.productionGreen * 10 };
  }
}

const SPEC = { stepHoldSeconds: 60, bakeSeconds: 120, gate: { intervalSeconds: 15 } };
const RECORD_ID = 'ecs-hVc1KiZn4rK5AX4nVN5Dm';

function world() {
  const clock = new ManualClock(Date.UTC(2026, 4, 1, 12));
  const router = new MemoryRouter();
  router.health[TG_ALTERNATE] = { healthy: 3, unhealthy: 0, transitioning: 0 };
  const store = new MemoryStore();
  const notifier = new MemoryNotifier();
  const logger = silentLogger();
  const errors: unknown[][] = [];
  jest.spyOn(logger, 'error').mockImplementation((...args: unknown[]) => {
    errors.push(args);
  });
  const blueGreen = new ShiftedBlueGreen();
  const metrics = new MemoryMetrics();
  const deps: EcsHookDeps = {
    blueGreen,
    metrics,
    router,
    probe: new MemoryProbe(),
    taskStops: new MemoryNewTaskStops(),
    clock,
    logger,
    history: { store, notifier },
  };
  return { deps, clock, store, notifier, errors, blueGreen, metrics };
}
type World = ReturnType<typeof world>;

/** ECS's loop: invoke again after IN_PROGRESS with the returned hookDetails. */
async function runStage(
  w: World,
  stage: EcsLifecycleStage,
  options: { productionGreen?: number; hookDetails?: Record<string, unknown> } = {},
): Promise<HookResponse[]> {
  const answers: HookResponse[] = [];
  let hookDetails = options.hookDetails ?? { greenlight: SPEC };
  w.blueGreen.productionGreen =
    options.productionGreen ?? (stage === 'POST_PRODUCTION_TRAFFIC_SHIFT' ? 100 : 0);
  for (let i = 0; i < 200; i += 1) {
    const answer = await ecsHook(
      w.deps,
      ecsHookEvent(stage, { productionGreen: options.productionGreen, hookDetails }),
    );
    answers.push(answer);
    if (answer.hookStatus !== 'IN_PROGRESS') return answers;
    hookDetails = JSON.parse(JSON.stringify(answer.hookDetails)) as Record<string, unknown>;
    w.clock.advance((answer.callBackDelay ?? 30) * 1000);
  }
  return answers;
}

const types = (w: World, id = RECORD_ID) => (w.store.events.get(id) ?? []).map((e) => e.type);

describe("the hooks' history and notifications", () => {
  describe('an ECS deployment Greenlight did not start (hook-only)', () => {
    it('creates a record keyed by the service deployment, taking no lock, and records each verdict', async () => {
      const w = world();
      await runStage(w, 'PRE_SCALE_UP');
      const step = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      expect(step.map((a) => a.hookStatus)).toEqual([...Array(4).fill('IN_PROGRESS'), 'SUCCEEDED']);

      const record = w.store.records.get(RECORD_ID);
      expect(record).toMatchObject({
        service: 'web',
        cluster: 'prod',
        status: 'IN_PROGRESS',
        requestedBy: 'ecs (lifecycle hook)',
        external: { controller: 'ecs', deploymentId: DEPLOYMENT_ARN, hookOnly: true },
      });
      expect(w.store.locks.size).toBe(0);
      // Evaluations 1, 2 and 4 of the 4 IN_PROGRESS kept (powers of two), then the pass.
      expect(types(w)).toEqual([
        'hook-verdict',
        'hook-reading',
        'hook-reading',
        'hook-reading',
        'hook-verdict',
      ]);
      const events = w.store.events.get(RECORD_ID)!;
      expect(events[4]!.message).toMatch(/^ECS hook PRODUCTION_TRAFFIC_SHIFT at 10 %: passed, evaluation 5/);
      expect(events[4]!.data).toMatchObject({ stage: 'PRODUCTION_TRAFFIC_SHIFT', answer: 'SUCCEEDED' });
      // A pass before the last stage ends nothing and tells nobody.
      expect(w.notifier.sent).toEqual([]);
    });

    it('records a bounded number of readings over a long watch', async () => {
      const w = world();
      w.metrics.windows.green = { requests: 0, errors: 0, p50Ms: null, p99Ms: null };
      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      // 64 IN_PROGRESS answers, then FAILED at the deadline: readings 1, 2, 4, ... 64 only.
      expect(answers).toHaveLength(65);
      expect(types(w).filter((t) => t === 'hook-reading')).toHaveLength(7);
    });

    it('ends the record PROMOTED and notifies once when the bake passes', async () => {
      const w = world();
      await runStage(w, 'POST_PRODUCTION_TRAFFIC_SHIFT');
      expect(w.store.records.get(RECORD_ID)).toMatchObject({ status: 'PROMOTED', lastWeight: 100 });
      expect(w.notifier.sent).toHaveLength(1);
      expect(w.notifier.sent[0]).toMatchObject({
        id: `${RECORD_ID}/PROMOTED`,
        subject: expect.stringMatching(/^greenlight: web promoted \(/),
        attributes: { event: 'deployment', outcome: 'PROMOTED', service: 'web', controller: 'ecs' },
      });
      expect(w.notifier.sent[0]!.message).toContain(
        `Deployment ${RECORD_ID} of web on cluster prod: PROMOTED.`,
      );
    });

    it('ends the record ROLLED_BACK with the gate reasons and notifies when the hook fails the deployment', async () => {
      const w = world();
      w.metrics.windows.green = { requests: 1000, errors: 150, p50Ms: 5, p99Ms: 20 };
      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      expect(answers.at(-1)).toEqual({ hookStatus: 'FAILED' });
      const record = w.store.records.get(RECORD_ID)!;
      expect(record.status).toBe('ROLLED_BACK');
      expect(record.error?.error).toBe('GateFailed');
      expect(record.error?.cause).toContain('gate failed 2 consecutive evaluations');
      expect(w.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['ROLLED_BACK']);
      expect(w.notifier.sent[0]!.message).toContain('Cause: GateFailed: ECS hook PRODUCTION_TRAFFIC_SHIFT');

      // ECS then rolls back, re-invoking the traffic shift with reversed weights: recorded, no second end.
      await ecsHook(w.deps, rollbackEvent('PRODUCTION_TRAFFIC_SHIFT', { greenlight: SPEC }));
      expect(types(w).at(-1)).toBe('hook-verdict');
      expect(w.store.events.get(RECORD_ID)!.at(-1)!.data).toMatchObject({ answer: 'ROLLBACK' });
      expect(w.store.records.get(RECORD_ID)!.error?.error).toBe('GateFailed');
      expect(w.notifier.sent).toHaveLength(1);
    });

    it('adds nothing when ECS (or Lambda) repeats an invocation', async () => {
      const w = world();
      const event = ecsHookEvent('POST_PRODUCTION_TRAFFIC_SHIFT', { hookDetails: { greenlight: SPEC } });
      w.blueGreen.productionGreen = 100;
      const first = await ecsHook(w.deps, event);
      const again = await ecsHook(w.deps, structuredClone(event));
      expect(again.hookStatus).toBe(first.hookStatus);
      expect(types(w)).toEqual(['hook-reading']);
      expect(w.store.records.size).toBe(1);
    });

    it('answers the gate verdict when the store fails, and logs the failure', async () => {
      const w = world();
      w.store.createDeployment = () => Promise.reject(new Error('ProvisionedThroughputExceeded'));
      w.store.appendEventOnce = () => Promise.reject(new Error('ProvisionedThroughputExceeded'));
      const answers = await runStage(w, 'POST_PRODUCTION_TRAFFIC_SHIFT');
      expect(answers.map((a) => a.hookStatus)).toEqual([...Array(8).fill('IN_PROGRESS'), 'SUCCEEDED']);
      expect(JSON.stringify(w.errors)).toContain('hook history: not written (the answer stands)');
    });

    it('answers FAILED (the gate verdict) when the notifier fails, the record ended with its notification PENDING', async () => {
      const w = world();
      w.metrics.windows.green = { requests: 1000, errors: 150, p50Ms: 5, p99Ms: 20 };
      const failing: Notifier = {
        notify: (_: Notification) => Promise.reject(new Error('KMS.AccessDenied')),
      };
      w.deps.history = { store: w.store, notifier: failing };
      const answers = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      expect(answers.at(-1)).toEqual({ hookStatus: 'FAILED' });
      expect(w.store.records.get(RECORD_ID)).toMatchObject({
        status: 'ROLLED_BACK',
        // Reconcile sends it again (test/unit/reconcile/hook-only.test.ts).
        endNotice: { state: 'PENDING', attempts: 1, lastError: 'Error: KMS.AccessDenied' },
      });
    });

    it('marks the end notification SENT once it went out, and sends it no more', async () => {
      const w = world();
      await runStage(w, 'POST_PRODUCTION_TRAFFIC_SHIFT');
      expect(w.store.records.get(RECORD_ID)?.endNotice).toEqual({ state: 'SENT', attempts: 1 });
      await runStage(w, 'POST_PRODUCTION_TRAFFIC_SHIFT');
      expect(w.notifier.sent).toHaveLength(1);
    });

    it('records an internal error as the FAILED answer it is, its message bounded and without credentials', async () => {
      const w = world();
      w.blueGreen.routes = () =>
        Promise.reject(
          new Error(`AccessDenied for AKIAIOSFODNN7EXAMPLE on ecs:DescribeServices ${'x'.repeat(1000)}`),
        );
      const answer = await ecsHook(
        w.deps,
        ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10, hookDetails: { greenlight: SPEC } }),
      );
      expect(answer).toEqual({ hookStatus: 'FAILED' });
      const event = w.store.events.get(RECORD_ID)!.at(-1)!;
      expect(event).toMatchObject({ type: 'hook-verdict', data: { answer: 'FAILED' } });
      const reason = (event.data!.reasons as string[])[0]!;
      expect(reason).toMatch(/^internal error: Error: AccessDenied for /);
      expect(reason).not.toContain('AKIAIOSFODNN7EXAMPLE');
      expect(reason.length).toBeLessThanOrEqual(240);
      expect(w.store.records.get(RECORD_ID)).toMatchObject({ status: 'ROLLED_BACK' });
      expect(w.notifier.sent.map((n) => n.attributes.outcome)).toEqual(['ROLLED_BACK']);
    });

    it('answers FAILED on an internal error even when its history write fails', async () => {
      const w = world();
      w.blueGreen.routes = () => Promise.reject(new Error('Throttling'));
      w.store.createDeployment = () => Promise.reject(new Error('ProvisionedThroughputExceeded'));
      const answer = await ecsHook(w.deps, ecsHookEvent('PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 }));
      expect(answer).toEqual({ hookStatus: 'FAILED' });
      expect(JSON.stringify(w.errors)).toContain('hook history: not written (the answer stands)');
    });

    it('answers at once when a store call hangs', async () => {
      jest.useFakeTimers({ doNotFake: ['queueMicrotask'] });
      try {
        const w = world();
        w.store.createDeployment = () => new Promise<void>(() => undefined);
        const pending = ecsHook(w.deps, ecsHookEvent('PRE_SCALE_UP', { hookDetails: { greenlight: SPEC } }));
        await jest.advanceTimersByTimeAsync(5_000);
        await expect(pending).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
        expect(JSON.stringify(w.errors)).toContain('write timed out');
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('an ECS deployment Greenlight started (hookDetails.greenlight.deploymentId)', () => {
    it("writes onto Greenlight's record, leaving its status and notification to the driver", async () => {
      const w = world();
      await w.store.createDeployment({
        id: 'rel-42',
        service: 'web',
        cluster: 'prod',
        image: 'web:1.4.2',
        requestedBy: 'alice',
        status: 'IN_PROGRESS',
        startedAt: w.clock.now(),
      });
      const answers = await runStage(w, 'POST_PRODUCTION_TRAFFIC_SHIFT', {
        hookDetails: { greenlight: { ...SPEC, deploymentId: 'rel-42' } },
      });
      expect(answers.at(-1)?.hookStatus).toBe('SUCCEEDED');
      expect(types(w, 'rel-42').at(-1)).toBe('hook-verdict');
      expect(w.store.records.get('rel-42')?.status).toBe('IN_PROGRESS');
      expect(w.store.records.has(RECORD_ID)).toBe(false);
      expect(w.notifier.sent).toEqual([]);
    });
  });

  describe('a CodeDeploy deployment', () => {
    const target = {
      deploymentId: 'd-7TQ1XK2AB',
      application: 'web-app',
      deploymentGroup: 'web-dg',
      computePlatform: 'ECS',
      deploymentStatus: 'InProgress',
      serviceArn: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web',
      lifecycleEvents: [],
      taskSets: [],
    };

    it("names Greenlight's record from the description, else a hook-only one of its own", () => {
      expect(
        codeDeploySubject({ ...target, description: 'Greenlight deployment rel-42: web:1.4.2' }).record,
      ).toEqual({ id: 'rel-42', greenlight: true });
      expect(codeDeploySubject({ ...target, description: 'manual deploy' })).toMatchObject({
        record: { id: 'codedeploy-d-7TQ1XK2AB', greenlight: false },
        service: 'web',
        cluster: 'prod',
      });
    });

    it('records the status Report sent and notifies a hook-only failure, once under retries', async () => {
      const w = world();
      const sent: string[] = [];
      const subject = codeDeploySubject(target);
      const input = {
        status: 'Failed' as const,
        document: {
          hook: { deploymentId: target.deploymentId, lifecycleEventHookExecutionId: 'exec-1' },
          watch: { stage: 'AfterAllowTraffic', key: 'AfterAllowTraffic:d-7TQ1XK2AB', newPercent: 100 },
          state: { evaluations: 3 },
          reasons: ['green 5xx 4.1 % above the limit 1 %'],
          history: subject,
        },
      } as unknown as Parameters<typeof gateWatchReport>[1];
      const deps = {
        codeDeploy: {
          report: async (_d: string, _e: string, status: string) => {
            sent.push(status);
            return 'sent' as const;
          },
        },
        logger: silentLogger(),
        history: { store: w.store, notifier: w.notifier },
        clock: w.clock,
      };
      await gateWatchReport(deps, input);
      await gateWatchReport(deps, input);
      expect(sent).toEqual(['Failed', 'Failed']);
      expect(w.store.records.get('codedeploy-d-7TQ1XK2AB')).toMatchObject({
        status: 'ROLLED_BACK',
        external: { controller: 'codedeploy', deploymentId: 'd-7TQ1XK2AB', hookOnly: true },
      });
      expect(types(w, 'codedeploy-d-7TQ1XK2AB')).toEqual(['hook-verdict']);
      expect(w.store.events.get('codedeploy-d-7TQ1XK2AB')![0]!.message).toBe(
        'CodeDeploy hook AfterAllowTraffic at 100 %: failed, evaluation 3: green 5xx 4.1 % above the limit 1 %',
      );
      expect(w.notifier.sent.map((n) => n.id)).toEqual(['codedeploy-d-7TQ1XK2AB/ROLLED_BACK']);
    });

    it("records the watch's bounded readings from Evaluate, once each under retries", async () => {
      const w = world();
      const bake = {
        ...target,
        lifecycleEvents: [{ name: 'AfterAllowTraffic', status: 'InProgress' }],
        taskSets: [
          {
            id: 'ecs-svc/1',
            label: 'Blue',
            trafficWeight: 0,
            targetGroupName: 'web-a',
            targetGroupArn: TG_PRIMARY,
          },
          {
            id: 'ecs-svc/2',
            label: 'Green',
            trafficWeight: 100,
            targetGroupName: 'web-b',
            targetGroupArn: TG_ALTERNATE,
          },
        ],
      };
      const specs = parseHookSpecs(
        JSON.stringify({ '*': { bakeSeconds: 120, gate: { intervalSeconds: 15 } } }),
      );
      if (!specs.ok) throw new Error(specs.reason);
      const plan = planCodeDeployHook(bake, specs.value, w.clock.now());
      if (plan.kind !== 'watch') throw new Error(`expected a watch, got ${plan.kind}`);
      const evaluateDeps = {
        ...w.deps,
        taskStops: new MemoryNewTaskStops(),
        history: { store: w.store, notifier: w.notifier },
      };
      let document = {
        hook: { deploymentId: target.deploymentId, lifecycleEventHookExecutionId: 'exec-3' },
        context: { application: 'web-app', deploymentGroup: 'web-dg', stage: plan.stage },
        watch: plan.watch,
        state: null,
        history: codeDeploySubject(bake),
      } as Parameters<typeof gateWatchEvaluate>[1];
      const verdicts: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const before = document;
        const next = await gateWatchEvaluate(evaluateDeps, before);
        await gateWatchEvaluate(evaluateDeps, before); // a retried Evaluate state
        verdicts.push(next.verdict);
        if (next.verdict !== 'watch') break;
        document = next;
        w.clock.advance(15_000);
      }
      expect(verdicts.at(-1)).toBe('pass');
      // 8 watching evaluations: readings 1, 2, 4 and 8, each once; the pass is Report's to record.
      const events = w.store.events.get('codedeploy-d-7TQ1XK2AB') ?? [];
      expect(events.map((e) => e.data?.evaluation)).toEqual([1, 2, 4, 8]);
      expect(events.every((e) => e.type === 'hook-reading')).toBe(true);
      expect(w.notifier.sent).toEqual([]);
    });

    it('sends the status even when the store fails', async () => {
      const w = world();
      w.store.createDeployment = () => Promise.reject(new Error('AccessDenied'));
      const sent: string[] = [];
      const result = await gateWatchReport(
        {
          codeDeploy: {
            report: async (_d: string, _e: string, status: string) => {
              sent.push(status);
              return 'sent' as const;
            },
          },
          logger: silentLogger(),
          history: { store: w.store, notifier: w.notifier },
          clock: w.clock,
        },
        {
          status: 'Succeeded',
          document: {
            hook: { deploymentId: target.deploymentId, lifecycleEventHookExecutionId: 'exec-2' },
            watch: { stage: 'AfterAllowTraffic', key: 'k', newPercent: 100 },
            history: codeDeploySubject(target),
          },
        } as unknown as Parameters<typeof gateWatchReport>[1],
      );
      expect(result.status).toBe('Succeeded');
      expect(sent).toEqual(['Succeeded']);
    });
  });

  describe('side signals (they can fail a watch, never pass one)', () => {
    it('fails a step on the load balancer’s own 5xx that the target groups’ metrics would pass', async () => {
      const w = world();
      const clean = await runStage(w, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      expect(clean.at(-1)?.hookStatus).toBe('SUCCEEDED');

      const bad = world();
      bad.metrics.loadBalancer = {
        step: { requests: 2000, errors: 120, byStatus: { '502': 120 } },
        baseline: { requests: 2000, errors: 0 },
      };
      const answers = await runStage(bad, 'PRODUCTION_TRAFFIC_SHIFT', { productionGreen: 10 });
      expect(answers.at(-1)).toEqual({ hookStatus: 'FAILED' });
      expect(bad.store.records.get(RECORD_ID)?.error?.cause).toMatch(/load balancer/);
    });

    it('fails the bake at once when an alarm the hook spec names is in ALARM', async () => {
      const w = world();
      const asked: string[][] = [];
      w.deps.alarms = {
        firing: async (names: string[]) => {
          asked.push(names);
          return ['web-p99-latency'];
        },
      };
      const answers = await runStage(w, 'POST_PRODUCTION_TRAFFIC_SHIFT', {
        hookDetails: { greenlight: { ...SPEC, alarms: ['web-p99-latency', 'web-5xx'] } },
      });
      expect(answers).toEqual([{ hookStatus: 'FAILED' }]);
      expect(asked).toEqual([['web-p99-latency', 'web-5xx']]);
      expect(w.store.records.get(RECORD_ID)?.error?.cause).toContain('web-p99-latency');
    });

    it('passes the same bake when the named alarms are OK', async () => {
      const w = world();
      w.deps.alarms = { firing: async () => [] };
      const answers = await runStage(w, 'POST_PRODUCTION_TRAFFIC_SHIFT', {
        hookDetails: { greenlight: { ...SPEC, alarms: ['web-p99-latency'] } },
      });
      expect(answers.at(-1)?.hookStatus).toBe('SUCCEEDED');
    });

    it('answers FAILED when alarms are named but cannot be read', async () => {
      const w = world();
      const answers = await runStage(w, 'POST_PRODUCTION_TRAFFIC_SHIFT', {
        hookDetails: { greenlight: { ...SPEC, alarms: ['web-5xx'] } },
      });
      expect(answers).toEqual([{ hookStatus: 'FAILED' }]);
    });
  });
});
