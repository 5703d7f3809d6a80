/** Turning AWS SDK errors into the Greenlight errors the state machine retries or reports. */
import { GreenlightError, ThrottlingError } from '../domain/errors';

/**
 * Error codes AWS services use when they refuse a request for rate or capacity reasons. The SDK's
 * adaptive retries have already been spent when one of these reaches us, so the state machine's
 * own retry (with a longer back-off) is the next line of defence.
 */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'PriorRequestNotComplete',
  'PriorRequestNotCompleteException',
  'SlowDown',
]);

/** The error code of an SDK error (`name`, or `Code`/`code` on some protocols), or `Error`. */
export function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Error';
  const e = error as { name?: unknown; Code?: unknown; code?: unknown };
  for (const candidate of [e.name, e.Code, e.code]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return 'Error';
}

/** True when the error is AWS refusing a request for rate or capacity reasons. */
export function isThrottling(error: unknown): boolean {
  if (THROTTLING_CODES.has(errorCode(error))) return true;
  const meta = error as { $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } };
  return meta?.$retryable?.throttling === true || meta?.$metadata?.httpStatusCode === 429;
}

/**
 * Worth asking again later: throttling, or AWS failing on its side (a `server` fault or an HTTP
 * 5xx, after the SDK's own retries). Looks through one `cause`, since adapters wrap SDK errors.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof ThrottlingError) return true;
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  const meta = cause as { $fault?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  return meta?.$fault === 'server' || (meta?.$metadata?.httpStatusCode ?? 0) >= 500;
}

/**
 * Only the message of an error: SDK errors carry request metadata that has no place in an answer
 * to a caller or in a log line.
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A short `Code: message` description of an SDK error for messages that name the operation. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  return message && message !== code ? `${code}: ${message}` : code;
}

/**
 * Normalises an error thrown by an SDK call made for `operation`: Greenlight errors pass through,
 * throttling becomes ThrottlingError, anything else goes through `wrap`. The cause is always kept.
 */
export function normaliseAwsError(
  error: unknown,
  operation: string,
  wrap: (message: string, cause: unknown) => Error,
): Error {
  if (error instanceof GreenlightError) return error;
  if (isThrottling(error)) {
    return new ThrottlingError(`${operation}: throttled by AWS (${describeError(error)})`, { cause: error });
  }
  return wrap(`${operation} failed: ${describeError(error)}`, error);
}
