/** What every Lambda entry point shares: the Powertools logger and the middy wrapper. */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
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
 *
 * The event is never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says: ECS events carry container
 * override values (secrets passed to RunTask), API Gateway events the SigV4 `authorization` header
 * and `x-amz-security-token`, CodePipeline events the job's temporary S3 credentials, and a
 * standard debug switch must not put them in CloudWatch Logs. Handlers log what they need, by field.
 * `options.logEvent` is accepted for callers that already say `false`; nothing can turn it on.
 * `options.metrics`: the container's Powertools Metrics, flushed as EMF at the end of every
 * invocation, failed ones included (absent off Lambda: nothing is emitted).
 */
export function lambdaHandler<I, O>(
  logger: Logger,
  fn: (event: I) => Promise<O>,
  options: { logEvent?: false; metrics?: Metrics | null } = {},
): LambdaHandler<I, O> {
  const handler = middy(async (event: I): Promise<O> => fn(event)).use(
    // An explicit false overrides the environment variable (Powertools: "the parameter takes precedence").
    injectLambdaContext(logger, { resetKeys: true, logEvent: false }),
  );
  if (options.metrics) handler.use(logMetrics(options.metrics));
  return handler as LambdaHandler<I, O>;
}
