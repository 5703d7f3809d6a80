/**
 * The gate-watch state machine (statemachines/gate-watch.asl.json) run by aws-local-stepfunctions
 * with the real Evaluate and Report handlers on memory ports: every path ends with a status sent
 * to CodeDeploy, Failed on every fault.
 */
import type { GateWatchDocument } from '../../functions/hooks/codedeploy-hook';
import {
  createGateWatchEvaluateHandler,
  createGateWatchReportHandler,
} from '../../functions/hooks/gate-watch';
import {
  planCodeDeployHook,
  type CodeDeployHookTarget,
} from '../../shared/domain/hooks/codedeploy-hook-plan';
import type { CodeDeployEcsHook } from '../../shared/domain/hooks/codedeploy-hook-event';
import { EcsHookSpecSchema, type EcsHookSpecInput } from '../../shared/domain/hooks/ecs-hook-spec';
import { runStateMachine, type RunResult } from '../../shared/local/sfn/engine';
import type { CodeDeployHooks, HookExecutionStatus } from '../../shared/ports/codedeploy-hooks';
import {
  APPLICATION,
  CD_SERVICE_ARN,
  DEPLOYMENT_GROUP,
  DEPLOYMENT_ID,
  HOOK_EXECUTION_ID,
  TG_BLUE_ARN,
  TG_GREEN_ARN,
} from '../fixtures/codedeploy-hook-events';
import {
  ManualClock,
  MemoryMetrics,
  MemoryNewTaskStops,
  MemoryProbe,
  MemoryRouter,
  silentLogger,
} from '../support/memory-ports';

const FILE = 'gate-watch.asl.json';
const PROBES = { url: 'http://gl-web-test.internal:8443/health', requests: 5 };

/** CodeDeploy's side: the statuses it received, and faults to inject in the call. */
class RecordingCodeDeploy implements Pick<CodeDeployHooks, 'report'> {
  sent: { deploymentId: string; id: string; status: HookExecutionStatus }[] = [];
  attempts: HookExecutionStatus[] = [];
  failures: Partial<Record<HookExecutionStatus, number>> = {};
  async report(deploymentId: string, id: string, status: HookExecutionStatus) {
    this.attempts.push(status);
    const left = this.failures[status] ?? 0;
    if (left > 0) {
      this.failures[status] = left - 1;
      throw Object.assign(new Error('simulated CodeDeploy fault: InternalFailure'), {
        name: 'CodeDeployHooksError',
      });
    }
    this.sent.push({ deploymentId, id, status });
    return 'sent' as const;
  }
}

function target(stage: CodeDeployEcsHook): CodeDeployHookTarget {
  return {
    deploymentId: DEPLOYMENT_ID,
    application: APPLICATION,
    deploymentGroup: DEPLOYMENT_GROUP,
    computePlatform: 'ECS',
    deploymentStatus: 'InProgress',
    serviceArn: CD_SERVICE_ARN,
    lifecycleEvents: [{ name: stage, status: 'InProgress' }],
    taskSets: [
      {
        id: 'ecs-svc/1111111111111111111',
        label: 'BLUE',
        trafficWeight: stage === 'AfterAllowTraffic' ? 0 : 100,
        targetGroupName: 'a',
        targetGroupArn: TG_BLUE_ARN,
      },
      {
        id: 'ecs-svc/2222222222222222222',
        label: 'GREEN',
        trafficWeight: stage === 'AfterAllowTraffic' ? 100 : 0,
        targetGroupName: 'b',
        targetGroupArn: TG_GREEN_ARN,
      },
    ],
  };
}

function world() {
  const clock = new ManualClock(Date.UTC(2026, 4, 1, 12));
  const router = new MemoryRouter();
  router.health[TG_GREEN_ARN] = { healthy: 3, unhealthy: 0, transitioning: 0 };
  const deps = {
    metrics: new MemoryMetrics(),
    router,
    probe: new MemoryProbe(),
    taskStops: new MemoryNewTaskStops(),
    clock,
    logger: silentLogger(),
  };
  const codeDeploy = new RecordingCodeDeploy();
  return { ...deps, codeDeploy, deps };
}
type World = ReturnType<typeof world>;

function documentFor(w: World, stage: CodeDeployEcsHook, spec: EcsHookSpecInput): GateWatchDocument {
  const specs = { '*': EcsHookSpecSchema.parse(spec) };
  const plan = planCodeDeployHook(target(stage), specs, w.clock.now());
  if (plan.kind !== 'watch')
    throw new Error(`expected a watch, got ${plan.kind}: ${'reason' in plan ? plan.reason : ''}`);
  return {
    hook: { deploymentId: DEPLOYMENT_ID, lifecycleEventHookExecutionId: HOOK_EXECUTION_ID },
    context: { application: APPLICATION, deploymentGroup: DEPLOYMENT_GROUP, stage },
    watch: plan.watch,
    state: null,
  };
}

const ZERO = { Evaluate: 0, ReportSucceeded: 0, ReportFailed: 0 };

function run(
  w: World,
  input: unknown,
  stateOverrides?: Record<string, (input: unknown) => Promise<unknown>>,
) {
  const interval = (input as GateWatchDocument).watch?.intervalSeconds ?? 1;
  return runStateMachine({
    file: FILE,
    handlers: {
      'gate-watch-evaluate': createGateWatchEvaluateHandler(w.deps) as never,
      'gate-watch-report': createGateWatchReportHandler({
        codeDeploy: w.codeDeploy,
        logger: silentLogger(),
      }) as never,
    },
    input,
    waitTimeOverrides: { Wait: 0 },
    retryIntervalOverrides: ZERO,
    ...(stateOverrides ? { stateOverrides } : {}),
    // Each Wait lasts the interval on the watch's clock.
    onTask: (state) => {
      if (state === 'Evaluate') w.clock.advance(interval * 1000);
    },
  });
}

