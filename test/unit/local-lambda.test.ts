/**
 * The local Lambda model (Invoke RequestResponse over local handlers) with the production
 * LambdaUserHooks adapter on it, dispatched by UserHooksByTarget as the rehearsal does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaUserHooks } from '../../shared/aws/lambda-user-hooks';
import { UserHooksByTarget } from '../../shared/aws/user-hooks-by-target';
import { UserHookSchema, type UserHookContext } from '../../shared/domain/user-hooks';
import { LocalLambda } from '../../shared/local/lambda/local-lambda';

const ARN = (name: string) => `arn:aws:lambda:local:000000000000:function:${name}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CONTEXT: UserHookContext = {
  deploymentId: 'd-1',
  service: 'web',
  image: 'greenlight/demo-app:v2',
  stage: 'beforePromote',
  step: null,
  colors: { live: 'blue', new: 'green' },
  weights: { blue: 0, green: 100 },
  attempt: 1,
};

describe('LocalLambda with the LambdaUserHooks adapter', () => {
  const lambda = new LocalLambda();
  const received: unknown[] = [];
  const hooks = new UserHooksByTarget({
    lambda: new LambdaUserHooks({ client: lambda as unknown as Pick<LambdaClient, 'send'> }),
    webhook: { call: () => Promise.reject(new Error('not a webhook')) },
  });
  const hook = (name: string, timeoutSeconds = 2) =>
    UserHookSchema.parse({ name, functionArn: ARN(name), timeoutSeconds });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'greenlight-local-lambda-'));
  const moduleFile = path.join(dir, 'gate.js');
  writeFileSync(
    moduleFile,
    "exports.check = async (event) => ({ result: event.attempt > 1 ? 'pass' : 'wait', retryAfterSeconds: 5 });\n",
  );

  lambda
    .register(ARN('passes'), {
      handler: (event, context) => {
        received.push({ event, arn: context.invokedFunctionArn });
        return { result: 'pass', reason: 'checks green' };
      },
    })
    .register(ARN('throws'), {
      handler: () => {
        throw new TypeError('boom');
      },
    })
    .register(
      ARN('slow'),
      { handler: () => sleep(1500).then(() => ({ result: 'pass' })) },
      { timeoutSeconds: 10 },
    )
    .register(ARN('own-timeout'), { handler: () => sleep(1500) }, { timeoutSeconds: 1 })
    .register(ARN('garbage'), { handler: () => 'not an answer' })
    .register(ARN('module'), { module: moduleFile, export: 'check' })
    .register(ARN('no-export'), { module: moduleFile, export: 'missing' });

  it('invokes the function with the context as JSON and reads its answer', async () => {
    const reply = await hooks.call(hook('passes'), CONTEXT);

    expect(reply).toEqual({ ok: true, body: { result: 'pass', reason: 'checks green' } });
    expect(received).toEqual([{ event: CONTEXT, arn: ARN('passes') }]);
    expect((received[0] as { event: unknown }).event).not.toBe(CONTEXT);
  });

  it("answers a handler's throw as Lambda does: FunctionError Unhandled with its errorType", async () => {
    expect(await hooks.call(hook('throws'), CONTEXT)).toEqual({
      ok: false,
      reason: 'function error (Unhandled): TypeError',
    });
  });

  it("ends the call at the hook's timeout when the function is slower", async () => {
    const started = Date.now();
    expect(await hooks.call(hook('slow', 1), CONTEXT)).toEqual({
      ok: false,
      reason: 'timeout after 1000 ms',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("ends the invocation at the function's own timeout (Sandbox.Timedout)", async () => {
    expect(await hooks.call(hook('own-timeout', 2), CONTEXT)).toEqual({
      ok: false,
      reason: 'function error (Unhandled): Sandbox.Timedout',
    });
  });

  it('passes a non-JSON-object answer on for the stage to refuse, and names an unknown function', async () => {
    expect(await hooks.call(hook('garbage'), CONTEXT)).toEqual({ ok: true, body: 'not an answer' });
    expect(await hooks.call(hook('unknown'), CONTEXT)).toEqual({
      ok: false,
      reason: 'invoke failed: ResourceNotFoundException',
    });
  });

  it('runs a local module export as the function, and fails a missing export as Runtime.ImportModuleError', async () => {
    expect(await hooks.call(hook('module'), { ...CONTEXT, attempt: 2 })).toEqual({
      ok: true,
      body: { result: 'pass', retryAfterSeconds: 5 },
    });
    expect(await hooks.call(hook('no-export'), CONTEXT)).toEqual({
      ok: false,
      reason: 'function error (Unhandled): Runtime.ImportModuleError',
    });
  });

  it('refuses a registration that is not a function ARN or an absolute module path, naming the field', () => {
    expect(() => lambda.register('greenlight-hook', { handler: () => null })).toThrow(/^functionArn: /);
    expect(() => lambda.register(ARN('rel'), { module: 'gate.js' })).toThrow(/^module: /);
    expect(() => lambda.register(ARN('t'), { handler: () => null }, { timeoutSeconds: 0 })).toThrow(
      /^timeoutSeconds: /,
    );
  });
});
