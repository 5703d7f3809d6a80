import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { isThrottling, isTransient, messageOf, normaliseAwsError } from '../../../shared/aws/errors';
import { InvalidInputError, ThrottlingError } from '../../../shared/domain/errors';

class WrappedError extends Error {}
const wrap = (message: string, cause: unknown) => new WrappedError(message, { cause });

function awsError(name: string, httpStatusCode = 400, $fault: 'client' | 'server' = 'client') {
  return new DynamoDBServiceException({
    name,
    message: 'refused',
    $fault,
    $metadata: { httpStatusCode },
  });
}

describe('AWS error normalisation', () => {
  it.each(['Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException'])(
    'recognises %s as throttling',
    (name) => {
      // Act
      const throttled = isThrottling(awsError(name));

      // Assess
      expect(throttled).toBe(true);
    },
  );

  it('recognises an HTTP 429 as throttling whatever its code', () => {
    // Act
    const throttled = isThrottling(awsError('SomethingNew', 429));

    // Assess
    expect(throttled).toBe(true);
  });

  it('does not treat validation errors or plain values as throttling', () => {
    // Assess
    expect(isThrottling(awsError('ValidationException'))).toBe(false);
    expect(isThrottling('Throttling')).toBe(false);
    expect(isThrottling(undefined)).toBe(false);
  });

  it('names the operation and keeps the cause when wrapping', () => {
    // Prepare
    const cause = awsError('ValidationException');

    // Act
    const error = normaliseAwsError(cause, 'ECS UpdateService (web)', wrap);

    // Assess
    expect(error).toBeInstanceOf(WrappedError);
    expect(error.message).toBe('ECS UpdateService (web) failed: ValidationException: refused');
    expect(error.cause).toBe(cause);
  });

  it('turns throttling into ThrottlingError', () => {
    // Act
    const error = normaliseAwsError(awsError('Throttling'), 'ELB ModifyListener', wrap);

    // Assess
    expect(error).toBeInstanceOf(ThrottlingError);
    expect(error.message).toContain('ELB ModifyListener: throttled by AWS');
  });

  it('passes Greenlight errors through unchanged', () => {
    // Prepare
    const original = new InvalidInputError('bad container');

    // Act
    const error = normaliseAwsError(original, 'ECS RegisterTaskDefinition', wrap);

    // Assess
    expect(error).toBe(original);
  });
});

describe('isTransient', () => {
  it('holds for throttling and for AWS failing on its side', () => {
    // Assess
    expect(isTransient(new ThrottlingError('DynamoDB GetItem: throttled'))).toBe(true);
    expect(isTransient(awsError('InternalServerError', 500, 'server'))).toBe(true);
    expect(isTransient(awsError('ServiceUnavailable', 503))).toBe(true);
  });

  it('looks through the cause an adapter wrapped the SDK error in', () => {
    // Prepare
    const wrapped = new WrappedError('DynamoDB GetItem failed', {
      cause: awsError('InternalServerError', 500),
    });

    // Assess
    expect(isTransient(wrapped)).toBe(true);
  });

  it('does not hold for requests AWS refused as wrong, nor for plain values', () => {
    // Assess
    expect(isTransient(awsError('ValidationException', 400))).toBe(false);
    expect(isTransient(awsError('AccessDeniedException', 403))).toBe(false);
    expect(isTransient(new Error('bug'))).toBe(false);
    expect(isTransient(null)).toBe(false);
    expect(isTransient('timeout')).toBe(false);
  });
});

describe('messageOf', () => {
  it('keeps only the message of an SDK error, none of its request metadata', () => {
    // Act
    const message = messageOf(awsError('ValidationException'));

    // Assess
    expect(message).toBe('refused');
  });

  it('writes a thrown value that is not an Error as a string', () => {
    // Assess
    expect(messageOf('boom')).toBe('boom');
    expect(messageOf(undefined)).toBe('undefined');
  });
});
