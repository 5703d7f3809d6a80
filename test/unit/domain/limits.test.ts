import fc from 'fast-check';
import {
  DYNAMODB_PARTITION_KEY_MAX_BYTES,
  DYNAMODB_SORT_KEY_MAX_BYTES,
  IAM_ARN_MAX_LENGTH,
  IAM_NAME_MAX_LENGTH,
  IAM_PATH_MAX_LENGTH,
  utf8Bytes,
} from '../../../shared/domain/limits';

describe('store limits', () => {
  it('counts UTF-8 bytes as Node does (ASCII, 2-, 3- and 4-byte characters, lone surrogates)', () => {
    expect(utf8Bytes('')).toBe(0);
    expect(utf8Bytes('abc')).toBe(3);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('€')).toBe(3);
    expect(utf8Bytes('😀')).toBe(4);
    expect(utf8Bytes('\ud800')).toBe(3);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => utf8Bytes(s) === Buffer.byteLength(s, 'utf8')),
      { numRuns: 500 },
    );
  });

  it('keeps the documented DynamoDB key limits and room for the longest real IAM user ARN', () => {
    expect(DYNAMODB_PARTITION_KEY_MAX_BYTES).toBe(2048);
    expect(DYNAMODB_SORT_KEY_MAX_BYTES).toBe(1024);
    const longestUserArn = `arn:aws-us-gov:iam::123456789012:user/${'p'.repeat(IAM_PATH_MAX_LENGTH - 2)}/${'n'.repeat(IAM_NAME_MAX_LENGTH)}`;
    expect(longestUserArn.length).toBeLessThan(IAM_ARN_MAX_LENGTH);
  });
});
