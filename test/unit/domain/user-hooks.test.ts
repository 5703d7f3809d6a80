import fc from 'fast-check';
import { parseInput } from '../../../shared/domain/validation';
import { SpecSchema } from '../../../shared/domain/spec';
import { maxHistoryEvents, worstCaseSeconds } from '../../../shared/domain/history-budget';
import { maxDurationSeconds } from '../../../shared/domain/plan';
import {
  decideHookMove,
  HOOK_WAIT_MIN_SECONDS,
  hookAt,
  hookFailureMessage,
  hookTargetLabel,
  maxHookTurns,
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
      decideHookMove({ answer: { result: 'wait', retryAfterSeconds: 7 }, hook, firstCalledAt: t0, now: t0 }),
    ).toMatchObject({
      kind: 'wait',
      retryAt: t0 + 7000,
      waitSeconds: 7,
    });
    expect(decideHookMove({ answer: { result: 'wait' }, hook, firstCalledAt: t0, now: t0 })).toMatchObject({
      retryAt: t0 + 10_000,
      waitSeconds: 10,
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

  it(`never asks again sooner than ${HOOK_WAIT_MIN_SECONDS} s, whatever the hook asks`, () => {
    expect(
      decideHookMove({ answer: { result: 'wait', retryAfterSeconds: 1 }, hook, firstCalledAt: t0, now: t0 }),
    ).toMatchObject({
      kind: 'wait',
      retryAt: t0 + HOOK_WAIT_MIN_SECONDS * 1000,
      waitSeconds: HOOK_WAIT_MIN_SECONDS,
    });
  });

  it('never lets a wait run past the deadline, and waits what it says (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 0, max: 4_000_000 }),
        fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
        (deadlineSeconds, elapsed, retryAfterSeconds) => {
          const move = decideHookMove({
            answer: { result: 'wait', ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
            hook: { deadlineSeconds },
            firstCalledAt: t0,
            now: t0 + elapsed,
          });
          if (move.kind === 'wait') {
            expect(move.waitSeconds).toBeGreaterThanOrEqual(HOOK_WAIT_MIN_SECONDS);
            expect(move.retryAt).toBe(t0 + elapsed + move.waitSeconds * 1000);
            expect(move.retryAt).toBeLessThanOrEqual(t0 + deadlineSeconds * 1000);
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
          expect(calls).toBeLessThanOrEqual(
            Math.floor(deadlineSeconds / Math.max(retry, HOOK_WAIT_MIN_SECONDS)) + 1,
          );
          // The history budget counts every one of them.
          expect(calls).toBeLessThanOrEqual(maxHookTurns(deadlineSeconds));
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

describe('the budgets of the hook wait loops', () => {
  const spec = (hooks?: object) =>
    parseInput(
      SpecSchema,
      specFor({ plan: { preset: 'canary', weights: [5, 25, 50] }, ...(hooks ? { hooks } : {}) }),
    );
  const hook = (deadlineSeconds: number) => ({
    name: 'h',
    url: 'https://hooks.example.com/',
    deadlineSeconds,
  });

  it('counts beforeLaunch and beforePromote once and beforeStep once per plan step', () => {
    const none = spec();
    const once = spec({ beforeLaunch: hook(100) });
    const perStep = spec({ beforeStep: hook(100) });
    // The gated stages without a loop of their own (afterLaunch, afterTestTraffic) add nothing.
    const inLoops = spec({ afterLaunch: hook(3600), afterTestTraffic: hook(3600) });
    expect(maxHookTurns(100)).toBe(21);
    expect(maxHistoryEvents(once) - maxHistoryEvents(none)).toBe(21 * 9);
    expect(maxHistoryEvents(perStep) - maxHistoryEvents(none)).toBe(3 * 21 * 9);
    expect(maxHistoryEvents(inLoops)).toBe(maxHistoryEvents(none));
    expect(worstCaseSeconds(perStep) - worstCaseSeconds(none)).toBe(3 * (100 + 60));
    // The lock's lease outlasts a hook that waits to its deadline at every stage.
    expect(
      maxDurationSeconds(spec({ beforeStep: hook(100), beforePromote: hook(50) })) - maxDurationSeconds(none),
    ).toBe(3 * 100 + 50);
  });

  it('refuses a spec whose hook deadlines would exhaust the execution history, naming them', () => {
    const plan = { preset: 'canary' as const, weights: [5, 10, 20, 30, 40, 50, 60, 70] };
    expect(SpecSchema.safeParse(specFor({ plan, hooks: { beforeStep: hook(300) } })).success).toBe(true);
    const result = SpecSchema.safeParse(specFor({ plan, hooks: { beforeStep: hook(3600) } }));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('\n')).toMatch(
      /history events.*deadlineSeconds of the beforeLaunch, beforeStep and beforePromote hooks/s,
    );
  });
});
