import fc from 'fast-check';
import { GateOverridesSchema, GateSchema, withGateOverrides } from '../../../shared/domain/gate';

const GATE_FIELDS = Object.keys(GateSchema.shape) as (keyof typeof GateSchema.shape)[];

const issuesOf = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => (result.error?.issues ?? []).map((i) => ({ path: i.path, message: i.message }));

describe('GateOverridesSchema', () => {
  it("has exactly the gate's fields", () => {
    // Act
    const fields = Object.keys(GateOverridesSchema.shape);

    // Assess
    expect(fields).toEqual(GATE_FIELDS);
  });

  it('applies no default: an empty override stays empty', () => {
    // Act
    const overrides = GateOverridesSchema.parse({});

    // Assess
    expect(overrides).toEqual({});
  });

  it('rejects a field the gate does not have, naming it', () => {
    // Act
    const result = GateOverridesSchema.safeParse({ maxErrorRate: 0.02, maxErrorRatio: 0.02 });

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ keys: ['maxErrorRatio'] })]);
  });

  it('accepts and rejects each field exactly as the gate does, with the same issues', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...GATE_FIELDS),
        fc.oneof(
          fc.double({ min: -2, max: 1e6, noNaN: true }),
          fc.integer({ min: -10, max: 100_000 }),
          fc.boolean(),
          fc.constantFrom('sequential', 'fixed-window', 'other', null),
        ),
        (field, value) => {
          // Act
          const asOverride = GateOverridesSchema.safeParse({ [field]: value });
          const asGate = GateSchema.safeParse({ [field]: value });

          // Assess
          expect(asOverride.success).toBe(asGate.success);
          expect(issuesOf(asOverride)).toEqual(issuesOf(asGate));
          if (asOverride.success && asGate.success) {
            expect(asOverride.data).toEqual({ [field]: asGate.data[field] });
          }
        },
      ),
    );
  });
});

describe('withGateOverrides', () => {
  it('sets the fields a step gives and keeps the others, ignoring fields set to undefined', () => {
    // Prepare
    const gate = GateSchema.parse({ maxErrorRate: 0.05 });

    // Act
    const merged = withGateOverrides(gate, { maxP99Ms: 2000, minRequests: undefined });

    // Assess
    expect(merged).toEqual({ ...gate, maxP99Ms: 2000 });
  });
});
