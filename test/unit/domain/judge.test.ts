import fc from 'fast-check';
import {
  GateSchema,
  judgeBake,
  judgeStep,
  judgeTestRound,
  latestBakeWindow,
  finalLookAt,
  gateLook,
  interimLookAt,
  lastLookAt,
  decidesAtOnce,
  ProbesSchema,
  readingWindows,
  stopsWindowStart,
  testRoundControl,
  type BakeReadings,
  type GateReadings,
  type JudgedStep,
  type LoadBalancerWindow,
  type ProbeResult,
  type StepJudgementInput,
  type StoppedTask,
  type TargetHealth,
  type PublishedWindow,
  type TestRoundInput,
} from '../../../shared/domain/gate';
import type { ManualControl } from '../../../shared/domain/deployment';

const T0 = Date.UTC(2026, 0, 1);
const GATE = GateSchema.parse({});
const PROBES = ProbesSchema.parse({ url: 'http://127.0.0.1:8443/health', requests: 5 });
const COLORS = { live: 'blue', new: 'green', cluster: 'apps', service: 'web-green' } as const;

/** Lag-free data (complete up to 120 s in, 1-s periods) unless `until` says otherwise. */
const traffic = (
  requests: number,
  errors = 0,
  p99Ms: number | null = 40,
  until = T0 + 120_000,
): PublishedWindow => ({
  requests,
  errors,
  p50Ms: p99Ms === null ? null : p99Ms / 4,
  p99Ms,
  from: T0,
  until,
  periodSeconds: 1,
});
const HEALTHY: TargetHealth = { healthy: 2, unhealthy: 0, transitioning: 0 };
const ok = (latencyMs = 30): ProbeResult => ({ status: 200, latencyMs });
const crash = (id: string, at = T0 + 5_000): StoppedTask => ({
  id,
  stoppedAt: at,
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'app', exitCode: 1 }],
});

/** A 60 s hold at the first step, evaluated 120 s in. */
const STEP: JudgedStep & { phase: 'step' } = {
  index: 0,
  phase: 'step',
  gate: GATE,
  holdSeconds: 60,
  startedAt: T0,
  deadlineAt: T0 + 960_000,
};
const NOW = T0 + 120_000;

const readings = (overrides: Partial<GateReadings> = {}): GateReadings => ({
  // Enough requests for the limit's evidence that green is below 1 % (a pass needs about 720 clean ones).
  traffic: { blue: traffic(36_000, 180), green: traffic(4_000, 10) },
  health: HEALTHY,
  stoppedTasks: [],
  probeResults: null,
  alarmsFiring: [],
  control: {},
  ...overrides,
});

function stepInput(overrides: Partial<StepJudgementInput> = {}): StepJudgementInput {
  const step = overrides.step ?? STEP;
  const previous = overrides.previous ?? null;
  return {
    step,
    previous,
    now: NOW,
    colors: COLORS,
    windows: readingWindows({ ...step, phase: 'step' }, previous),
    readings: readings(),
    ...overrides,
  };
}

/** A 600 s bake (after one plan step) with 60 s windows, evaluated 250 s in. */
const BAKE: JudgedStep & { phase: 'bake' } = {
  index: 1,
  phase: 'bake',
  gate: GATE,
  holdSeconds: 600,
  startedAt: T0,
  deadlineAt: T0 + 1_500_000,
};
const BAKE_NOW = T0 + 250_000;
/** The bake's current window (from 240 s, 25 windows up to its deadline) with `green` in it. */
const latest = (green: PublishedWindow) => ({
  window: { from: T0 + 240_000, windows: 25 },
  traffic: { blue: traffic(0), green },
});

function bakeInput(overrides: Partial<BakeReadings> = {}): StepJudgementInput<BakeReadings> {
  return {
    step: BAKE,
    previous: null,
    now: BAKE_NOW,
    colors: COLORS,
    windows: readingWindows(BAKE, null),
    readings: {
      ...readings({ traffic: { blue: traffic(0), green: traffic(50_000, 250) } }),
      latestWindow: latest(traffic(2_000, 10)),
      ...overrides,
    },
  };
}

