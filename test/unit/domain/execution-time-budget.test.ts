import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  EXECUTION_TIME_BUDGET_SECONDS,
  EXECUTION_TIMEOUT_SECONDS,
  worstCaseSeconds,
} from '../../../shared/domain/history-budget';
import { bakeStep, nextStep } from '../../../shared/domain/plan';
import { SpecSchema, type DeploymentSpecInput } from '../../../shared/domain/spec';
import { specFor } from '../../fixtures/spec';
import { specInputArb } from '../../fixtures/specArbitraries';

const NOW = 1_700_000_000_000;

/** The issues SpecSchema raises for the execution time, with their dotted paths. */
function timeIssues(input: DeploymentSpecInput) {
  const parsed = SpecSchema.safeParse(input);
  if (parsed.success) return [];
  return parsed.error.issues
    .filter((i) => i.message.includes('TimeoutSeconds'))
    .map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('execution time budget', () => {
  it("equals the blue/green state machine's TimeoutSeconds, less the margin", () => {
    const asl = JSON.parse(
      readFileSync(path.join(__dirname, '../../../statemachines/blue-green.asl.json'), 'utf8'),
    ) as { TimeoutSeconds: number };

    expect(EXECUTION_TIMEOUT_SECONDS).toBe(asl.TimeoutSeconds);
    expect(EXECUTION_TIME_BUDGET_SECONDS).toBeLessThan(asl.TimeoutSeconds);
  });

  it('accepts the default spec', () => {
    expect(timeIssues(specFor())).toEqual([]);
  });

  it('refuses a canary at a 300 s interval whose holds add up to more than two days, naming plan.holdSeconds', () => {
    // 4 × 12 h within the history budget (about 600 rounds at 300 s), but over 47 h of execution.
    const input = specFor({
      gate: { intervalSeconds: 300 },
      plan: { preset: 'canary', weights: [5, 10, 25, 50], holdSeconds: 43_200 },
    });

    const issues = timeIssues(input);

    expect(issues).toEqual([{ path: 'plan.holdSeconds', message: expect.stringContaining('48.0 h') }]);
    expect(issues[0]!.message).toMatch(/takes \d+ s .* over the 169200 s/);
  });

  it("names a custom step's own stepTimeoutSeconds when that is what makes the plan too long", () => {
    const input = specFor({
      gate: { intervalSeconds: 300 },
      plan: {
        steps: [
          { weight: 10, holdSeconds: 3_600 },
          { weight: 50, holdSeconds: 3_600, gate: { stepTimeoutSeconds: 86_400 } },
          { weight: 75, holdSeconds: 3_600, gate: { stepTimeoutSeconds: 86_400 } },
        ],
      },
    });

    expect(timeIssues(input).map((i) => i.path)).toEqual(['plan.steps.1.gate.stepTimeoutSeconds']);
  });

  it("names the spec's gate.stepTimeoutSeconds when every step and the bake inherit it", () => {
    const input = specFor({
      gate: { intervalSeconds: 300, stepTimeoutSeconds: 45_000 },
      plan: { preset: 'linear', increments: 4, holdSeconds: 60 },
    });

    expect(timeIssues(input).map((i) => i.path)).toEqual(['gate.stepTimeoutSeconds']);
  });

  it('outlasts the launch, every step and the bake each running to its deadline, for any spec', () => {
    fc.assert(
      fc.property(specInputArb, (input) => {
        const spec = SpecSchema.parse(input);
        let at = NOW + spec.launch.timeoutSeconds * 1000;
        let previous: number | null = null;
        for (let cursor = nextStep(spec, previous, at); !cursor.done; cursor = nextStep(spec, previous, at)) {
          at = cursor.deadlineAt;
          previous = cursor.index;
        }
        const bake = bakeStep(spec, at);
        const worstEnd = bake.done ? at : bake.deadlineAt;

        expect(NOW + worstCaseSeconds(spec) * 1000).toBeGreaterThanOrEqual(worstEnd);
      }),
    );
  });

  it('refuses a plan exactly when its worst case exceeds the budget', () => {
    // The same spec with short steps: its launch, bake, settle and gate as the schema fills them in.
    const base = SpecSchema.parse(specFor({ gate: { intervalSeconds: 300 }, bakeSeconds: 600 }));
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 86_400 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 60, max: 86_400 }),
        (holds, stepTimeoutSeconds) => {
          const input = specFor({
            gate: { intervalSeconds: 300, stepTimeoutSeconds },
            plan: { steps: holds.map((holdSeconds, i) => ({ weight: i + 1, holdSeconds })) },
            bakeSeconds: 600,
          });
          const gate = { ...base.gate, stepTimeoutSeconds };
          const worst = worstCaseSeconds({
            ...base,
            gate,
            plan: { steps: holds.map((holdSeconds, i) => ({ weight: i + 1, holdSeconds, gate })) },
          });

          expect(timeIssues(input).length > 0).toBe(worst > EXECUTION_TIME_BUDGET_SECONDS);
        },
      ),
      { numRuns: 300 },
    );
  });
});
