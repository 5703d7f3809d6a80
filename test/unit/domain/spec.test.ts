import fc from 'fast-check';
import { InvalidInputError } from '../../../shared/domain/errors';
import { GateSchema, type Gate } from '../../../shared/domain/gate';
import { SpecSchema } from '../../../shared/domain/spec';
import { parseInput } from '../../../shared/domain/validation';
import { parseSpec, specFor } from '../../fixtures/spec';
import {
  customPlanArb,
  exceedsHistoryBudget,
  partialGateArb,
  specInputArb,
} from '../../fixtures/specArbitraries';

const DEFAULT_GATE: Gate = {
  maxErrorRate: 0.01,
  maxP99Ms: 1000,
  minHealthyTargets: 1,
  maxTaskStops: 0,
  maxLoadBalancerErrorIncrease: 0.005,
  maxInfrastructureStops: null,
  maxUnhealthyTargets: 0,
  minRequests: 20,
  intervalSeconds: 10,
  consecutiveFailures: 2,
  stepTimeoutSeconds: 900,
  mode: 'sequential',
  falseRollbackRate: 0.01,
  missRate: 0.01,
  minDetectableIncrease: 0.02,
  finalLookSeconds: 300,
  maxProbabilitySlower: 0.55,
  compareWithBaseline: true,
  maxP99RatioToBaseline: 1.5,
  p99ToleranceMs: 50,
};