function testRoundInput(overrides: Partial<TestRoundInput['readings']> = {}): TestRoundInput {
  return {
    phase: { holdSeconds: 60, startedAt: T0, deadlineAt: T0 + 360_000, consecutiveFailures: 2 },
    previousFailures: 0,
    now: NOW,
    colors: COLORS,
    gate: GATE,
    probes: PROBES,
    readings: {
      probeResults: [ok(), ok(), ok(), ok(), ok()],
      health: HEALTHY,
      stoppedTasks: [],
      alarmsFiring: [],
      control: {},
      ...overrides,
    },
  };
}

const healthArb = fc.record({
  healthy: fc.integer({ min: 0, max: 10 }),
  unhealthy: fc.integer({ min: 0, max: 10 }),
  transitioning: fc.integer({ min: 0, max: 10 }),
});
const probeResultArb: fc.Arbitrary<ProbeResult> = fc.oneof(
  fc.record({ status: fc.constantFrom(200, 503), latencyMs: fc.integer({ min: 1, max: 5_000 }) }),
  fc.constant({ status: null, latencyMs: 3_000, error: 'timeout after 3000 ms' }),
);
const stopsArb = fc
  .array(fc.boolean(), { maxLength: 3 })
  .map((crashes) =>
    crashes.map((crashed, i) =>
      crashed
        ? crash(`t-${i}`)
        : { id: `t-${i}`, stoppedAt: T0, stopCode: 'ServiceSchedulerInitiated', containers: [] },
    ),
  );
const controlArb: fc.Arbitrary<ManualControl> = fc.record(
  { pausedBy: fc.constant('ops'), awaitingApproval: fc.boolean() },
  { requiredKeys: [] },
);

describe('stopsWindowStart', () => {
  it("starts at the step's start on the first evaluation", () => {
    expect(stopsWindowStart(STEP, null)).toBe(T0);
  });

  it("keeps the step's window on later evaluations of the same step", () => {
    const previous = {
      stepIndex: 0,
      phase: 'step',
      consecutiveFailures: 0,
      at: T0 + 10_000,
      stopsSince: T0 - 3_000,
    };

    expect(stopsWindowStart(STEP, previous)).toBe(T0 - 3_000);
  });

  it("starts a new step's window at the previous step's last evaluation", () => {
    const step = { ...STEP, index: 1, startedAt: T0 + 2_000 };
    const previous = {
      stepIndex: 0,
      phase: 'step',
      consecutiveFailures: 0,
      at: T0 - 1_000,
      stopsSince: T0 - 60_000,
    };

    expect(stopsWindowStart(step, previous)).toBe(T0 - 1_000);
  });
});

describe('latestBakeWindow', () => {
  it("cuts the bake's published data, with a sequential gate only", () => {
    const data = { from: T0, until: BAKE_NOW };
    expect(latestBakeWindow(BAKE, data, 60)).toEqual({ from: T0 + 240_000, windows: 25 });
    expect(latestBakeWindow({ ...BAKE, gate: { ...GATE, mode: 'fixed-window' } }, data, 60)).toBeNull();
    expect(latestBakeWindow({ ...STEP, phase: 'step' }, data, 60)).toBeNull();
  });

  it('ends where published data ends, not at the evaluation time', () => {
    // 60-s periods published up to 180 s into the bake: the current window is [120 s, 180 s), whole.
    expect(latestBakeWindow(BAKE, { from: T0, until: T0 + 180_000 }, 60)).toEqual({
      from: T0 + 120_000,
      windows: 25,
    });
    // Data still within the first window: the whole bake is that window.
    expect(latestBakeWindow(BAKE, { from: T0, until: T0 + 60_000 }, 60)).toBeNull();
  });
});

