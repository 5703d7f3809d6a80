/**
 * A SIMULATION of AWS Lambda's synchronous Invoke (InvocationType RequestResponse) in the local
 * rehearsal: a registry of local functions, each a function ARN mapped to a local handler (a
 * function, or a module and its export, like Lambda's `file.handler`). It answers the SDK's
 * InvokeCommand the way Lambda does, so production adapters (LambdaUserHooks) run on it as they
 * are, with a client that has `send`.
 *
 * Modelled, as Lambda does it:
 * - the payload is JSON bytes both ways: the handler gets a parsed copy, never the caller's object;
 * - an unknown function: ResourceNotFoundException (thrown, HTTP 404);
 * - a handler that throws: StatusCode 200, `FunctionError: "Unhandled"` and a payload
 *   `{errorType, errorMessage}` (errorType: the error's name);
 * - the function's timeout (default 3 s, Lambda's): the invocation ends with `FunctionError:
 *   "Unhandled"` and errorType `Sandbox.Timedout`, whatever the handler does after;
 * - an answer that is not JSON-serialisable: FunctionError with errorType `Runtime.MarshalError`;
 * - RequestResponse's 6 MB payload limits (RequestTooLargeException; a too large answer is a
 *   FunctionError with errorType `Function.ResponseSizeTooLarge`);
 * - the caller's abortSignal (the SDK's): the call rejects with AbortError.
 *
 * Not modelled: IAM (any caller may invoke any registered function; lambda:InvokeFunction is
 * pinned by the template test), cold starts, concurrency and throttling, versions and aliases
 * beyond the exact ARN registered, Event and DryRun invocation types, the function's logs
 * (LogType Tail), retries.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { InvalidInputError } from '../../domain/errors';

/** A local function's handler: Lambda's Node.js signature (async; the callback style is not modelled). */
export type LocalHandler = (event: unknown, context: Context) => Promise<unknown> | unknown;

/** Where a local function's code is: a handler, or a module file and its export (default `handler`). */
export type LocalFunctionCode = { handler: LocalHandler } | { module: string; export?: string };

export interface LocalFunctionOptions {
  /** Lambda's function timeout in seconds (1–900; default 3, Lambda's). */
  timeoutSeconds?: number;
}

/** What the local Invoke answers: the fields of InvokeCommandOutput the callers read. */
export interface LocalInvokeOutput {
  StatusCode: number;
  FunctionError?: string;
  ExecutedVersion: string;
  Payload: Uint8Array;
  $metadata: { httpStatusCode: number };
}

/** RequestResponse's payload limit, each way (Lambda quotas). */
export const PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 3;

const LAMBDA_ARN =
  /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(:[A-Za-z0-9_$-]{1,128})?$/;

/** An error shaped like the SDK's service exceptions (name, $fault, HTTP status). */
class LambdaServiceError extends Error {
  readonly $fault = 'client';
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

interface Registered {
  code: LocalFunctionCode;
  timeoutMs: number;
  loaded?: Promise<LocalHandler>;
}

/** The local functions, and Lambda's Invoke over them (`send(new InvokeCommand(...))`). */
export class LocalLambda {
  private readonly functions = new Map<string, Registered>();

  /** Registers (or replaces) the function at `arn`. */
  register(arn: string, code: LocalFunctionCode, options: LocalFunctionOptions = {}): this {
    if (!LAMBDA_ARN.test(arn)) {
      throw new InvalidInputError(
        `functionArn: expected a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME), got "${arn}"`,
      );
    }
    const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) {
      throw new InvalidInputError(`timeoutSeconds: expected an integer from 1 to 900, got ${timeoutSeconds}`);
    }
    if ('module' in code && !path.isAbsolute(code.module)) {
      throw new InvalidInputError(`module: expected an absolute path, got "${code.module}"`);
    }
    this.functions.set(arn, { code, timeoutMs: timeoutSeconds * 1000 });
    return this;
  }

  /** The registered function ARNs. */
  arns(): string[] {
    return [...this.functions.keys()];
  }

