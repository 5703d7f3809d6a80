import fc from 'fast-check';
import {
  GateSchema,
  judgeBake,
  judgeStep,
  publishedUntil,
  readingWindows,
  type GateReadings,
  type JudgedStep,
  type MetricsModel,
  type PreviousEvaluation,
  type PublishedWindow,
  type StepJudgementInput,
  type StoppedTask,
} from '../../../shared/domain/gate';
import { SpecSchema } from '../../../shared/domain/spec';
import { parseSpec, specFor } from '../../fixtures/spec';
import { InvalidInputError } from '../../../shared/domain/errors';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const AWS: MetricsModel = { periodSeconds: 60, publishDelaySeconds: 120 };
const GATE = GateSchema.parse({});
const COLORS = { live: 'blue', new: 'green', cluster: 'apps', service: 'web-green' } as const;
const HEALTHY = { healthy: 2, unhealthy: 0, transitioning: 0 };

/** A step that started 20 s into a minute, with a 60 s hold. */
const STEP: JudgedStep & { phase: 'step' } = {
  index: 0,
  phase: 'step',
  gate: GATE,
  holdSeconds: 60,
  startedAt: T0 + 20_000,
  deadlineAt: T0 + 20_000 + 960_000,
};

/** Data as CloudWatch would have published it at `now`: good traffic on both colors, `rate` 5xx on green. */
function published(step: JudgedStep, now: number, model = AWS, greenRate = 0.001) {
  const from = Math.floor(step.startedAt / (model.periodSeconds * 1000)) * model.periodSeconds * 1000;
  const until = publishedUntil(step.startedAt, now, model);
  const seconds = (until - from) / 1000;
  const window = (rps: number, rate: number): PublishedWindow => ({
    requests: Math.round(rps * seconds),
    errors: Math.round(rps * seconds * rate),
    p50Ms: seconds > 0 ? 10 : null,
    p99Ms: seconds > 0 ? 40 : null,
    from,
    until,
    periodSeconds: model.periodSeconds,
  });
  return { blue: window(160, 0.001), green: window(40, greenRate) };
}

function input(
  now: number,
  overrides: Partial<GateReadings> = {},
  previous: PreviousEvaluation | null = null,
  step: JudgedStep & { phase: 'step' } = STEP,
): StepJudgementInput {
  return {
    step,
    previous,
    now,
    colors: COLORS,
    windows: readingWindows(step, previous),
    readings: {
      traffic: published(step, now),
      health: HEALTHY,
      stoppedTasks: [],
      probeResults: null,
      alarmsFiring: [],
      control: {},
      ...overrides,
    },
  };
}

const crash: StoppedTask = {
  id: 't-1',
  stoppedAt: T0 + 30_000,
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'app', exitCode: 1 }],
};

describe('publishedUntil', () => {
  it('ends at the last period whose end plus the delay has passed', () => {
    expect(publishedUntil(T0, T0 + 3 * MINUTE - 1, AWS)).toBe(T0);
    expect(publishedUntil(T0, T0 + 3 * MINUTE, AWS)).toBe(T0 + MINUTE);
    expect(publishedUntil(T0 + 20_000, T0 + 10 * MINUTE, AWS)).toBe(T0 + 8 * MINUTE);
  });

  it('is `now` itself for lag-free 1-s data', () => {
    expect(publishedUntil(T0, T0 + 12_000, { periodSeconds: 1, publishDelaySeconds: 0 })).toBe(T0 + 12_000);
  });
});