describe('finalLookAt', () => {
  const start = 1_000_000;
  const at = (holdSeconds: number, stepTimeoutSeconds: number, finalLookSeconds: number) =>
    (finalLookAt({
      startedAt: start,
      holdSeconds,
      deadlineAt: start + (holdSeconds + stepTimeoutSeconds) * 1000,
      gate: GateSchema.parse({ finalLookSeconds }),
    }) -
      start) /
    1000;

  it('looks at max(hold, finalLookSeconds) when the step timeout leaves room', () => {
    expect(at(60, 900, 300)).toBe(300);
    expect(at(600, 900, 300)).toBe(600);
  });

  it('never looks later than halfway from the hold end to the deadline, so a step is decided before it times out', () => {
    // A short rehearsal step: hold 5 s, timeout 30 s; without the bound the look (300 s) comes after the deadline (35 s).
    expect(at(5, 30, 300)).toBe(20);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 3600 }),
        (hold, timeout, look) => {
          const t = at(hold, timeout, look);
          return t >= hold && t < hold + timeout && t <= Math.max(hold, look);
        },
      ),
    );
  });
});

describe('gateLook', () => {
  const start = 1_000_000;
  const step = {
    index: 0,
    startedAt: start,
    holdSeconds: 0,
    deadlineAt: start + 900_000,
    gate: GateSchema.parse({}),
  };
  const previous = (dataUntilSeconds: number) => ({
    stepIndex: 0,
    phase: 'step',
    consecutiveFailures: 0,
    dataUntil: start + dataUntilSeconds * 1000,
  });
  const look = (seconds: number, before: number | null) =>
    gateLook(step, 'step', start + seconds * 1000, before === null ? null : previous(before));

  it('places the interim look at 45 % of the way to the final look, and the last halfway to the deadline', () => {
    expect(interimLookAt(step) - start).toBe(135_000);
    expect(finalLookAt(step) - start).toBe(300_000);
    expect(lastLookAt(step) - start).toBe(450_000);
  });

  it('takes the interim look once: on the first data reaching it and on rereads of that data, never on more data', () => {
    expect(look(130, 120).interim).toBe(false);
    expect(look(140, 130).interim).toBe(true);
    expect(look(140, 140).interim).toBe(true);
    expect(look(150, 140).interim).toBe(false);
    // No earlier evaluation of this step (or one of another step): this one is the look.
    expect(look(200, null).interim).toBe(true);
    expect(gateLook(step, 'bake', start + 200_000, previous(140)).interim).toBe(true);
  });

  it('extends an undecided final look up to the last look, where a failure rolls back at once again', () => {
    expect(look(300, 299)).toEqual({ final: true, interim: false, last: false, extended: false });
    expect(decidesAtOnce(look(300, 299))).toBe(true);
    expect(look(301, 300)).toEqual({ final: true, interim: false, last: false, extended: true });
    expect(decidesAtOnce(look(301, 300))).toBe(false);
    expect(look(450, 449)).toEqual({ final: true, interim: false, last: true, extended: true });
    expect(decidesAtOnce(look(450, 449))).toBe(true);
  });
});