  /**
   * Lambda's Invoke for an InvokeCommand (or its input): RequestResponse only. Throws as the SDK
   * does for what Lambda refuses; a function's failure is an answer with FunctionError.
   */
  async send(
    command: { input: { FunctionName?: string; InvocationType?: string; Payload?: Uint8Array | string } },
    options: { abortSignal?: AbortSignal } = {},
  ): Promise<LocalInvokeOutput> {
    const { FunctionName: name, InvocationType: type, Payload: raw } = command.input;
    if (type !== undefined && type !== 'RequestResponse') {
      throw new LambdaServiceError(
        'InvalidParameterValueException',
        `InvocationType ${type}: only RequestResponse is modelled locally`,
        400,
      );
    }
    const fn = name ? this.functions.get(name) : undefined;
    if (!name || !fn) {
      throw new LambdaServiceError(
        'ResourceNotFoundException',
        `Function not found: ${name ?? '(none)'}`,
        404,
      );
    }
    const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : (raw ?? new Uint8Array());
    if (bytes.byteLength > PAYLOAD_LIMIT_BYTES) {
      throw new LambdaServiceError(
        'RequestTooLargeException',
        `Request must be smaller than ${PAYLOAD_LIMIT_BYTES} bytes for the InvokeFunction operation`,
        413,
      );
    }
    let event: unknown;
    try {
      const text = new TextDecoder().decode(bytes);
      event = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new LambdaServiceError(
        'InvalidRequestContentException',
        'Could not parse request body into json',
        400,
      );
    }
    const signal = options.abortSignal;
    if (signal?.aborted) throw abortError();
    const run = this.run(name, fn, event);
    if (!signal) return run;
    return Promise.race([
      run,
      new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(abortError()), { once: true }),
      ),
    ]);
  }

  private async run(arn: string, fn: Registered, event: unknown): Promise<LocalInvokeOutput> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), fn.timeoutMs);
    });
    try {
      const handler = await this.handlerOf(fn);
      const context = lambdaContext(arn, started + fn.timeoutMs);
      const outcome = await Promise.race([
        Promise.resolve()
          .then(() => handler(event, context))
          .then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          ),
        timedOut,
      ]);
      if (outcome === 'timeout') {
        return failure(
          'Sandbox.Timedout',
          `Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`,
        );
      }
      if (!outcome.ok) {
        const e = outcome.error;
        return e instanceof Error
          ? failure(e.name || 'Error', e.message)
          : failure('Error', typeof e === 'string' ? e : 'non-Error thrown');
      }
      let text: string;
      try {
        // Lambda serialises the answer; `undefined` reads as null.
        text = JSON.stringify(outcome.value ?? null);
      } catch {
        return failure('Runtime.MarshalError', 'Unable to marshal response');
      }
      const payload = new TextEncoder().encode(text);
      if (payload.byteLength > PAYLOAD_LIMIT_BYTES) {
        return failure(
          'Function.ResponseSizeTooLarge',
          `Response payload size exceeded maximum allowed payload size (${PAYLOAD_LIMIT_BYTES} bytes).`,
        );
      }
      return {
        StatusCode: 200,
        ExecutedVersion: '$LATEST',
        Payload: payload,
        $metadata: { httpStatusCode: 200 },
      };
    } catch (error) {
      // The module could not be loaded or has no such export: Lambda's Runtime.ImportModuleError.
      return failure('Runtime.ImportModuleError', error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
    }
  }

  private handlerOf(fn: Registered): Promise<LocalHandler> {
    if ('handler' in fn.code) return Promise.resolve(fn.code.handler);
    const { module, export: name = 'handler' } = fn.code;
    // An absolute path (checked at registration) loads under Node's ESM and CommonJS loaders alike.
    fn.loaded ??= import(module).then((loaded: Record<string, unknown>) => {
      const handler = loaded[name];
      if (typeof handler !== 'function')
        throw new Error(`${path.basename(module)} has no function export "${name}"`);
      return handler as LocalHandler;
    });
    return fn.loaded;
  }
}

function failure(errorType: string, errorMessage: string): LocalInvokeOutput {
  return {
    StatusCode: 200,
    FunctionError: 'Unhandled',
    ExecutedVersion: '$LATEST',
    Payload: new TextEncoder().encode(
      JSON.stringify({ errorType, errorMessage: errorMessage.slice(0, 1000) }),
    ),
    $metadata: { httpStatusCode: 200 },
  };
}

function abortError(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}

function lambdaContext(arn: string, deadline: number): Context {
  const [, region, , name] = LAMBDA_ARN.exec(arn) ?? [];
  const functionName = name ?? 'local';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${region ?? 'local'}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * The function at `arn` as a plain call, for a caller that plays an AWS service invoking it
 * (the ECS simulation): its answer, or a thrown error when the invocation or the function failed.
 */
export function invoker(lambda: LocalLambda, arn: string): (event: unknown) => Promise<unknown> {
  return async (event) => {
    const out = await lambda.send({
      input: { FunctionName: arn, InvocationType: 'RequestResponse', Payload: JSON.stringify(event) },
    });
    const text = new TextDecoder().decode(out.Payload);
    if (out.FunctionError) throw new Error(`function error (${out.FunctionError}): ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  };
}
