/**
 * The UserHooks port for Lambda functions: Invoke (RequestResponse) with the context as the
 * payload, aborted at the hook's timeout (the function's own timeout may be longer: its answer
 * would come too late to count). A function error (FunctionError set) or an SDK error is a
 * reply with a reason, never a thrown error.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { UserHook, UserHookContext } from '../domain/user-hooks';
import type { UserHookReply, UserHooks } from '../ports/user-hooks';
import { errorCode } from './errors';

export class LambdaUserHooks implements UserHooks {
  constructor(private readonly deps: { client: Pick<LambdaClient, 'send'> }) {}

  async call(hook: UserHook, context: UserHookContext): Promise<UserHookReply> {
    if (!hook.functionArn) return { ok: false, reason: 'no function to invoke' };
    const timeoutMs = hook.timeoutSeconds * 1000;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      // The signal aborts the HTTP request; the race makes sure the call ends at the timeout even
      // where the SDK's retries or a stalled stream would not notice the abort.
      const out = await Promise.race([
        this.deps.client.send(
          new InvokeCommand({
            FunctionName: hook.functionArn,
            InvocationType: 'RequestResponse',
            Payload: new TextEncoder().encode(JSON.stringify(context)),
          }),
          { abortSignal: signal },
        ),
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
        ),
      ]);
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      if (out.FunctionError) {
        // The payload of a function error is its errorType and message: the type is enough to say why.
        return { ok: false, reason: `function error (${out.FunctionError}): ${errorTypeOf(text)}` };
      }
      try {
        return { ok: true, body: JSON.parse(text) as unknown };
      } catch {
        return { ok: false, reason: 'answer is not JSON' };
      }
    } catch (error) {
      const code = errorCode(error);
      if (code === 'AbortError' || code === 'TimeoutError')
        return { ok: false, reason: `timeout after ${timeoutMs} ms` };
      return { ok: false, reason: `invoke failed: ${code}` };
    }
  }
}

function errorTypeOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType : 'unknown';
  } catch {
    return 'unknown';
  }
}