describe('judgeStep', () => {
  it('passes a new color as good as the live color once the hold is over, naming both colors', () => {
    // Act
    const { observation, event } = judgeStep(stepInput());

    // Assess
    expect(observation).toMatchObject({
      stepIndex: 0,
      phase: 'step',
      decision: 'advance',
      verdict: 'pass',
      at: NOW,
      stopsSince: T0,
    });
    expect(observation.reasons.join('\n')).toContain('on blue');
    expect(event).toMatchObject({
      type: 'GATE_PASSED',
      data: { traffic: readings().traffic, health: HEALTHY },
    });
    expect(event?.message).toMatch(/^step 1 passed: /);
  });

  it('fails on a crashed new-color task although the traffic looks good', () => {
    // Act
    const { observation, event } = judgeStep(
      stepInput({ readings: readings({ stoppedTasks: [crash('t-1')] }) }),
    );

    // Assess
    expect(observation.verdict).toBe('fail');
    expect(observation.decision).toBe('wait');
    expect(observation.consecutiveFailures).toBe(1);
    expect(event).toBeNull();
  });

  it('advances through a Fargate Spot reclaim of a new-color task, counting it in the observation', () => {
    // Prepare
    const reclaimed: StoppedTask = {
      id: 't-spot',
      stoppedAt: T0 + 5_000,
      stopCode: 'SpotInterruption',
      stoppedReason: 'Your Spot Task was interrupted.',
      containers: [{ name: 'app', exitCode: 143 }],
    };

    // Act
    const { observation } = judgeStep(stepInput({ readings: readings({ stoppedTasks: [reclaimed] }) }));

    // Assess
    expect(observation).toMatchObject({ verdict: 'pass', decision: 'advance', infrastructureStops: 1 });
    expect(observation.reasons.join('\n')).toContain('1 infrastructure stop: 1× Spot interruption');
  });

  it('counts failures on from the same step only', () => {
    // Prepare
    const failing = readings({ traffic: { blue: traffic(5_000, 25), green: traffic(1_000, 300) } });
    const sameStep = {
      stepIndex: 0,
      phase: 'step',
      consecutiveFailures: 1,
      at: NOW - 10_000,
      stopsSince: T0,
    };
    const otherStep = { ...sameStep, stepIndex: 1 };

    // Act
    const again = judgeStep(stepInput({ readings: failing, previous: sameStep }));
    const fresh = judgeStep(stepInput({ readings: failing, previous: otherStep }));

    // Assess
    expect(again.observation).toMatchObject({ decision: 'rollback', consecutiveFailures: 2 });
    expect(again.event?.type).toBe('GATE_FAILED');
    expect(fresh.observation).toMatchObject({ decision: 'wait', consecutiveFailures: 1 });
  });

  it('records the probes it judged', () => {
    // Act
    const { observation, event } = judgeStep({
      ...stepInput({
        readings: readings({ probeResults: [ok(), ok(), ok(), ok(), { status: 503, latencyMs: 5 }] }),
      }),
      probes: PROBES,
    });

    // Assess
    expect(observation.verdict).toBe('fail');
    expect(observation.probes).toEqual({
      requests: 5,
      failed: 1,
      maxLatencyMs: 30,
      statuses: { '200': 4, '503': 1 },
    });
    expect(event).toBeNull();
  });

  it('never turns an inconclusive traffic verdict into a pass, whatever the side signals say', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: GATE.minRequests - 1 }),
        healthArb,
        stopsArb,
        fc.option(fc.array(probeResultArb, { minLength: 5, maxLength: 8 }), { nil: null }),
        controlArb,
        (requests, health, stoppedTasks, probeResults, control) => {
          // Act
          const { observation } = judgeStep({
            ...stepInput({
              readings: readings({
                traffic: { blue: traffic(10_000, 50), green: traffic(requests) },
                health,
                stoppedTasks,
                probeResults,
                control,
              }),
            }),
            probes: PROBES,
          });

          // Assess
          expect(observation.verdict).not.toBe('pass');
          expect(observation.decision).not.toBe('advance');
        },
      ),
    );
  });

  it('fails whenever a side signal fails, whatever the traffic', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.constantFrom('stop', 'unhealthy', 'probe'),
        (requests, errors, failing) => {
          // Act
          const { observation } = judgeStep({
            ...stepInput({
              readings: readings({
                traffic: { blue: traffic(10_000, 50), green: traffic(requests, Math.min(errors, requests)) },
                stoppedTasks: failing === 'stop' ? [crash('t-1')] : [],
                health: failing === 'unhealthy' ? { ...HEALTHY, unhealthy: 1 } : HEALTHY,
                probeResults:
                  failing === 'probe' ? [ok(), ok(), ok(), ok(), { status: 500, latencyMs: 5 }] : null,
              }),
            }),
            probes: PROBES,
          });

          // Assess
          expect(observation.verdict).toBe('fail');
        },
      ),
    );
  });
});

