import fc from 'fast-check';
import { COLORS, otherColor, type Color } from '../../../shared/domain/colors';
import {
  ALL_SUSPENDED,
  DeploymentScalingSchema,
  describeScaling,
  HELD_AT_ZERO,
  scalingAtEnd,
  scalingDuringDeployment,
  widenedBounds,
  type DeploymentScaling,
  type ScalingConfig,
} from '../../../shared/domain/scaling';

const NONE = { dynamicScalingIn: false, dynamicScalingOut: false, scheduledScaling: false };
const userConfig: ScalingConfig = { minCapacity: 2, maxCapacity: 10, suspended: NONE };

const colorArb = fc.constantFrom<Color>(...COLORS);
const configArb: fc.Arbitrary<ScalingConfig> = fc
  .record({
    a: fc.integer({ min: 0, max: 50 }),
    b: fc.integer({ min: 0, max: 50 }),
    suspended: fc.record({
      dynamicScalingIn: fc.boolean(),
      dynamicScalingOut: fc.boolean(),
      scheduledScaling: fc.boolean(),
    }),
  })
  .map(({ a, b, suspended }) => ({ minCapacity: Math.min(a, b), maxCapacity: Math.max(a, b), suspended }));
const savedArb: fc.Arbitrary<DeploymentScaling> = fc.record({
  blue: fc.option(configArb, { nil: null }),
  green: fc.option(configArb, { nil: null }),
});

describe('scalingDuringDeployment', () => {
  it('suspends both colors without narrowing their bounds, and lets the new color go from 0 to the launch count', () => {
    // Prepare
    const saved: DeploymentScaling = {
      blue: userConfig,
      green: { minCapacity: 3, maxCapacity: 3, suspended: NONE },
    };

    // Act
    const during = scalingDuringDeployment(saved, 'blue', { live: 4, launch: 4 });

    // Assess
    expect(during.blue).toEqual({ minCapacity: 2, maxCapacity: 10, suspended: ALL_SUSPENDED });
    // A min of 3 would start green's old revision at once; a max of 1 would cap the launch at 1.
    expect(during.green).toEqual({ minCapacity: 0, maxCapacity: 4, suspended: ALL_SUSPENDED });
  });

  it('leaves a color without a scalable target alone', () => {
    // Act
    const during = scalingDuringDeployment({ blue: null, green: HELD_AT_ZERO }, 'blue', {
      live: 2,
      launch: 2,
    });

    // Assess
    expect(during).toEqual({
      blue: null,
      green: { minCapacity: 0, maxCapacity: 2, suspended: ALL_SUSPENDED },
    });
  });

  it('never resizes a color when written, and never fights Launch, Rollback or a live color kept at size', () => {
    fc.assert(
      fc.property(savedArb, colorArb, fc.integer({ min: 1, max: 60 }), (saved, live, liveCount) => {
        const during = scalingDuringDeployment(saved, live, { live: liveCount, launch: liveCount });
        for (const color of COLORS) {
          const config = during[color];
          if (!saved[color]) {
            expect(config).toBeNull();
            continue;
          }
          expect(config!.suspended).toEqual(ALL_SUSPENDED);
          expect(config!.minCapacity).toBeLessThanOrEqual(saved[color]!.minCapacity);
          expect(config!.maxCapacity).toBeGreaterThanOrEqual(saved[color]!.maxCapacity);
          const counts = color === live ? [liveCount] : [0, liveCount];
          for (const count of counts) {
            expect(config!.minCapacity).toBeLessThanOrEqual(count);
            expect(config!.maxCapacity).toBeGreaterThanOrEqual(count);
          }
        }
        // Whatever count the new color has now, it is never raised: its min is 0.
        const idle = during[otherColor(live)];
        if (idle) expect(idle.minCapacity).toBe(0);
      }),
    );
  });
});

describe('widenedBounds', () => {
  it('keeps bounds that already contain the counts', () => {
    expect(widenedBounds({ minCapacity: 1, maxCapacity: 9 }, [2, 5])).toEqual({
      minCapacity: 1,
      maxCapacity: 9,
    });
  });
});

describe('scalingAtEnd', () => {
  it("after a promotion, gives the new color the live color's configuration and holds the old one at 0", () => {
    // Act
    const end = scalingAtEnd({ blue: userConfig, green: HELD_AT_ZERO }, 'blue', 'green');

    // Assess
    expect(end).toEqual({ restore: userConfig, holdIdleAtZero: true });
  });

  it('after a rollback, gives the live color its own configuration back and holds the new one at 0', () => {
    // Act
    const end = scalingAtEnd({ blue: userConfig, green: HELD_AT_ZERO }, 'blue', 'blue');

    // Assess
    expect(end).toEqual({ restore: userConfig, holdIdleAtZero: true });
  });

  it('never writes a color that has no scalable target', () => {
    // Act
    const promoted = scalingAtEnd({ blue: userConfig, green: null }, 'blue', 'green');
    const rolledBack = scalingAtEnd({ blue: null, green: userConfig }, 'blue', 'blue');

    // Assess
    expect(promoted).toEqual({ restore: null, holdIdleAtZero: true });
    expect(rolledBack).toEqual({ restore: null, holdIdleAtZero: true });
  });

  it('never restores a max of 0 onto the color left live, whatever was saved', () => {
    fc.assert(
      fc.property(savedArb, colorArb, colorArb, (saved, startLive, finalLive) => {
        const end = scalingAtEnd(saved, startLive, finalLive);
        if (end.restore) expect(end.restore.maxCapacity).toBeGreaterThan(0);
        if (end.restore) expect(saved[finalLive]).not.toBeNull();
        expect(end.holdIdleAtZero).toBe(saved[otherColor(finalLive)] !== null);
        // The service's configuration wins whenever the originally live color had a usable one.
        const service = saved[startLive];
        if (saved[finalLive] && service && service.maxCapacity > 0) expect(end.restore).toEqual(service);
      }),
    );
  });

  it("falls back to the color's own configuration when the live color had none", () => {
    // Act
    const end = scalingAtEnd({ blue: null, green: userConfig }, 'blue', 'green');

    // Assess
    expect(end.restore).toEqual(userConfig);
  });
});

describe('DeploymentScalingSchema', () => {
  it('accepts what Prepare saves and names a field it cannot read', () => {
    expect(DeploymentScalingSchema.parse({ blue: userConfig, green: null })).toEqual({
      blue: userConfig,
      green: null,
    });
    const result = DeploymentScalingSchema.safeParse({
      blue: { ...userConfig, minCapacity: -1 },
      green: null,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['blue', 'minCapacity']);
  });
});

describe('describeScaling', () => {
  it('says what is suspended', () => {
    expect(describeScaling(HELD_AT_ZERO)).toBe('min 0, max 0, scale-in + scale-out + scheduled suspended');
    expect(describeScaling(userConfig)).toBe('min 2, max 10');
    expect(describeScaling(null)).toBe('no scalable target');
  });
});
