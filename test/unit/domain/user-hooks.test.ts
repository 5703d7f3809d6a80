import fc from 'fast-check';
import { parseInput } from '../../../shared/domain/validation';
import { SpecSchema } from '../../../shared/domain/spec';
import {
  decideHookMove,
  hookAt,
  hookFailureMessage,
  hookTargetLabel,
  parseHookReply,
  USER_HOOK_STAGES,
  UserHookSchema,
  UserHooksSchema,
  webhookUrlProblem,
} from '../../../shared/domain/user-hooks';
import { specFor } from '../../fixtures/spec';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-hook-smoke';

describe('user hook schema', () => {
  it('accepts a Lambda function or an https webhook, with defaults for the timeout and the deadline', () => {
    expect(UserHookSchema.parse({ name: 'smoke', functionArn: ARN })).toEqual({
      name: 'smoke',
      functionArn: ARN,
      timeoutSeconds: 10,
      deadlineSeconds: 300,
    });
    expect(UserHookSchema.parse({ name: 'qa', url: 'https://qa.example.com/hook?token=x' }).url).toBe(
      'https://qa.example.com/hook?token=x',
    );
  });

  it('names the field when both or neither target is given', () => {
    expect(() => parseInput(UserHookSchema, { name: 'x' }, 'hook')).toThrow(
      'hook.url: exactly one of functionArn and url is required',
    );
    expect(() =>
      parseInput(UserHookSchema, { name: 'x', functionArn: ARN, url: 'https://a.example' }, 'hook'),
    ).toThrow('hook.functionArn: exactly one of functionArn and url is required');
  });

  it('refuses plain http except to 127.0.0.1, and credentials in the URL', () => {
    expect(webhookUrlProblem('http://127.0.0.1:8080/h')).toBeNull();
    expect(webhookUrlProblem('http://example.com/h')).toMatch(/https/);
    expect(webhookUrlProblem('http://localhost/h')).toMatch(/https/);
    expect(webhookUrlProblem('https://u:p@example.com/')).toMatch(/credentials/);
    expect(webhookUrlProblem('not a url')).toMatch(/absolute URL/);
    expect(() => parseInput(UserHookSchema, { name: 'x', url: 'ftp://a.example' }, 'hook')).toThrow(
      'hook.url:',
    );
  });

  it('refuses a function that is not a Lambda ARN and a timeout beyond 20 s', () => {
    expect(() => parseInput(UserHookSchema, { name: 'x', functionArn: 'my-fn' }, 'hook')).toThrow(
      'hook.functionArn: expected a Lambda function ARN',
    );
    expect(() =>
      parseInput(UserHookSchema, { name: 'x', functionArn: ARN, timeoutSeconds: 21 }, 'hook'),
    ).toThrow('hook.timeoutSeconds');
  });

  it('knows only the seven stages, and is a spec field whose errors name their path', () => {
    expect(() => parseInput(UserHooksSchema, { beforeDinner: { name: 'x', functionArn: ARN } })).toThrow();
    const spec = SpecSchema.parse(
      specFor({ hooks: { beforePromote: { name: 'qa', url: 'https://qa.example.com/' } } }),
    );
    expect(hookAt(spec.hooks, 'beforePromote')?.name).toBe('qa');
    expect(hookAt(spec.hooks, 'beforeStep')).toBeNull();
    expect(hookAt(undefined, 'beforeStep')).toBeNull();
    expect(() =>
      parseInput(
        SpecSchema,
        specFor({ hooks: { afterLaunch: { name: 'x', url: 'http://example.com/' } } }),
        'spec',
      ),
    ).toThrow('spec.hooks.afterLaunch.url');
  });
});

describe('parseHookReply', () => {
  it('reads a valid answer', () => {
    expect(
      parseHookReply({ ok: true, body: { result: 'wait', retryAfterSeconds: 5, reason: 'queue' } }),
    ).toEqual({
      result: 'wait',
      retryAfterSeconds: 5,
      reason: 'queue',
    });
  });

  it('turns a transport failure into a fail with its reason', () => {
    expect(parseHookReply({ ok: false, reason: 'timeout after 1000 ms' })).toEqual({
      result: 'fail',
      reason: 'timeout after 1000 ms',
    });
  });

  it('turns garbage into a fail that says what was wrong', () => {
    expect(parseHookReply({ ok: true, body: { result: 'maybe' } })).toMatchObject({
      result: 'fail',
      reason: expect.stringContaining('result:'),
    });
    expect(parseHookReply({ ok: true, body: 'OK' })).toMatchObject({ result: 'fail' });
  });

  it('never passes anything but an answer whose result is "pass" (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        const answer = parseHookReply({ ok: true, body });
        const isPass =
          typeof body === 'object' && body !== null && (body as { result?: unknown }).result === 'pass';
        if (answer.result === 'pass') expect(isPass).toBe(true);
        expect(['pass', 'fail', 'wait']).toContain(answer.result);
      }),
    );
  });
});