describe('judgeBake', () => {
  it('judges the limits alone: whatever the live color still reports is no baseline', () => {
    // Prepare: a few stale live-color requests, all failed
    const input = bakeInput({ traffic: { blue: traffic(30, 30), green: traffic(50_000, 250) } });

    // Act
    const { observation } = judgeBake(input);

    // Assess
    expect(observation).toMatchObject({ stepIndex: 1, phase: 'bake', verdict: 'pass', decision: 'wait' });
    expect(observation.reasons.join('\n')).not.toContain('on blue');
  });

  it('fails a late degradation that only the latest window shows, and names the bake', () => {
    // Prepare
    const input = bakeInput({ latestWindow: latest(traffic(2_000, 120)) });
    const previous = {
      stepIndex: 1,
      phase: 'bake',
      consecutiveFailures: 1,
      at: BAKE_NOW - 10_000,
      stopsSince: T0,
      dataUntil: T0 + 110_000,
    };

    // Act
    const { observation, event } = judgeBake({ ...input, previous });

    // Assess
    expect(observation).toMatchObject({ verdict: 'fail', decision: 'rollback', consecutiveFailures: 2 });
    expect(observation.reasons.some((r) => r.startsWith('latest bake window: '))).toBe(true);
    expect(event?.type).toBe('GATE_FAILED');
    expect(event?.message).toMatch(/^bake failed: /);
  });

  it('advances when a person promotes, as the bake has no later step to skip', () => {
    // Act
    const { observation, event } = judgeBake(bakeInput({ control: { promotedBy: 'ops' } }));

    // Assess
    expect(observation.decision).toBe('advance');
    expect(event).toMatchObject({ type: 'GATE_PASSED' });
    expect(event?.message).toMatch(/^bake passed: promoted by ops/);
  });

  it('never passes on a latest window or side signals while the whole bake is inconclusive', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: GATE.minRequests - 1 }),
        fc.integer({ min: 0, max: 10_000 }),
        healthArb,
        stopsArb,
        (requests, latestRequests, health, stoppedTasks) => {
          // Act
          const { observation } = judgeBake(
            bakeInput({
              traffic: { blue: traffic(0), green: traffic(requests) },
              latestWindow: latest(traffic(latestRequests)),
              health,
              stoppedTasks,
            }),
          );

          // Assess
          expect(observation.verdict).not.toBe('pass');
        },
      ),
    );
  });
});

describe('judgeTestRound', () => {
  it('passes the phase on passing probes once its hold is over', () => {
    // Act
    const { observation, event } = judgeTestRound(testRoundInput());

    // Assess
    expect(observation).toMatchObject({
      phase: 'test',
      decision: 'advance',
      verdict: 'pass',
      at: NOW,
      color: 'green',
      health: HEALTHY,
    });
    expect(observation.probes).toEqual({ requests: 5, failed: 0, maxLatencyMs: 30, statuses: { '200': 5 } });
    expect(event).toMatchObject({
      type: 'TEST_TRAFFIC_PASSED',
      data: { probes: observation.probes, health: HEALTHY },
    });
    expect(event?.message).toMatch(/^test traffic passed: probes: 5 of 5 passed/);
  });

  it("rolls back after the phase's own count of failing rounds, whatever the gate's mode and count", () => {
    // Prepare
    const input = testRoundInput({ health: { healthy: 0, unhealthy: 0, transitioning: 2 } });
    const gate = { ...GATE, mode: 'fixed-window' as const, consecutiveFailures: 10 };

    // Act
    const first = judgeTestRound({ ...input, gate });
    const second = judgeTestRound({ ...input, gate, previousFailures: 1 });

    // Assess
    expect(first.observation).toMatchObject({ decision: 'wait', verdict: 'fail', consecutiveFailures: 1 });
    expect(first.event).toBeNull();
    expect(second.observation).toMatchObject({ decision: 'rollback', consecutiveFailures: 2 });
    expect(second.event?.type).toBe('TEST_TRAFFIC_FAILED');
    expect(second.event?.message).toMatch(/^test traffic failed: gate failed 2 consecutive evaluations/);
  });

  it('awaits no approval, whatever the control says', () => {
    // Act
    const { observation } = judgeTestRound(testRoundInput({ control: { awaitingApproval: true } }));

    // Assess
    expect(observation.decision).toBe('advance');
  });

  it('rolls back at once on an abort', () => {
    // Act
    const { observation, event } = judgeTestRound(testRoundInput({ control: { abortedBy: 'ops' } }));

    // Assess
    expect(observation.decision).toBe('rollback');
    expect(event?.message).toMatch(/^test traffic failed: aborted by ops/);
  });

  it('never passes on too few probe results, whatever the targets and task stops say', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constant(ok()), { maxLength: PROBES.requests - 1 }),
        healthArb,
        stopsArb,
        (probeResults, health, stoppedTasks) => {
          // Act
          const { observation } = judgeTestRound(testRoundInput({ probeResults, health, stoppedTasks }));

          // Assess
          expect(observation.verdict).not.toBe('pass');
          expect(observation.decision).not.toBe('advance');
        },
      ),
    );
  });
});

