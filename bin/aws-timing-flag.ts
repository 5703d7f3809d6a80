/** The `--aws-timing [--compress N]` flags of `greenlight demo` and `greenlight serve`. */
import { MAX_COMPRESSION } from '../shared/local/compressed-clock';

/**
 * `--compress N` of `--aws-timing`: the compression, null without `--aws-timing`, or the message
 * of a bad value (naming the flag).
 */
export function parseCompression(
  value: string | undefined,
  awsTiming: boolean | undefined,
  fallback: number,
): number | null | string {
  if (!awsTiming) return value === undefined ? null : '--compress: only with --aws-timing';
  if (value === undefined) return fallback;
  const compress = Number(value);
  if (!Number.isFinite(compress) || compress < 1 || compress > MAX_COMPRESSION) {
    return `--compress: expected a number from 1 to ${MAX_COMPRESSION}, got "${value}"`;
  }
  return compress;
}