describe('decideHookMove', () => {
  const hook = { deadlineSeconds: 60 };
  const t0 = 1_000_000;

  it('passes on pass and fails on fail, whatever the time', () => {
    expect(decideHookMove({ answer: { result: 'pass' }, hook, firstCalledAt: t0, now: t0 + 10e6 }).kind).toBe(
      'pass',
    );
    expect(
      decideHookMove({ answer: { result: 'fail', reason: 'no' }, hook, firstCalledAt: t0, now: t0 }),
    ).toEqual({
      kind: 'fail',
      reason: 'failed: no',
    });
  });

  it('waits the asked delay (or 10 s) while before the deadline, and fails past it', () => {
    expect(
      decideHookMove({ answer: { result: 'wait', retryAfterSeconds: 5 }, hook, firstCalledAt: t0, now: t0 }),
    ).toMatchObject({
      kind: 'wait',
      retryAt: t0 + 5000,
    });
    expect(decideHookMove({ answer: { result: 'wait' }, hook, firstCalledAt: t0, now: t0 })).toMatchObject({
      retryAt: t0 + 10_000,
    });
    expect(
      decideHookMove({
        answer: { result: 'wait', retryAfterSeconds: 5 },
        hook,
        firstCalledAt: t0,
        now: t0 + 56_000,
      }),
    ).toMatchObject({ kind: 'fail', reason: expect.stringContaining('deadline of 60 s') });
  });

  it('fails a wait longer than the caller can wait', () => {
    expect(
      decideHookMove({
        answer: { result: 'wait', retryAfterSeconds: 40 },
        hook,
        firstCalledAt: t0,
        now: t0,
        budgetEndsAt: t0 + 30_000,
      }),
    ).toMatchObject({ kind: 'fail', reason: expect.stringContaining('longer than this stage can wait') });
  });

  it('never lets a wait run past the deadline or the budget (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 0, max: 4_000_000 }),
        fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 4_000_000 }), { nil: undefined }),
        (deadlineSeconds, elapsed, retryAfterSeconds, budget) => {
          const move = decideHookMove({
            answer: { result: 'wait', ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
            hook: { deadlineSeconds },
            firstCalledAt: t0,
            now: t0 + elapsed,
            ...(budget !== undefined ? { budgetEndsAt: t0 + budget } : {}),
          });
          if (move.kind === 'wait') {
            expect(move.retryAt).toBeGreaterThan(t0 + elapsed);
            expect(move.retryAt).toBeLessThanOrEqual(t0 + deadlineSeconds * 1000);
            if (budget !== undefined) expect(move.retryAt).toBeLessThanOrEqual(t0 + budget);
          } else {
            expect(move.kind).toBe('fail');
          }
        },
      ),
    );
  });

  it('a hook that keeps answering wait ends in a fail after finitely many calls (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 1, max: 600 }),
        (deadlineSeconds, retry) => {
          let now = t0;
          let calls = 0;
          for (;;) {
            calls++;
            const move = decideHookMove({
              answer: { result: 'wait', retryAfterSeconds: retry },
              hook: { deadlineSeconds },
              firstCalledAt: t0,
              now,
            });
            if (move.kind !== 'wait') break;
            now = move.retryAt;
          }
          expect(calls).toBeLessThanOrEqual(Math.floor(deadlineSeconds / retry) + 1);
        },
      ),
    );
  });
});

describe('hook labels and messages', () => {
  it('shows a webhook by its origin only, never its path or query', () => {
    expect(hookTargetLabel({ url: 'https://hooks.example.com/T0/secret?token=abc' })).toBe(
      'https://hooks.example.com',
    );
    expect(hookTargetLabel({ functionArn: ARN })).toBe(ARN);
  });

  it('names the hook and the stage in a failure', () => {
    expect(hookFailureMessage({ name: 'qa' }, 'beforePromote', 'failed: red')).toBe(
      'user hook "qa" (beforePromote) failed: red',
    );
    expect(USER_HOOK_STAGES).toHaveLength(7);
  });
});