describe('the gate on published data', () => {
  it('is inconclusive while no published period holds any of the step, however good the traffic', () => {
    // 2 min 50 s after the step began at 12:00:20, only 12:00:00–12:00:59 ... is not yet published.
    const { observation } = judgeStep(input(T0 + 2 * MINUTE + 50_000));

    expect(observation.verdict).toBe('inconclusive');
    expect(observation.decision).toBe('wait');
    expect(observation.dataUntil).toBe(T0);
    expect(observation.reasons[0]).toContain('no published metric data since it began yet');
  });

  it('does not advance at the end of the hold, but once published data covers it', () => {
    // The hold ends at 12:01:20; the minute 12:01 that covers it is published at 12:04:00.
    const atHoldEnd = judgeStep(input(STEP.startedAt + 60_000 + 100_000));
    const beforeCovered = judgeStep(input(T0 + 4 * MINUTE - 1));
    const covered = judgeStep(input(T0 + 4 * MINUTE));

    expect(atHoldEnd.observation.decision).toBe('wait');
    expect(beforeCovered.observation).toMatchObject({ verdict: 'pass', decision: 'wait' });
    expect(beforeCovered.observation.reasons[0]).toMatch(
      /^gate passes; waiting until published data covers 40 of the 60 s hold/,
    );
    expect(covered.observation).toMatchObject({ verdict: 'pass', decision: 'advance' });
    expect(covered.observation.dataUntil).toBe(T0 + 2 * MINUTE);
  });

  it('judges a fixed window when published data covers it, not when its time is up', () => {
    const step = { ...STEP, gate: { ...GATE, mode: 'fixed-window' as const }, holdSeconds: 300 };
    // Window 12:00:20–12:05:20; covered by the minute 12:05 published at 12:08:00.
    const early = judgeStep(input(T0 + 7 * MINUTE, {}, null, step));
    const judged = judgeStep(input(T0 + 8 * MINUTE, {}, null, step));

    expect(early.observation.decision).toBe('wait');
    expect(early.observation.reasons[0]).toContain('fixed window: judged when its data is published');
    expect(judged.observation.decision).toBe('advance');
  });

  it('holds the bake until published data covers it', () => {
    const bake = { ...STEP, index: 1, phase: 'bake' as const, holdSeconds: 300 };
    const bakeInput = (now: number) => ({
      ...input(now, {}, null, { ...bake, phase: 'step' }),
      step: bake,
      readings: { ...input(now).readings, traffic: published(bake, now), latestWindow: null },
    });
    // The bake ends at 12:05:20, covered at 12:08:00: RetireOldColor must not run before.
    expect(judgeBake(bakeInput(T0 + 8 * MINUTE - 1)).observation.decision).toBe('wait');
    expect(judgeBake(bakeInput(T0 + 8 * MINUTE)).observation.decision).toBe('advance');
  });

  it('counts a failing minute once, however often it is reread', () => {
    const bad = (now: number) => ({ traffic: published(STEP, now, AWS, 0.3) });
    const first = judgeStep(input(T0 + 3 * MINUTE, bad(T0 + 3 * MINUTE)));
    const previous = { ...first.observation };

    // 10 s later: the same published data.
    const reread = judgeStep(input(T0 + 3 * MINUTE + 10_000, bad(T0 + 3 * MINUTE + 10_000), previous));
    // A minute later: a newly published minute.
    const fresh = judgeStep(input(T0 + 4 * MINUTE, bad(T0 + 4 * MINUTE), previous));

    expect(first.observation).toMatchObject({ verdict: 'fail', consecutiveFailures: 1, decision: 'wait' });
    expect(reread.observation).toMatchObject({ verdict: 'fail', consecutiveFailures: 1, decision: 'wait' });
    expect(fresh.observation).toMatchObject({
      verdict: 'fail',
      consecutiveFailures: 2,
      decision: 'rollback',
    });
  });

  it('counts a reread failure again when a real-time signal fails fresh', () => {
    const bad = { traffic: published(STEP, T0 + 3 * MINUTE, AWS, 0.3) };
    const first = judgeStep(input(T0 + 3 * MINUTE, bad));
    const again = judgeStep(
      input(T0 + 3 * MINUTE + 10_000, { ...bad, stoppedTasks: [crash] }, { ...first.observation }),
    );

    expect(again.observation).toMatchObject({ consecutiveFailures: 2, decision: 'rollback' });
  });

  it('still fails on real-time signals before any data is published', () => {
    const { observation } = judgeStep(input(T0 + MINUTE, { health: { ...HEALTHY, unhealthy: 1 } }));

    expect(observation.verdict).toBe('fail');
  });

  it('rolls back at the wall-clock deadline when data never covers the hold', () => {
    const step = { ...STEP, deadlineAt: STEP.startedAt + 120_000 };
    const { observation } = judgeStep(input(step.deadlineAt, {}, null, step));

    expect(observation.decision).toBe('rollback');
    expect(observation.reasons[0]).toContain('step deadline passed');
  });

  describe('properties', () => {
    const modelArb = fc.record({
      periodSeconds: fc.constantFrom(1, 60, 120, 300),
      publishDelaySeconds: fc.integer({ min: 0, max: 600 }),
    });

    it('never advances a step before published data covers its hold, whatever the delay', () => {
      fc.assert(
        fc.property(
          modelArb,
          fc.integer({ min: 0, max: 600 }),
          fc.integer({ min: 0, max: 59_999 }),
          fc.integer({ min: 0, max: 1_500_000 }),
          fc.constantFrom('sequential' as const, 'fixed-window' as const),
          (model, holdSeconds, offset, elapsed, mode) => {
            const step = {
              ...STEP,
              gate: { ...GATE, mode },
              holdSeconds,
              startedAt: T0 + offset,
              deadlineAt: T0 + offset + (holdSeconds + 900) * 1000,
            };
            const now = step.startedAt + elapsed;
            const traffic = published(step, now, model);
            const { observation } = judgeStep(input(now, { traffic }, null, step));

            if (observation.decision === 'advance') {
              expect(traffic.green.until).toBeGreaterThan(step.startedAt);
              expect(traffic.green.until).toBeGreaterThanOrEqual(step.startedAt + holdSeconds * 1000);
              expect(traffic.green.until + model.publishDelaySeconds * 1000).toBeLessThanOrEqual(now);
            }
            // The deadline stays wall-clock, so the history budget's bound on a step holds.
            if (now >= step.deadlineAt) expect(['advance', 'rollback']).toContain(observation.decision);
          },
        ),
      );
    });

    it('never increments consecutiveFailures on a reread without a fresh real-time failure', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 3 * 60, max: 20 * 60 }),
          fc.integer({ min: 1, max: 59 }),
          fc.integer({ min: 0, max: 5 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (seconds, laterSeconds, failures, rate) => {
            const now = T0 + seconds * 1000;
            const later = now + laterSeconds * 1000;
            // Same published minute at both reads: only reads within the same minute reread.
            fc.pre(publishedUntil(STEP.startedAt, now, AWS) === publishedUntil(STEP.startedAt, later, AWS));
            const traffic = published(STEP, now, AWS, rate);
            const first = judgeStep(input(now, { traffic }));
            const previous = { ...first.observation, consecutiveFailures: failures };
            const again = judgeStep(input(later, { traffic }, previous));

            if (again.observation.verdict === 'fail') {
              expect(again.observation.consecutiveFailures).toBe(failures);
            }
          },
        ),
      );
    });
  });
});

