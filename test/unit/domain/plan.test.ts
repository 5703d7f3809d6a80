import fc from 'fast-check';
import { GateSchema } from '../../../shared/domain/gate';
import { HISTORY_EVENT_BUDGET, maxHistoryEvents } from '../../../shared/domain/history-budget';
import { bakeStep, maxDurationSeconds, nextStep, type StepCursor } from '../../../shared/domain/plan';
import { SpecSchema, type DeploymentSpec } from '../../../shared/domain/spec';
import { parseSpec } from '../../fixtures/spec';
import { specInputArb } from '../../fixtures/specArbitraries';

const NOW = 1_700_000_000_000;

/** Every cursor nextStep yields from the start, ending with (and including) the done cursor. */
function walk(spec: DeploymentSpec, now = NOW): StepCursor[] {
  const cursors: StepCursor[] = [];
  let previous: number | null = null;
  for (let guard = 0; guard <= spec.plan.steps.length; guard++) {
    const cursor = nextStep(spec, previous, now);
    cursors.push(cursor);
    if (cursor.done) return cursors;
    previous = cursor.index;
  }
  throw new Error('nextStep did not finish after every step');
}

describe('nextStep', () => {
  it('starts with the first step: its weight, hold and gate, started now', () => {
    // Prepare
    const spec = parseSpec();

    // Act
    const cursor = nextStep(spec, null, NOW);

    // Assess
    expect(cursor).toEqual({
      done: false,
      index: 0,
      phase: 'step',
      weight: 5,
      holdSeconds: 60,
      gate: spec.gate,
      startedAt: NOW,
      deadlineAt: NOW + (60 + 900) * 1000,
    });
  });

  it('walks the steps in order, then is done at index steps.length', () => {
    // Prepare
    const spec = parseSpec({ plan: { preset: 'linear', increments: 4 } });

    // Act
    const cursors = walk(spec);

    // Assess
    expect(cursors.map((c) => (c.done ? ['done', c.index] : [c.index, c.weight]))).toEqual([
      [0, 25],
      [1, 50],
      [2, 75],
      ['done', 3],
    ]);
  });

  it('is done immediately for a plan without steps', () => {
    // Prepare
    const spec = parseSpec({ plan: { preset: 'all-at-once' } });

    // Act
    const cursor = nextStep(spec, null, NOW);

    // Assess
    expect(cursor).toEqual({ done: true, index: 0 });
  });

  it('stays done past the last step', () => {
    // Prepare
    const spec = parseSpec();

    // Act
    const cursor = nextStep(spec, 5, NOW);

    // Assess
    expect(cursor).toEqual({ done: true, index: 2 });
  });

  it('gives the gate its full step timeout after a short hold', () => {
    // Prepare
    const spec = parseSpec({
      plan: { steps: [{ weight: 10, holdSeconds: 60, gate: { stepTimeoutSeconds: 300 } }] },
    });

    // Act
    const cursor = nextStep(spec, null, NOW);

    // Assess
    expect(cursor).toMatchObject({ startedAt: NOW, deadlineAt: NOW + (60 + 300) * 1000 });
  });

  it('gives the gate its full step timeout after a hold longer than that timeout', () => {
    // Prepare
    const spec = parseSpec({
      plan: { steps: [{ weight: 10, holdSeconds: 1200, gate: { stepTimeoutSeconds: 300 } }] },
    });

    // Act
    const cursor = nextStep(spec, null, NOW);

    // Assess
    expect(cursor).toMatchObject({ startedAt: NOW, deadlineAt: NOW + (1200 + 300) * 1000 });
  });

  it("carries each step's own merged gate", () => {
    // Prepare
    const spec = parseSpec({
      gate: { maxErrorRate: 0.02 },
      plan: { steps: [{ weight: 10 }, { weight: 20, gate: { minRequests: 3 } }] },
    });

    // Act
    const second = nextStep(spec, 0, NOW);

    // Assess
    expect(second).toMatchObject({ index: 1, weight: 20, gate: { ...spec.gate, minRequests: 3 } });
  });

  it('yields every step of any plan in order with deadline startedAt + (hold + stepTimeout) s', () => {
    fc.assert(
      fc.property(specInputArb, fc.integer({ min: 0, max: 4_000_000_000_000 }), (input, now) => {
        // Prepare
        const spec = SpecSchema.parse(input);

        // Act
        const cursors = walk(spec, now);

        // Assess
        expect(cursors).toHaveLength(spec.plan.steps.length + 1);
        expect(cursors.at(-1)).toEqual({ done: true, index: spec.plan.steps.length });
        spec.plan.steps.forEach((step, i) => {
          expect(cursors[i]).toEqual({
            done: false,
            index: i,
            phase: 'step',
            weight: step.weight,
            holdSeconds: step.holdSeconds,
            gate: step.gate,
            startedAt: now,
            deadlineAt: now + (step.holdSeconds + step.gate.stepTimeoutSeconds) * 1000,
          });
        });
      }),
    );
  });
});