describe('testRoundControl', () => {
  it('keeps abort, pause and promote from the record and asks for no approval', () => {
    expect(testRoundControl({ control: { action: 'pause', by: 'ops', at: T0 }, approvedSteps: [] })).toEqual({
      pausedBy: 'ops',
    });
    expect(testRoundControl(null)).toEqual({});
  });
});

describe('the load balancer’s own 5xx in judgeStep and judgeBake', () => {
  const LB = 'app/web/50dc6c495c0c9188';
  const lb = (requests: number, errors: number, until = T0 + 120_000): LoadBalancerWindow => ({
    loadBalancer: LB,
    requests,
    errors,
    byStatus: { '502': errors, '503': 0, '504': 0 },
    from: T0,
    until,
    periodSeconds: 1,
  });
  const before = { ...lb(20_000, 2), from: T0 - 600_000, until: T0 };

  it('fails a step whose traffic passes when the load balancer answers 5xx itself, naming it as the source', () => {
    // Act: per target group all is well; the balancer reset 60 of 6000 requests (1 %)
    const input = stepInput({
      readings: readings({ loadBalancer: { step: lb(6_000, 60), baseline: before } }),
    });
    const { observation, event } = judgeStep(input);

    // Assess
    expect(observation.verdict).toBe('fail');
    expect(observation.loadBalancer).toEqual(lb(6_000, 60));
    expect(observation.reasons.join('\n')).toContain(`source: load balancer ${LB}, shared by both colors`);
    expect(event).toBeNull(); // one failure of the 2 in a row the default gate needs
  });

  it('holds back a pass while the load balancer’s data does not cover the hold, and waits on its coverage', () => {
    // Act: the new color's data covers 120 s, the balancer's only 30 s (of a 60 s hold)
    const input = stepInput({
      readings: readings({ loadBalancer: { step: lb(1_000, 0, T0 + 30_000), baseline: before } }),
    });
    const { observation } = judgeStep(input);

    // Assess
    expect(observation.decision).toBe('wait');
    expect(observation.dataUntil).toBe(T0 + 30_000);
  });

  it('is inconclusive, never pass, when no period of the balancer’s data holds any of the step', () => {
    const input = stepInput({
      readings: readings({ loadBalancer: { step: lb(0, 0, T0), baseline: before } }),
    });
    const { observation } = judgeStep(input);
    expect(observation.verdict).toBe('inconclusive');
    expect(observation.decision).toBe('wait');
  });

  it('is not judged with the limit set to null', () => {
    const gate = GateSchema.parse({ maxLoadBalancerErrorIncrease: null });
    const input = stepInput({
      step: { ...STEP, gate },
      readings: readings({ loadBalancer: { step: lb(6_000, 600), baseline: before } }),
    });
    expect(judgeStep(input).observation).toMatchObject({ verdict: 'pass', decision: 'advance' });
    expect(judgeStep(input).observation.loadBalancer).toBeUndefined();
  });

  it('fails the bake too', () => {
    const { observation } = judgeBake(
      bakeInput({ loadBalancer: { step: lb(50_000, 2_000), baseline: before } }),
    );
    expect(observation.verdict).toBe('fail');
    expect(observation.reasons.join('\n')).toContain('gate.maxLoadBalancerErrorIncrease');
  });

  it('never turns a step the traffic does not pass into a pass', () => {
    fc.assert(
      fc.property(
        fc.nat(100_000),
        fc.nat(100_000),
        fc.integer({ min: 0, max: 120_000 }),
        (req, err, until) => {
          const balancer = { step: lb(req, Math.min(err, req), T0 + until), baseline: before };
          const without = judgeStep(
            stepInput({ readings: readings({ traffic: { blue: traffic(5_000), green: traffic(3) } }) }),
          );
          const withIt = judgeStep(
            stepInput({
              readings: readings({
                traffic: { blue: traffic(5_000), green: traffic(3) },
                loadBalancer: balancer,
              }),
            }),
          );
          expect(without.observation.verdict).toBe('inconclusive');
          expect(withIt.observation.verdict).not.toBe('pass');
        },
      ),
    );
  });
});
