import {
  GreenlightError,
  InvalidInputError,
  LockConflictError,
  ServiceStateError,
  ThrottlingError,
  WeightsMismatchError,
} from '../../../shared/domain/errors';

describe('GreenlightError', () => {
  it.each([
    ['InvalidInputError', InvalidInputError],
    ['LockConflictError', LockConflictError],
    ['ServiceStateError', ServiceStateError],
    ['WeightsMismatchError', WeightsMismatchError],
    ['ThrottlingError', ThrottlingError],
  ] as const)('names a %s after its class, for Step Functions to match on', (name, ErrorClass) => {
    // Act
    const error = new ErrorClass('boom');

    // Assess
    expect(error.name).toBe(name);
    expect(error.message).toBe('boom');
    expect(error).toBeInstanceOf(GreenlightError);
    expect(error).toBeInstanceOf(Error);
  });

  it('keeps the cause', () => {
    // Prepare
    const cause = new Error('throttled');

    // Act
    const error = new ThrottlingError('ECS is busy', { cause });

    // Assess
    expect(error.cause).toBe(cause);
  });

  it('gives an InvalidInputError no issues unless told', () => {
    // Act
    const bare = new InvalidInputError('bad');
    const detailed = new InvalidInputError('bad', [{ path: 'spec', message: 'missing' }]);

    // Assess
    expect(bare.issues).toEqual([]);
    expect(detailed.issues).toEqual([{ path: 'spec', message: 'missing' }]);
  });
});
