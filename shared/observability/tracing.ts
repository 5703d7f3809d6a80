/**
 * X-Ray tracing of the AWS SDK clients (Powertools Tracer). Active tracing on the functions
 * (serverless.yml `provider.tracing.lambda`) gives each invocation a segment; every SDK call then
 * shows as a subsegment with its service, operation, latency and throttling.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { onLambda } from './runtime';

let tracer: Tracer | undefined;

/** The container's tracer: enabled on Lambda only (locally it records and sends nothing). */
export function containerTracer(env: NodeJS.ProcessEnv = process.env): Tracer {
  tracer ??= new Tracer({ enabled: onLambda(env) });
  return tracer;
}

/** `client`, traced when tracing is on; the very same object otherwise. */
export function traced<C>(client: C, t: Pick<Tracer, 'captureAWSv3Client'> = containerTracer()): C {
  return t.captureAWSv3Client(client as never) as C;
}
