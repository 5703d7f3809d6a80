import { readdirSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { loadStateMachine, STATE_MACHINES_DIR } from '../../shared/local/sfn/engine';

const files = readdirSync(STATE_MACHINES_DIR).filter((f) => f.endsWith('.asl.json'));

/**
 * The one retry policy for transient errors (throttling, Lambda service faults), with jittered
 * backoff. ASL cannot share a block between states, so every Task state repeats it and this test
 * keeps the copies identical.
 */
const TRANSIENT_RETRY = {
  ErrorEquals: [
    'ThrottlingError',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 1,
  MaxAttempts: 5,
  BackoffRate: 2,
  MaxDelaySeconds: 20,
  JitterStrategy: 'FULL',
};

/** Read-backs first retry a mismatch: listener weights take a moment to apply. */
const WEIGHTS_MISMATCH_RETRY = {
  ErrorEquals: ['WeightsMismatchError'],
  IntervalSeconds: 1,
  MaxAttempts: 4,
  BackoffRate: 2,
  MaxDelaySeconds: 10,
  JitterStrategy: 'FULL',
};

type Retrier = { ErrorEquals: string[] } & Record<string, unknown>;

describe('state machine files', () => {
  it('exist', () => {
    expect(files).toContain('blue-green.asl.json');
  });

  it.each(files)('%s passes asl-validator once its function ARNs are resolved', (file) => {
    const { definition } = loadStateMachine(file);
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it.each(files)(
    '%s gives every state a Comment and every Task a timeout and a catch-all or an end',
    (file) => {
      const { definition } = loadStateMachine(file);
      for (const [name, state] of Object.entries(definition.States)) {
        expect({ name, comment: typeof state.Comment }).toEqual({ name, comment: 'string' });
        if (state.Type === 'Task') {
          expect({ name, timeout: typeof state.TimeoutSeconds }).toEqual({ name, timeout: 'number' });
          const catches = (state.Catch ?? []) as { ErrorEquals: string[] }[];
          expect({ name, catchAll: catches.some((c) => c.ErrorEquals.includes('States.ALL')) }).toEqual({
            name,
            catchAll: true,
          });
        }
      }
    },
  );

  const DIED_AFTER_EFFECT = ['States.Timeout', 'Lambda.Unknown'];
  it.each(files)('%s retries transient errors with the one shared policy in every Task state', (file) => {
    const { definition } = loadStateMachine(file);
    for (const [name, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task') continue;
      const retry = (state.Retry ?? []) as Retrier[];
      const catchesAll = (r: Retrier) => r.ErrorEquals.includes('States.ALL');
      // A state that retries every error (Rollback: the path that must not fail) needs no more.
      const [only] = retry;
      if (retry.length === 1 && only && catchesAll(only)) continue;
      const transient = retry.findIndex((r) => r.ErrorEquals.includes('ThrottlingError'));
      expect({ name, transient: retry[transient] }).toEqual({ name, transient: TRANSIENT_RETRY });
      retry.forEach((r, i) => {
        if (i === transient) return;
        if (r.ErrorEquals.includes('WeightsMismatchError')) {
          expect({ name, r, first: i === 0 }).toEqual({ name, r: WEIGHTS_MISMATCH_RETRY, first: true });
        } else if (r.ErrorEquals.every((e) => DIED_AFTER_EFFECT.includes(e))) {
          // A step made idempotent by its own token (StartTask: RunTask's clientToken) is tried
          // again when its function died or timed out, having perhaps acted already.
          expect({ name, attempts: r.MaxAttempts }).toEqual({ name, attempts: 2 });
        } else {
          // Any other retrier is a last-resort catch-all after the transient policy.
          expect({ name, catchAll: catchesAll(r), last: i === retry.length - 1 }).toEqual({
            name,
            catchAll: true,
            last: true,
          });
        }
      });
    }
  });
});
