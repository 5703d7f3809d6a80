import fc from 'fast-check';
import { InvalidInputError } from '../../../shared/domain/errors';
import { CompressedClock } from '../../../shared/local/compressed-clock';

describe('CompressedClock', () => {
  it('runs `factor` times faster than real time from its origin', () => {
    let real = 1_000_000;
    const clock = new CompressedClock(10, () => real);

    real += 1500;

    expect(clock.now()).toBe(1_000_000 + 15_000);
    expect(clock.toReal(clock.now())).toBe(real);
  });

  it('maps real and virtual time both ways, keeping their order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 10 ** 7 }),
        fc.integer({ min: 0, max: 10 ** 7 }),
        (factor, a, b) => {
          const origin = 1_700_000_000_000;
          const clock = new CompressedClock(factor, () => origin, origin);
          expect(clock.toReal(clock.toVirtual(origin + a))).toBeCloseTo(origin + a, 3);
          expect(Math.sign(clock.toVirtual(origin + a) - clock.toVirtual(origin + b))).toBe(Math.sign(a - b));
        },
      ),
    );
  });

  it.each([0, 0.5, 61, Number.NaN])('refuses a compression of %p, naming the option', (factor) => {
    expect(() => new CompressedClock(factor)).toThrow(InvalidInputError);
    expect(() => new CompressedClock(factor)).toThrow(/^compress: expected a number from 1 to 60/);
  });
});