/** Parses `input` as a spec and returns the InvalidInputError it throws (fails the test when none). */
function specError(input: unknown): InvalidInputError {
  try {
    parseInput(SpecSchema, input, 'spec');
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected the spec to be rejected');
}

const withPlan = (plan: unknown) => ({ ...specFor(), plan });

describe('SpecSchema', () => {
  describe('alarms', () => {
    it('keeps the named alarms and refuses an empty name, naming the field', () => {
      expect(parseSpec({ alarms: ['web-5xx', 'web-p99'] }).alarms).toEqual(['web-5xx', 'web-p99']);
      expect(() => parseSpec({ alarms: ['web-5xx', ''] })).toThrow(/spec\.alarms\[1\]/);
    });
  });

  describe('defaults', () => {
    it('applies the default gate, launch, bake and canary plan to a minimal spec', () => {
      // Prepare
      const input = specFor();

      // Act
      const spec = parseSpec();

      // Assess
      expect(spec).toEqual({
        ...input,
        gate: DEFAULT_GATE,
        launch: { timeoutSeconds: 600, pollSeconds: 10 },
        bakeSeconds: 300,
        bakeWindowSeconds: 60,
        metrics: { periodSeconds: 60, publishDelaySeconds: 120 },
        trafficSettleSeconds: 15,
        alarms: [],
        controller: 'greenlight',
        plan: {
          steps: [
            { weight: 5, holdSeconds: 60, gate: DEFAULT_GATE },
            { weight: 25, holdSeconds: 60, gate: DEFAULT_GATE },
          ],
        },
      });
    });

    it('matches the documented gate defaults', () => {
      // Act
      const gate = GateSchema.parse({});

      // Assess
      expect(gate).toEqual(DEFAULT_GATE);
    });

    it('fills the remaining gate fields from the defaults when the spec sets only some', () => {
      // Act
      const spec = parseSpec({ gate: { maxErrorRate: 0.05, minRequests: 100 } });

      // Assess
      expect(spec.gate).toEqual({ ...DEFAULT_GATE, maxErrorRate: 0.05, minRequests: 100 });
      expect(spec.plan.steps.map((s) => s.gate)).toEqual([spec.gate, spec.gate]);
    });

    it('keeps an optional listener rule and leaves it out when absent', () => {
      // Act
      const withRule = parseSpec({ traffic: { listener: 'l', rule: 'r' } });
      const withoutRule = parseSpec();

      // Assess
      expect(withRule.traffic).toEqual({ listener: 'l', rule: 'r' });
      expect(withoutRule.traffic).toEqual({ listener: 'local-listener' });
    });

    it('does not leak a mutation of one parsed spec into the next parse', () => {
      // Prepare
      const first = parseSpec();
      first.gate.maxErrorRate = 0.9;
      first.launch.timeoutSeconds = 1;

      // Act
      const second = parseSpec();

      // Assess
      expect(second.gate.maxErrorRate).toBe(0.01);
      expect(second.launch.timeoutSeconds).toBe(600);
    });
  });

  describe('plan presets', () => {
    it('expands the default canary into 5 % then 25 %, each held 60 s', () => {
      // Act
      const spec = parseSpec({ plan: { preset: 'canary' } });

      // Assess
      expect(spec.plan.steps.map((s) => [s.weight, s.holdSeconds])).toEqual([
        [5, 60],
        [25, 60],
      ]);
    });

    it('expands a canary with custom weights and hold', () => {
      // Act
      const spec = parseSpec({ plan: { preset: 'canary', weights: [1, 10, 50], holdSeconds: 120 } });

      // Assess
      expect(spec.plan.steps).toEqual([
        { weight: 1, holdSeconds: 120, gate: DEFAULT_GATE },
        { weight: 10, holdSeconds: 120, gate: DEFAULT_GATE },
        { weight: 50, holdSeconds: 120, gate: DEFAULT_GATE },
      ]);
    });

    it('expands linear with 4 increments into 25, 50 and 75 %', () => {
      // Act
      const spec = parseSpec({ plan: { preset: 'linear', increments: 4 } });

      // Assess
      expect(spec.plan.steps.map((s) => s.weight)).toEqual([25, 50, 75]);
      expect(spec.plan.steps.every((s) => s.holdSeconds === 60)).toBe(true);
    });

    it('defaults linear to 4 increments', () => {
      // Act
      const spec = parseSpec({ plan: { preset: 'linear', holdSeconds: 180 } });

      // Assess
      expect(spec.plan.steps.map((s) => [s.weight, s.holdSeconds])).toEqual([
        [25, 180],
        [50, 180],
        [75, 180],
      ]);
    });

    it('rounds linear increments that do not divide 100', () => {
      // Act
      const thirds = parseSpec({ plan: { preset: 'linear', increments: 3 } });
      const sevenths = parseSpec({ plan: { preset: 'linear', increments: 7 } });

      // Assess
      expect(thirds.plan.steps.map((s) => s.weight)).toEqual([33, 67]);
      expect(sevenths.plan.steps.map((s) => s.weight)).toEqual([14, 29, 43, 57, 71, 86]);
    });

    it.each(Array.from({ length: 19 }, (_, i) => i + 2))(
      'expands linear with %d increments into n - 1 rounded, increasing steps between 1 and 99',
      (increments) => {
        // Act
        const weights = parseSpec({ plan: { preset: 'linear', increments } }).plan.steps.map((s) => s.weight);

        // Assess
        expect(weights).toEqual(
          Array.from({ length: increments - 1 }, (_, i) => Math.round(((i + 1) * 100) / increments)),
        );
        weights.forEach((w, i) => {
          expect(w).toBeGreaterThanOrEqual(1);
          expect(w).toBeLessThanOrEqual(99);
          if (i > 0) expect(w).toBeGreaterThan(weights[i - 1]!);
        });
      },
    );

    it('expands all-at-once into no steps', () => {
      // Act
      const spec = parseSpec({ plan: { preset: 'all-at-once' } });

      // Assess
      expect(spec.plan.steps).toEqual([]);
    });

    it('merges per-step gate overrides over the spec gate, field by field', () => {
      // Prepare
      const plan = {
        steps: [{ weight: 10, holdSeconds: 120, gate: { minRequests: 5, maxP99Ms: 2000 } }, { weight: 50 }],
      };

      // Act
      const spec = parseSpec({ plan, gate: { maxErrorRate: 0.02 } });

      // Assess
      expect(spec.plan.steps).toEqual([
        {
          weight: 10,
          holdSeconds: 120,
          gate: { ...DEFAULT_GATE, maxErrorRate: 0.02, minRequests: 5, maxP99Ms: 2000 },
        },
        { weight: 50, holdSeconds: 0, gate: { ...DEFAULT_GATE, maxErrorRate: 0.02 } },
      ]);
      expect(spec.gate).toEqual({ ...DEFAULT_GATE, maxErrorRate: 0.02 });
    });

    it("keeps the spec gate's other fields when a step overrides one of them", () => {
      // Prepare
      const gate = { maxErrorRate: 0.05, minRequests: 500, stepTimeoutSeconds: 3600 };
      const plan = {
        steps: [
          { weight: 10, gate: { maxP99Ms: 2000 } },
          { weight: 20, gate: {} },
        ],
      };

      // Act
      const spec = parseSpec({ gate, plan });

      // Assess
      expect(spec.plan.steps[0]!.gate).toEqual({ ...DEFAULT_GATE, ...gate, maxP99Ms: 2000 });
      expect(spec.plan.steps[1]!.gate).toEqual({ ...DEFAULT_GATE, ...gate });
    });

    it('keeps the spec value of a step gate field explicitly set to undefined', () => {
      // Act
      const spec = parseSpec({
        plan: { steps: [{ weight: 10, gate: { maxP99Ms: undefined, minRequests: 7 } }] },
      });

      // Assess
      expect(spec.plan.steps[0]!.gate).toEqual({ ...DEFAULT_GATE, minRequests: 7 });
    });

    it('accepts custom steps with or without the explicit custom preset', () => {
      // Act
      const implicit = parseSpec({ plan: { steps: [{ weight: 20 }] } });
      const explicit = parseSpec({ plan: { preset: 'custom', steps: [{ weight: 20 }] } });

      // Assess
      expect(explicit).toEqual(implicit);
      expect(implicit.plan.steps.map((s) => s.weight)).toEqual([20]);
    });

    it('accepts an empty custom plan as straight promotion', () => {
      // Act
      const spec = parseSpec({ plan: { steps: [] } });

      // Assess
      expect(spec.plan.steps).toEqual([]);
    });
  });

  describe('errors', () => {
    it.each([
      [100, [{ weight: 10 }, { weight: 100 }], 'spec.plan.steps[1].weight'],
      [0, [{ weight: 0 }, { weight: 10 }], 'spec.plan.steps[0].weight'],
    ])('rejects a step weight of %d, explaining that promotion to 100 follows', (_weight, steps, path) => {
      // Act
      const error = specError(withPlan({ steps }));

      // Assess
      expect(error.issues).toEqual([
        { path, message: 'expected 1 to 99 (promotion to 100 follows the last step)' },
      ]);
      expect(error.message).toBe(`${path}: expected 1 to 99 (promotion to 100 follows the last step)`);
    });

    it('rejects a step weight that does not increase, naming the step and the previous weight', () => {
      // Act
      const error = specError(withPlan({ steps: [{ weight: 10 }, { weight: 30 }, { weight: 30 }] }));

      // Assess
      expect(error.issues).toEqual([
        { path: 'spec.plan.steps[2].weight', message: "must be greater than the previous step's 30" },
      ]);
    });

    it('rejects a decreasing step weight', () => {
      // Act
      const error = specError(withPlan({ steps: [{ weight: 50 }, { weight: 20 }] }));

      // Assess
      expect(error.message).toBe("spec.plan.steps[1].weight: must be greater than the previous step's 50");
    });

    it('rejects non-increasing canary weights, naming the weight', () => {
      // Act
      const error = specError(withPlan({ preset: 'canary', weights: [5, 50, 25] }));

      // Assess
      expect(error.message).toBe("spec.plan.weights[2]: must be greater than the previous step's 50");
    });

    it('rejects a canary weight of 100', () => {
      // Act
      const error = specError(withPlan({ preset: 'canary', weights: [5, 100] }));

      // Assess
      expect(error.issues.map((i) => i.path)).toEqual(['spec.plan.weights[1]']);
    });

    it.each([
      [
        'a fractional step weight',
        { steps: [{ weight: 10 }, { weight: 12.5 }] },
        'spec.plan.steps[1].weight',
      ],
      ['a step weight that is a string', { steps: [{ weight: '10' }] }, 'spec.plan.steps[0].weight'],
      [
        'a fractional step hold',
        { steps: [{ weight: 10, holdSeconds: 1.5 }] },
        'spec.plan.steps[0].holdSeconds',
      ],
      ['a fractional canary weight', { preset: 'canary', weights: [5.5] }, 'spec.plan.weights[0]'],
      ['a fractional linear increment count', { preset: 'linear', increments: 2.5 }, 'spec.plan.increments'],
      ['a custom plan without steps', {}, 'spec.plan.steps'],
      ['an unknown preset', { preset: 'blue-green' }, 'spec.plan.preset'],
    ])('names the field for %s', (_label, plan, path) => {
      // Act
      const error = specError(withPlan(plan));

      // Assess
      expect(error.issues.map((i) => i.path)).toEqual([path]);
    });

    it('rejects the same service for blue and green, naming slots.green.service', () => {
      // Prepare
      const input = specFor();
      input.slots.green.service = input.slots.blue.service;

      // Act
      const error = specError(input);

      // Assess
      expect(error.issues).toEqual([
        { path: 'spec.slots.green.service', message: 'must differ from slots.blue.service' },
      ]);
    });

    it('rejects the same target group for blue and green, naming slots.green.targetGroup', () => {
      // Prepare
      const input = specFor();
      input.slots.green.targetGroup = input.slots.blue.targetGroup;

      // Act
      const error = specError(input);

      // Assess
      expect(error.issues).toEqual([
        { path: 'spec.slots.green.targetGroup', message: 'must differ from slots.blue.targetGroup' },
      ]);
    });

    it.each([
      ['the spec', (s: Record<string, unknown>) => ({ ...s, colour: 'blue' }), 'spec', 'colour'],
      [
        'a slot',
        (s: Record<string, unknown>) => ({
          ...s,
          slots: { ...(s.slots as object), blue: { service: 'b', targetGroup: 'b-tg', cluster: 'x' } },
        }),
        'spec.slots.blue',
        'cluster',
      ],
      ['a step', () => withPlan({ steps: [{ weight: 10, hold: 5 }] }), 'spec.plan.steps[0]', 'hold'],
      [
        'a step gate',
        () => withPlan({ steps: [{ weight: 10, gate: { maxErrorRatio: 0.1 } }] }),
        'spec.plan.steps[0].gate',
        'maxErrorRatio',
      ],
      ['a preset', () => withPlan({ preset: 'all-at-once', holdSeconds: 5 }), 'spec.plan', 'holdSeconds'],
      [
        'the gate',
        (s: Record<string, unknown>) => ({ ...s, gate: { minRequest: 5 } }),
        'spec.gate',
        'minRequest',
      ],
      [
        'the launch',
        (s: Record<string, unknown>) => ({ ...s, launch: { timeout: 5 } }),
        'spec.launch',
        'timeout',
      ],
    ])('rejects an unknown key in %s, naming it', (_label, build, path, key) => {
      // Prepare
      const input = build(specFor());

      // Act
      const error = specError(input);

      // Assess
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]!.path).toBe(path);
      expect(error.issues[0]!.message).toContain(`"${key}"`);
    });

    it.each([0, 65_536, 80.5, -1])('rejects container port %d', (port) => {
      // Act
      const error = specError({ ...specFor(), container: { name: 'app', port } });

      // Assess
      expect(error.issues.map((i) => i.path)).toEqual(['spec.container.port']);
    });

    it.each([1, 65_535])('accepts container port %d', (port) => {
      // Act
      const spec = parseSpec({ container: { name: 'app', port } });

      // Assess
      expect(spec.container.port).toBe(port);
    });

    it.each([
      [
        'a negative step hold',
        { plan: { steps: [{ weight: 10, holdSeconds: -1 }] } },
        'spec.plan.steps[0].holdSeconds',
      ],
      ['a negative canary hold', { plan: { preset: 'canary', holdSeconds: -1 } }, 'spec.plan.holdSeconds'],
      ['a negative linear hold', { plan: { preset: 'linear', holdSeconds: -1 } }, 'spec.plan.holdSeconds'],
      ['a negative bake', { bakeSeconds: -1 }, 'spec.bakeSeconds'],
      [
        'a hold above a day',
        { plan: { steps: [{ weight: 10, holdSeconds: 86_401 }] } },
        'spec.plan.steps[0].holdSeconds',
      ],
    ])('rejects %s', (_label, overrides, path) => {
      // Act
      const error = specError({ ...specFor(), ...overrides });

      // Assess
      expect(error.issues.map((i) => i.path)).toEqual([path]);
    });

    it.each([
      ['a service name with a slash', { service: 'team/web' }, 'spec.service'],
      ['a service name starting with a dash', { service: '-web' }, 'spec.service'],
      ['a cluster with a space', { cluster: 'my cluster' }, 'spec.cluster'],
      ['an empty listener', { traffic: { listener: '' } }, 'spec.traffic.listener'],
      ['an empty container name', { container: { name: '', port: 80 } }, 'spec.container.name'],
      ['a gate error rate above 1', { gate: { maxErrorRate: 1.5 } }, 'spec.gate.maxErrorRate'],
      ['a gate needing no requests', { gate: { minRequests: 0 } }, 'spec.gate.minRequests'],
      ['a zero p99 ceiling', { gate: { maxP99Ms: 0 } }, 'spec.gate.maxP99Ms'],
      ['a zero launch timeout', { launch: { timeoutSeconds: 0 } }, 'spec.launch.timeoutSeconds'],
    ])('rejects %s, naming the field', (_label, overrides, path) => {
      // Act
      const error = specError({ ...specFor(), ...overrides });

      // Assess
      expect(new Set(error.issues.map((i) => i.path))).toEqual(new Set([path]));
    });

    it('lists every bad field at once', () => {
      // Prepare
      const input = {
        ...specFor(),
        cluster: '',
        container: { name: 'app', port: 0 },
        bakeSeconds: -5,
      };

      // Act
      const error = specError(input);

      // Assess
      expect(new Set(error.issues.map((i) => i.path))).toEqual(
        new Set(['spec.bakeSeconds', 'spec.cluster', 'spec.container.port']),
      );
    });

    it('rejects a missing required field, naming it', () => {
      // Prepare
      const { traffic: _traffic, ...input } = specFor();

      // Act
      const error = specError(input);

      // Assess
      expect(error.issues.map((i) => i.path)).toEqual(['spec.traffic']);
    });
  });

  describe('properties', () => {
    it('is idempotent: parsing the parsed spec again, directly or through JSON, gives the same spec', () => {
      fc.assert(
        fc.property(specInputArb, (input) => {
          // Prepare
          const once = SpecSchema.parse(input);

          // Act
          const twice = SpecSchema.parse(once);
          const throughJson = SpecSchema.parse(JSON.parse(JSON.stringify(once)));

          // Assess
          expect(twice).toEqual(once);
          expect(throughJson).toEqual(once);
        }),
      );
    });

    it('expands every valid plan into strictly increasing weights from 1 to 99 with complete gates', () => {
      fc.assert(
        fc.property(specInputArb, (input) => {
          // Act
          const spec = SpecSchema.parse(input);

          // Assess
          spec.plan.steps.forEach((step, i) => {
            expect(Number.isInteger(step.weight)).toBe(true);
            expect(step.weight).toBeGreaterThanOrEqual(1);
            expect(step.weight).toBeLessThanOrEqual(99);
            if (i > 0) expect(step.weight).toBeGreaterThan(spec.plan.steps[i - 1]!.weight);
            expect(GateSchema.parse(step.gate)).toEqual(step.gate);
          });
        }),
      );
    });

    it('gives each custom step the spec gate overridden by exactly the fields the step sets', () => {
      fc.assert(
        fc.property(customPlanArb, partialGateArb, (plan, gate) => {
          const metrics = { periodSeconds: 1, publishDelaySeconds: 0 }; // any hold or timeout fits 1-s data
          fc.pre(!exceedsHistoryBudget({ ...specFor(), plan, gate, metrics }));
          // Act
          const spec = parseSpec({ plan, gate, metrics });

          // Assess
          const steps = 'steps' in plan ? plan.steps : [];
          expect(spec.plan.steps).toHaveLength(steps.length);
          steps.forEach((stepInput, i) => {
            expect(spec.plan.steps[i]!.gate).toEqual({ ...spec.gate, ...stepInput.gate });
          });
        }),
      );
    });
  });
});
