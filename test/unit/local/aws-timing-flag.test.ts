import { parseCompression } from '../../../bin/aws-timing-flag';

describe('the --aws-timing [--compress N] flags', () => {
  it('is off without --aws-timing, and takes the default compression with it', () => {
    expect(parseCompression(undefined, false, 10)).toBeNull();
    expect(parseCompression(undefined, true, 10)).toBe(10);
    expect(parseCompression('25', true, 10)).toBe(25);
  });

  it.each([
    ['0', true, '--compress: expected a number from 1 to 60, got "0"'],
    ['61', true, '--compress: expected a number from 1 to 60, got "61"'],
    ['fast', true, '--compress: expected a number from 1 to 60, got "fast"'],
    ['10', false, '--compress: only with --aws-timing'],
  ])('refuses --compress %p (aws timing %p), naming the flag', (value, awsTiming, message) => {
    expect(parseCompression(value, awsTiming, 10)).toBe(message);
  });
});
