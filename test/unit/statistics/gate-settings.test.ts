import { InvalidInputError } from '../../../shared/domain/errors';
import { GateSchema } from '../../../shared/domain/gate';
import { parseInput } from '../../../shared/domain/validation';
import { parseSpec } from '../../fixtures/spec';

function gateIssues(input: unknown): string[] {
  try {
    parseInput(GateSchema, input, 'gate');
  } catch (error) {
    if (error instanceof InvalidInputError) return error.issues.map((i) => i.path);
    throw error;
  }
  return [];
}

describe('GateSchema (statistical settings)', () => {
  it('defaults to the sequential gate: α = β = 1 %, δ = +2 pp, compared with the live color, p99 ≤ live × 1.5 + 50 ms', () => {
    // Act
    const gate = GateSchema.parse({});

    // Assess
    expect(gate).toMatchObject({
      mode: 'sequential',
      falseRollbackRate: 0.01,
      missRate: 0.01,
      minDetectableIncrease: 0.02,
      compareWithBaseline: true,
      maxP99RatioToBaseline: 1.5,
      p99ToleranceMs: 50,
    });
  });

  it.each([
    [{ mode: 'fixed-window' }],
    [{ falseRollbackRate: 0.2, missRate: 0.5 }],
    [{ falseRollbackRate: 0.0001, missRate: 0.0001 }],
    [{ minDetectableIncrease: 0.001 }],
    [{ minDetectableIncrease: 0.5 }],
    [{ maxP99RatioToBaseline: 1, p99ToleranceMs: 0 }],
    [{ compareWithBaseline: false }],
  ])('accepts %j', (input) => {
    // Act / Assess
    expect(gateIssues(input)).toEqual([]);
  });

  it.each([
    ['an unknown mode', { mode: 'adaptive' }, 'gate.mode'],
    ['a zero false-rollback rate', { falseRollbackRate: 0 }, 'gate.falseRollbackRate'],
    ['a false-rollback rate above 20 %', { falseRollbackRate: 0.25 }, 'gate.falseRollbackRate'],
    ['a zero miss rate', { missRate: 0 }, 'gate.missRate'],
    ['a miss rate above 50 %', { missRate: 0.6 }, 'gate.missRate'],
    ['a detectable increase below 0.1 pp', { minDetectableIncrease: 0.0005 }, 'gate.minDetectableIncrease'],
    ['a detectable increase above 50 pp', { minDetectableIncrease: 0.6 }, 'gate.minDetectableIncrease'],
    ['a p99 ratio below 1', { maxP99RatioToBaseline: 0.9 }, 'gate.maxP99RatioToBaseline'],
    ['a negative p99 tolerance', { p99ToleranceMs: -1 }, 'gate.p99ToleranceMs'],
    ['a comparison flag that is a string', { compareWithBaseline: 'yes' }, 'gate.compareWithBaseline'],
  ])('rejects %s, naming the field', (_label, input, path) => {
    // Act / Assess
    expect(gateIssues(input)).toEqual([path]);
  });

  it('lets a step override the statistical settings field by field', () => {
    // Act
    const spec = parseSpec({
      gate: { missRate: 0.05 },
      plan: {
        steps: [{ weight: 10, gate: { mode: 'fixed-window', falseRollbackRate: 0.001 } }, { weight: 50 }],
      },
    });

    // Assess
    expect(spec.plan.steps[0]!.gate).toMatchObject({
      mode: 'fixed-window',
      falseRollbackRate: 0.001,
      missRate: 0.05,
    });
    expect(spec.plan.steps[1]!.gate).toEqual(spec.gate);
  });

  it('rejects a bad statistical setting in a step, naming the step', () => {
    // Act / Assess
    expect(() => parseSpec({ plan: { steps: [{ weight: 10, gate: { missRate: 2 } }] } })).toThrow(
      'spec.plan.steps[0].gate.missRate',
    );
  });
});
