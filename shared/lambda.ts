/** What every Lambda entry point shares: the Powertools logger and the middy wrapper. */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';

export type { Logger };

/**
 * A structured JSON logger. Unless given, the service name comes from POWERTOOLS_SERVICE_NAME and
 * the level from POWERTOOLS_LOG_LEVEL (Powertools reads both itself).
 */
export function createLogger(
  options: { serviceName?: string; logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT' } = {},
) {
  return new Logger({
    ...(options.serviceName ? { serviceName: options.serviceName } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
}

/** A Lambda handler as the runtime calls it (and as the local engine binds it to a Task state). */
export type LambdaHandler<I, O> = (event: I, context: Context) => Promise<O>;

/**
 * Wraps a step in middy with the logger's Lambda context (request id, cold start) on every line.
 * `logEvent: false` keeps the event out of the logs even when POWERTOOLS_LOGGER_LOG_EVENT is set
 * (events that carry credentials).
 */
export function lambdaHandler<I, O>(
  logger: Logger,
  fn: (event: I) => Promise<O>,
  options: { logEvent?: boolean } = {},
): LambdaHandler<I, O> {
  return middy(async (event: I): Promise<O> => fn(event)).use(
    injectLambdaContext(logger, {
      resetKeys: true,
      ...(options.logEvent !== undefined ? { logEvent: options.logEvent } : {}),
    }),
  ) as LambdaHandler<I, O>;
}