describe('spec validation on the metrics model', () => {
  const issues = (input: object) => {
    try {
      parseSpec(input);
    } catch (error) {
      if (error instanceof InvalidInputError) return error.issues.map((i) => i.path);
      throw error;
    }
    return [];
  };

  it('accepts the defaults on CloudWatch timing (60-s periods, 120 s delay)', () => {
    const spec = SpecSchema.parse(specFor());
    expect(spec.metrics).toEqual({ periodSeconds: 60, publishDelaySeconds: 120 });
    expect(issues({ plan: { preset: 'codedeploy-canary-10-5' } })).toEqual([]);
    expect(issues({ plan: { preset: 'linear' } })).toEqual([]);
    expect(issues({ plan: { steps: [{ weight: 1 }, { weight: 50, holdSeconds: 120 }] } })).toEqual([]);
  });

  it('refuses a non-zero hold shorter than one period, naming the field', () => {
    expect(issues({ plan: { preset: 'canary', weights: [5], holdSeconds: 30 } })).toEqual([
      'spec.plan.holdSeconds',
    ]);
    expect(
      issues({
        plan: {
          steps: [
            { weight: 5, holdSeconds: 0 },
            { weight: 50, holdSeconds: 59 },
          ],
        },
      }),
    ).toEqual(['spec.plan.steps[1].holdSeconds']);
    expect(issues({ bakeSeconds: 10 })).toEqual(['spec.bakeSeconds']);
  });

  it('refuses a bake window that is not whole periods', () => {
    expect(issues({ bakeWindowSeconds: 30 })).toEqual(['spec.bakeWindowSeconds']);
    expect(issues({ bakeWindowSeconds: 90 })).toEqual(['spec.bakeWindowSeconds']);
    expect(issues({ bakeWindowSeconds: 120 })).toEqual([]);
  });

  it('refuses a step timeout shorter than one period plus the delay, naming the field', () => {
    expect(issues({ gate: { stepTimeoutSeconds: 179 } })).toEqual(['spec.gate.stepTimeoutSeconds']);
    expect(issues({ gate: { stepTimeoutSeconds: 180 } })).toEqual([]);
    expect(issues({ plan: { steps: [{ weight: 5, gate: { stepTimeoutSeconds: 100 } }] } })).toEqual([
      'spec.plan.steps[0].gate.stepTimeoutSeconds',
    ]);
    expect(issues({ metrics: { publishDelaySeconds: 900 } })).toEqual(['spec.gate.stepTimeoutSeconds']);
  });

  it('accepts short holds on the rehearsal’s 1-s, lag-free data, and refuses other periods', () => {
    const lagFree = { periodSeconds: 1, publishDelaySeconds: 0 };
    expect(issues({ metrics: lagFree, plan: { preset: 'canary', holdSeconds: 2 }, bakeSeconds: 1 })).toEqual(
      [],
    );
    expect(issues({ metrics: { periodSeconds: 30 } })).toEqual(['spec.metrics.periodSeconds']);
    expect(issues({ metrics: { periodSeconds: 60, delay: 1 } })).toEqual(['spec.metrics']);
  });
});