describe('bakeStep', () => {
  it('holds 100 % for bakeSeconds under the spec gate, after the last step', () => {
    // Prepare
    const spec = parseSpec({ bakeSeconds: 120, gate: { stepTimeoutSeconds: 600 } });

    // Act
    const cursor = bakeStep(spec, NOW);

    // Assess
    expect(cursor).toEqual({
      done: false,
      index: 2,
      phase: 'bake',
      weight: 100,
      holdSeconds: 120,
      gate: spec.gate,
      startedAt: NOW,
      deadlineAt: NOW + (120 + 600) * 1000,
    });
  });

  it('uses the spec gate, not the last step override', () => {
    // Prepare
    const spec = parseSpec({ plan: { steps: [{ weight: 50, gate: { maxErrorRate: 0.5 } }] } });

    // Act
    const cursor = bakeStep(spec, NOW);

    // Assess
    expect(cursor).toMatchObject({ index: 1, gate: { maxErrorRate: 0.01 } });
  });

  it('has index 0 for a plan without steps', () => {
    // Prepare
    const spec = parseSpec({ plan: { preset: 'all-at-once' }, bakeSeconds: 0 });

    // Act
    const cursor = bakeStep(spec, NOW);

    // Assess
    expect(cursor).toMatchObject({ index: 0, holdSeconds: 0, deadlineAt: NOW + 900_000 });
  });
});

describe('maxDurationSeconds', () => {
  it('adds launch, every step, the bake and a 600 s margin for the default spec', () => {
    // Prepare
    const spec = parseSpec();

    // Act
    const seconds = maxDurationSeconds(spec);

    // Assess
    // launch 600 + 10, two steps of 60 + 900 + 10, bake 300 + 900 + 10, margin 600
    expect(seconds).toBe(610 + 2 * 970 + 1210 + 600);
  });

  it('counts every second of a hold on top of the step timeout', () => {
    // Prepare
    const short = parseSpec({ plan: { steps: [{ weight: 10, holdSeconds: 100 }] } });
    const long = parseSpec({ plan: { steps: [{ weight: 10, holdSeconds: 5000 }] } });

    // Act
    const difference = maxDurationSeconds(long) - maxDurationSeconds(short);

    // Assess
    expect(difference).toBe(5000 - 100);
  });

  it('is at least the sum of every hold, the bake and the launch timeout, for any spec', () => {
    fc.assert(
      fc.property(specInputArb, (input) => {
        // Prepare
        const spec = SpecSchema.parse(input);
        const holds = spec.plan.steps.reduce((sum, s) => sum + s.holdSeconds, 0);

        // Act
        const seconds = maxDurationSeconds(spec);

        // Assess
        expect(seconds).toBeGreaterThanOrEqual(holds + spec.bakeSeconds + spec.launch.timeoutSeconds);
      }),
    );
  });

  it('outlasts the launch, then every step and the bake each running to its deadline', () => {
    fc.assert(
      fc.property(specInputArb, (input) => {
        // Prepare
        const spec = SpecSchema.parse(input);
        let at = NOW + spec.launch.timeoutSeconds * 1000;
        let previous: number | null = null;
        for (let cursor = nextStep(spec, previous, at); !cursor.done; cursor = nextStep(spec, previous, at)) {
          at = cursor.deadlineAt;
          previous = cursor.index;
        }
        const bake = bakeStep(spec, at);
        const worstEnd = bake.done ? at : bake.deadlineAt;

        // Act
        const seconds = maxDurationSeconds(spec);

        // Assess
        expect(NOW + seconds * 1000).toBeGreaterThanOrEqual(worstEnd);
      }),
    );
  });
});

describe('maxHistoryEvents', () => {
  it('keeps the default spec far below the budget', () => {
    expect(maxHistoryEvents(parseSpec())).toBeLessThan(HISTORY_EVENT_BUDGET / 4);
  });

  it('counts one 9-event round per interval of every wait, to its deadline', () => {
    const short = parseSpec({ plan: { steps: [{ weight: 10, holdSeconds: 0 }] }, bakeSeconds: 0 });
    const longer = parseSpec({ plan: { steps: [{ weight: 10, holdSeconds: 100 }] }, bakeSeconds: 0 });
    // 100 s more hold at the default 10 s interval: 10 more rounds.
    expect(maxHistoryEvents(longer) - maxHistoryEvents(short)).toBe(10 * 9);
  });
});

describe('the spec refuses plans beyond the execution-history budget', () => {
  const dayLongHold = { plan: { steps: [{ weight: 10, holdSeconds: 86_400 }] } };

  it('names gate.intervalSeconds and the number of events', () => {
    expect(() => parseSpec(dayLongHold)).toThrow(
      /spec\.gate\.intervalSeconds: the plan's longest run would write about \d+ Step Functions history events/,
    );
  });

  it('accepts the same plan at an interval that fits', () => {
    const spec = parseSpec({ ...dayLongHold, gate: GateSchema.parse({ intervalSeconds: 60 }) });
    expect(maxHistoryEvents(spec)).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET);
  });
});