const entered = (r: RunResult) => r.events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
const statuses = (w: World) => w.codeDeploy.sent.map((s) => s.status);

describe('gate-watch state machine', () => {
  it('passes the test round: Succeeded sent once, after the hold', async () => {
    const w = world();
    const input = documentFor(w, 'AfterAllowTestTraffic', {
      probes: PROBES,
      testTraffic: { holdSeconds: 30, intervalSeconds: 10 },
    });

    const result = await run(w, input);

    expect(result.status).toBe('SUCCEEDED');
    expect(statuses(w)).toEqual(['Succeeded']);
    expect(w.codeDeploy.sent[0]).toEqual({
      deploymentId: DEPLOYMENT_ID,
      id: HOOK_EXECUTION_ID,
      status: 'Succeeded',
    });
    const states = entered(result);
    expect(states[0]).toBe('Wait');
    expect(states[states.length - 1]).toBe('ReportSucceeded');
    // Held 30 s at 10 s a round: three evaluations at least, never a pass before the hold.
    expect(states.filter((s) => s === 'Evaluate').length).toBeGreaterThanOrEqual(3);
    expect(w.probe.runs).toBe(states.filter((s) => s === 'Evaluate').length);
  });

  it('fails the test round on failing probes: Failed sent, the execution fails as GateFailed', async () => {
    const w = world();
    w.probe.respond = () => ({ status: 503, latencyMs: 5 });
    const input = documentFor(w, 'AfterAllowTestTraffic', { probes: PROBES });

    const result = await run(w, input);

    expect(statuses(w)).toEqual(['Failed']);
    expect(result).toMatchObject({ status: 'FAILED', error: 'GateFailed' });
    expect(entered(result)).not.toContain('ReportSucceeded');
  });

  it('passes a healthy bake at AfterAllowTraffic', async () => {
    const w = world();
    const input = documentFor(w, 'AfterAllowTraffic', { bakeSeconds: 120, gate: { intervalSeconds: 30 } });

    const result = await run(w, input);

    expect(result.status).toBe('SUCCEEDED');
    expect(statuses(w)).toEqual(['Succeeded']);
  });

  it('fails a bake that times out with too little evidence (no traffic): Failed, never a pass', async () => {
    const w = world();
    w.metrics.windows.green = { requests: 0, errors: 0, p50Ms: 0, p99Ms: 0 };
    w.metrics.windows.blue = { requests: 0, errors: 0, p50Ms: 0, p99Ms: 0 };
    const input = documentFor(w, 'AfterAllowTraffic', {
      bakeSeconds: 120,
      gate: { intervalSeconds: 30, stepTimeoutSeconds: 120 },
    });

    const result = await run(w, input);

    expect(statuses(w)).toEqual(['Failed']);
    expect(result.error).toBe('GateFailed');
    const last = result.events.filter((e) => e.type === 'StateExited' && e.state === 'Evaluate').pop();
    expect(JSON.stringify((last?.output as { reasons?: unknown })?.reasons)).toMatch(
      /deadline|timed out|too few|insufficient/i,
    );
    // It watched to the deadline (hold + margin = 240 s), not beyond.
    expect(w.clock.now() - input.watch.startedAt).toBeGreaterThanOrEqual(240_000);
    expect(w.clock.now() - input.watch.startedAt).toBeLessThanOrEqual(240_000 + 30_000);
  });

  it('sends Failed when Evaluate faults', async () => {
    const w = world();
    const input = documentFor(w, 'AfterAllowTestTraffic', { probes: PROBES });

    const result = await run(w, input, {
      Evaluate: () =>
        Promise.reject(Object.assign(new Error('metrics read failed'), { name: 'CloudWatchMetricsError' })),
    });

    expect(statuses(w)).toEqual(['Failed']);
    expect(result.error).toBe('GateFailed');
  });

  it('sends Failed when the watch document is corrupt', async () => {
    const w = world();
    const input = { ...documentFor(w, 'AfterAllowTestTraffic', { probes: PROBES }), state: { v: 2 } };

    await run(w, input);

    expect(statuses(w)).toEqual(['Failed']);
  });

  it('retries a fault in the status call and sends the status once', async () => {
    const w = world();
    w.codeDeploy.failures.Succeeded = 2;
    const input = documentFor(w, 'AfterAllowTestTraffic', { probes: PROBES });

    const result = await run(w, input);

    expect(result.status).toBe('SUCCEEDED');
    expect(w.codeDeploy.attempts).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(statuses(w)).toEqual(['Succeeded']);
  });

  it('sends Failed when Succeeded cannot be sent after every retry', async () => {
    const w = world();
    w.codeDeploy.failures.Succeeded = Infinity;
    const input = documentFor(w, 'AfterAllowTestTraffic', { probes: PROBES });

    await run(w, input);

    expect(statuses(w)).toEqual(['Failed']);
    expect(w.codeDeploy.attempts.filter((s) => s === 'Succeeded')).toHaveLength(4);
  });

  it('ends as StatusNotSent when not even Failed can be sent, after retrying it', async () => {
    const w = world();
    w.codeDeploy.failures = { Succeeded: Infinity, Failed: Infinity };
    const input = documentFor(w, 'AfterAllowTestTraffic', { probes: PROBES });

    const result = await run(w, input);

    expect(result).toMatchObject({ status: 'FAILED', error: 'StatusNotSent' });
    expect(w.codeDeploy.attempts.filter((s) => s === 'Failed')).toHaveLength(7);
  });
});
