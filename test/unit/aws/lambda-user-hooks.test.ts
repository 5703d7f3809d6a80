import 'aws-sdk-client-mock-jest';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { LambdaUserHooks } from '../../../shared/aws/lambda-user-hooks';
import type { UserHookContext } from '../../../shared/domain/user-hooks';

const lambda = mockClient(LambdaClient);
const hooks = new LambdaUserHooks({ client: new LambdaClient({ region: 'eu-west-1' }) });
const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-hook-smoke';
const hook = { name: 'smoke', functionArn: ARN, timeoutSeconds: 2, deadlineSeconds: 60 };
const context: UserHookContext = {
  deploymentId: 'd-1',
  service: 'web',
  image: 'registry/web:v2',
  stage: 'beforePromote',
  step: null,
  colors: { live: 'blue', new: 'green' },
  weights: { blue: 0, green: 100 },
  attempt: 1,
};
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('LambdaUserHooks', () => {
  beforeEach(() => lambda.reset());

  it('invokes the function synchronously with the context as its payload', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: bytes({ result: 'pass' }) as never });
    // Act
    const reply = await hooks.call(hook, context);
    // Assess
    expect(reply).toEqual({ ok: true, body: { result: 'pass' } });
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect({
      ...input,
      Payload: JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)),
    }).toStrictEqual({
      FunctionName: ARN,
      InvocationType: 'RequestResponse',
      Payload: context,
    });
  });

  it('turns a function error into a reply with its error type', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: bytes({ errorType: 'TypeError', errorMessage: 'x is undefined' }) as never,
    });
    expect(await hooks.call(hook, context)).toEqual({
      ok: false,
      reason: 'function error (Unhandled): TypeError',
    });
  });

  it('turns an SDK error into a reply, never a throw', async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new ResourceNotFoundException({ message: 'no such function', $metadata: {} }));
    expect(await hooks.call(hook, context)).toEqual({
      ok: false,
      reason: 'invoke failed: ResourceNotFoundException',
    });
  });

  it('turns a payload that is not JSON into a reply', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode('ok') as never });
    expect(await hooks.call(hook, context)).toEqual({ ok: false, reason: 'answer is not JSON' });
  });

  it('gives up at the hook timeout', async () => {
    // A function that answers after the timeout: the abort signal ends the wait.
    lambda.on(InvokeCommand).callsFake(
      (_input, getClient) =>
        new Promise(() => {
          void getClient;
        }),
    );
    const started = Date.now();
    const reply = await Promise.race([
      hooks.call({ ...hook, timeoutSeconds: 1 }, context),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 4000)),
    ]);
    expect(reply).not.toBe('hung');
    expect(reply).toMatchObject({ ok: false });
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
