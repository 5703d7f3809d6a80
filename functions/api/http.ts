/**
 * The HTTP edge of the deploy API: request bodies in, JSON responses out, and the one place where
 * Greenlight errors become HTTP statuses. Messages are exposed for 4xx only; a 5xx names the
 * request id to look up in the function's logs, never the error itself.
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  GreenlightError,
  IdempotencyConflictError,
  InvalidInputError,
  LockConflictError,
  ServiceStateError,
  ThrottlingError,
} from '../../shared/domain/errors';
import { scrubCredentials } from '../../shared/domain/credential-scrub';
import { IAM_ARN_MAX_LENGTH } from '../../shared/domain/request-limits';
import type { Logger } from '../../shared/lambda';
import type { z } from 'zod';
import type { ErrorResponseSchema } from './api-schemas';

export type ApiEvent = APIGatewayProxyEventV2WithIAMAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/**
 * Largest request body accepted. A deploy request is a spec of a few KB; the workflow carries it
 * through every state, and Step Functions caps an execution's input and each state's data at 256 KiB.
 */
export const MAX_BODY_BYTES = 64 * 1024;

/** Seconds a client should wait before retrying a request refused for throttling. */
export const RETRY_AFTER_SECONDS = 5;

/** The resource the request names does not exist. */
export class NotFoundError extends GreenlightError {}

/** The request body is larger than MAX_BODY_BYTES. */
export class PayloadTooLargeError extends GreenlightError {}

/** The request carries no IAM caller identity (a route deployed without the IAM authorizer). */
export class ForbiddenError extends GreenlightError {}

/** Another deployment holds the service's lock; `runningDeployment` names it. */
export class ServiceBusyError extends LockConflictError {
  constructor(
    message: string,
    readonly runningDeployment: string,
  ) {
    super(message);
  }
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** The request is not an HTTP API payload 2.0 event (e.g. a REST API's, payload 1.0). */
export class UnsupportedEventError extends InvalidInputError {}

/**
 * Refuses anything but an HTTP API payload 2.0 event: a REST API (or payload 1.0) integration has
 * no `routeKey` to route on, and its caller identity sits elsewhere.
 */
export function assertPayloadV2(event: unknown): asserts event is ApiEvent {
  const e = event as { version?: unknown; routeKey?: unknown } | null;
  if (!e || typeof e !== 'object' || e.version !== '2.0' || typeof e.routeKey !== 'string') {
    const message =
      'only API Gateway HTTP API events of payload format 2.0 are supported (a REST API or payload 1.0 integration is not)';
    throw new UnsupportedEventError(`event: ${message}`, [{ path: 'event', message }]);
  }
}

/**
 * The authenticated IAM caller (user or assumed-role ARN), as API Gateway's IAM authorizer saw it.
 * Longer than any ARN IAM issues means it did not come from the authorizer.
 */
export function callerOf(event: ApiEvent): string {
  const arn = event.requestContext?.authorizer?.iam?.userArn;
  if (typeof arn !== 'string' || arn === '' || arn.length > IAM_ARN_MAX_LENGTH) {
    throw new ForbiddenError('no IAM caller identity on the request: the route must use the IAM authorizer');
  }
  return arn;
}

/** The JSON body; InvalidInputError when absent or malformed, PayloadTooLargeError when too large. */
export function jsonBody(event: Pick<ApiEvent, 'body' | 'isBase64Encoded'>): unknown {
  const text = event.body ?? '';
  // Checked before decoding: base64 takes 4 characters per 3 bytes.
  const bytes = event.isBase64Encoded ? Math.floor((text.length * 3) / 4) : Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`body: ${bytes} bytes; at most ${MAX_BODY_BYTES} are accepted`);
  }
  const decoded = event.isBase64Encoded ? Buffer.from(text, 'base64').toString('utf8') : text;
  if (decoded.trim() === '') throw invalidBody('expected a JSON object, got an empty body');
  try {
    return JSON.parse(decoded);
  } catch (error) {
    throw invalidBody(`not valid JSON (${(error as Error).message})`);
  }
}

function invalidBody(message: string): InvalidInputError {
  return new InvalidInputError(`body: ${message}`, [{ path: 'body', message }]);
}

/** The HTTP status of an error the API lets through; 500 for anything it does not know. */
export function statusOf(error: unknown): number {
  if (error instanceof InvalidInputError) return 400;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (
    error instanceof IdempotencyConflictError ||
    error instanceof LockConflictError ||
    error instanceof ServiceStateError
  ) {
    return 409;
  }
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof ThrottlingError) return 503;
  return 500;
}

/** The response for an error: `{error, message, issues?}`, internals withheld for 5xx but throttling. */
export function errorResponse(
  error: unknown,
  context: { requestId: string; routeKey: string; logger: Pick<Logger, 'warn' | 'error'> },
): ApiResult {
  const status = statusOf(error);
  const name = error instanceof Error ? error.name : 'Error';
  if (status === 500) {
    context.logger.error('request failed', {
      routeKey: context.routeKey,
      requestId: context.requestId,
      error,
    });
    return json(500, {
      error: 'InternalError',
      message: `the request failed; the function's logs have the details (request id ${context.requestId})`,
    });
  }
  // Refusals can quote what the client sent (e.g. an unknown field's name): credentials are scrubbed.
  const message = scrubCredentials((error as Error).message);
  // `reason`, not `message`: Powertools keeps `message` for the line's own text and drops the key.
  context.logger.warn('request refused', {
    routeKey: context.routeKey,
    status,
    error: name,
    reason: message,
  });
  const body: z.output<typeof ErrorResponseSchema> = { error: name, message };
  if (error instanceof InvalidInputError) {
    body.issues =
      error.issues.length > 0
        ? error.issues.map((i) => ({ path: scrubCredentials(i.path), message: scrubCredentials(i.message) }))
        : [{ path: '(input)', message }];
  }
  if (error instanceof ServiceBusyError) body.runningDeployment = error.runningDeployment;
  if (status === 503) {
    return json(503, body, { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }
  return json(status, body);
}
