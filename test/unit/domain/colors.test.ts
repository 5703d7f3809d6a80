import fc from 'fast-check';
import {
  COLORS,
  otherColor,
  percentWeights,
  soleColor,
  weightsFor,
  weightsProblem,
  type Color,
} from '../../../shared/domain/colors';

const colorArb = fc.constantFrom<Color>(...COLORS);

describe('otherColor', () => {
  it('swaps blue and green', () => {
    // Act
    const fromBlue = otherColor('blue');
    const fromGreen = otherColor('green');

    // Assess
    expect(fromBlue).toBe('green');
    expect(fromGreen).toBe('blue');
  });
});

describe('weightsFor', () => {
  it('sends the weight to the new color and the rest to the other color', () => {
    // Act
    const greenCanary = weightsFor('green', 5);
    const blueCanary = weightsFor('blue', 25);

    // Assess
    expect(greenCanary).toEqual({ blue: 95, green: 5 });
    expect(blueCanary).toEqual({ blue: 25, green: 75 });
  });

  it('gives all traffic to the new color at 100 and none at 0', () => {
    // Act
    const promoted = weightsFor('green', 100);
    const rolledBack = weightsFor('green', 0);

    // Assess
    expect(promoted).toEqual({ blue: 0, green: 100 });
    expect(rolledBack).toEqual({ blue: 100, green: 0 });
  });

  it('always gives weights that sum to 100 and are valid, for any weight from 0 to 100', () => {
    fc.assert(
      fc.property(colorArb, fc.integer({ min: 0, max: 100 }), (color, weight) => {
        // Act
        const weights = weightsFor(color, weight);

        // Assess
        expect(weights.blue + weights.green).toBe(100);
        expect(weights[color]).toBe(weight);
        expect(weightsProblem(weights)).toBeNull();
      }),
    );
  });
});

describe('soleColor', () => {
  it('names the color that receives all the traffic', () => {
    // Act
    const blue = soleColor({ blue: 100, green: 0 });
    const green = soleColor({ blue: 0, green: 100 });

    // Assess
    expect(blue).toBe('blue');
    expect(green).toBe('green');
  });

  it('is null while traffic is split', () => {
    // Act
    const split = soleColor({ blue: 50, green: 50 });
    const canary = soleColor({ blue: 99, green: 1 });

    // Assess
    expect(split).toBeNull();
    expect(canary).toBeNull();
  });

  it('is null for weights that do not sum to 100, even with one color at 100', () => {
    // Act
    const both = soleColor({ blue: 100, green: 100 });
    const neither = soleColor({ blue: 0, green: 0 });

    // Assess
    expect(both).toBeNull();
    expect(neither).toBeNull();
  });

  it('agrees with weightsFor: the new color at 100, the other at 0, null in between', () => {
    fc.assert(
      fc.property(colorArb, fc.integer({ min: 0, max: 100 }), (color, weight) => {
        // Act
        const sole = soleColor(weightsFor(color, weight));

        // Assess
        const expected = weight === 100 ? color : weight === 0 ? otherColor(color) : null;
        expect(sole).toBe(expected);
      }),
    );
  });
});

describe('weightsProblem', () => {
  it('accepts weights summing to 100', () => {
    // Act
    const problem = weightsProblem({ blue: 70, green: 30 });

    // Assess
    expect(problem).toBeNull();
  });

  it('names the sum when the weights do not add up to 100', () => {
    // Act
    const problem = weightsProblem({ blue: 60, green: 30 });

    // Assess
    expect(problem).toBe('blue + green must equal 100, got 60 + 30 = 90');
  });

  it.each([
    ['a fractional weight', { blue: 12.5, green: 87.5 }, 'blue: expected an integer from 0 to 100, got 12.5'],
    ['a weight above 100', { blue: 110, green: -10 }, 'blue: expected an integer from 0 to 100, got 110'],
    ['a weight below 0', { blue: 50, green: -1 }, 'green: expected an integer from 0 to 100, got -1'],
    ['NaN', { blue: NaN, green: 100 }, 'blue: expected an integer from 0 to 100, got NaN'],
  ])('rejects %s, naming the color', (_label, weights, expected) => {
    // Act
    const problem = weightsProblem(weights);

    // Assess
    expect(problem).toBe(expected);
  });

  it('reports a problem naming the sum for every pair of valid weights not summing to 100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (blue, green) => {
        fc.pre(blue + green !== 100);
        // Act
        const problem = weightsProblem({ blue, green });

        // Assess
        expect(problem).toBe(`blue + green must equal 100, got ${blue} + ${green} = ${blue + green}`);
      }),
    );
  });

  it('reports a problem for every pair with a weight outside 0 to 100', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1000, max: -1 }), fc.integer({ min: 101, max: 1000 })),
        fc.integer({ min: -1000, max: 1000 }),
        colorArb,
        (bad, other, badColor) => {
          // Prepare
          const weights = { [badColor]: bad, [otherColor(badColor)]: other } as Record<Color, number>;

          // Act
          const problem = weightsProblem(weights);

          // Assess
          expect(problem).not.toBeNull();
          expect(problem).toMatch(/expected an integer from 0 to 100/);
        },
      ),
    );
  });
});

describe('percentWeights', () => {
  it('scales load-balancer weights to percentages summing to 100', () => {
    // Act + Assess
    expect(percentWeights({ blue: 999, green: 333 })).toEqual({ blue: 75, green: 25 });
    expect(percentWeights({ blue: 0, green: 7 })).toEqual({ blue: 0, green: 100 });
    expect(percentWeights({ blue: 5, green: 0 })).toEqual({ blue: 100, green: 0 });
  });

  it('keeps 1 % on a color with any weight: 1/999 is a split', () => {
    // Act + Assess
    expect(percentWeights({ blue: 1, green: 999 })).toEqual({ blue: 1, green: 99 });
    expect(percentWeights({ blue: 999, green: 1 })).toEqual({ blue: 99, green: 1 });
  });

  it('refuses two zero weights', () => {
    // Act + Assess
    expect(() => percentWeights({ blue: 0, green: 0 })).toThrow(RangeError);
  });

  const rawArb = fc
    .record({ blue: fc.integer({ min: 0, max: 999 }), green: fc.integer({ min: 0, max: 999 }) })
    .filter((w) => w.blue + w.green > 0);

  it('reads one color at 100 % exactly when the other has weight 0, and is always a valid pair', () => {
    fc.assert(
      fc.property(rawArb, (raw) => {
        const weights = percentWeights(raw);

        expect(weightsProblem(weights)).toBeNull();
        expect(soleColor(weights) === null).toBe(raw.blue > 0 && raw.green > 0);
      }),
    );
  });

  it('is within 1 point of the exact share, and exact on percentages', () => {
    fc.assert(
      fc.property(rawArb, fc.integer({ min: 0, max: 100 }), (raw, percent) => {
        const exact = (raw.blue / (raw.blue + raw.green)) * 100;

        expect(Math.abs(percentWeights(raw).blue - exact)).toBeLessThanOrEqual(1);
        expect(percentWeights({ blue: percent, green: 100 - percent })).toEqual({
          blue: percent,
          green: 100 - percent,
        });
      }),
    );
  });
});
