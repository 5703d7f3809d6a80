/**
 * User hooks: the spec may name, per stage of a deployment, a Lambda function or a webhook that
 * Greenlight calls with the deployment's context; its answer gates the stage (`pass`, `fail`,
 * `wait`), except at `afterPromote` and `onRollback`, where it is only recorded. Pure: the call
 * itself is the UserHooks port's.
 */
import { z } from 'zod';
import type { Color, Weights } from './colors';

/** Where a deployment calls its user hooks, in the order a deployment meets them. */
export const USER_HOOK_STAGES = [
  'beforeLaunch',
  'afterLaunch',
  'afterTestTraffic',
  'beforeStep',
  'beforePromote',
  'afterPromote',
  'onRollback',
] as const;
export type UserHookStage = (typeof USER_HOOK_STAGES)[number];

/** Stages whose hook answer is only recorded: the deployment is already promoted or rolling back. */
export const RECORD_ONLY_STAGES: readonly UserHookStage[] = ['afterPromote', 'onRollback'];

/** Lambda function ARN (optionally with a version or alias); the IAM pattern narrows which ones. */
const LAMBDA_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;

/**
 * `https:` anywhere; `http:` only to the loopback address, which only the local rehearsal serves
 * (the AWS webhook adapter refuses plain http whatever the spec says).
 */
export function webhookUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'expected an absolute URL';
  }
  if (url.username || url.password) return 'must not carry credentials in the URL';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && url.hostname === '127.0.0.1') return null;
  return 'expected an https:// URL (http:// only to 127.0.0.1, in the rehearsal)';
}

export const UserHookSchema = z
  .object({
    /** Named in history, notifications and the rollback's cause. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'expected 1–64 letters, digits, _ . -'),
    /** A Lambda function to invoke (RequestResponse)… */
    functionArn: z.string().regex(LAMBDA_ARN, 'expected a Lambda function ARN').optional(),
    /** …or a webhook to POST the context to. */
    url: z.string().max(2048).optional(),
    /**
     * Longest one call may take. Each call runs inside one Task of the state machine (60 s, its
     * function 55 s), next to that Task's own work, hence 20 s at most.
     */
    timeoutSeconds: z.number().int().min(1).max(20).default(10),
    /** Longest a stage may be kept waiting by repeated `wait` answers, from the first call. */
    deadlineSeconds: z.number().int().min(1).max(3600).default(300),
  })
  .strict()
  .superRefine((hook, ctx) => {
    const targets = [hook.functionArn, hook.url].filter((t) => t !== undefined).length;
    if (targets !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [hook.functionArn === undefined ? 'url' : 'functionArn'],
        message: 'exactly one of functionArn and url is required',
      });
    }
    if (hook.url !== undefined) {
      const problem = webhookUrlProblem(hook.url);
      if (problem) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
    }
  });
export type UserHook = z.output<typeof UserHookSchema>;

export const UserHooksSchema = z
  .object(
    Object.fromEntries(USER_HOOK_STAGES.map((s) => [s, UserHookSchema.optional()])) as {
      [K in UserHookStage]: z.ZodOptional<typeof UserHookSchema>;
    },
  )
  .strict();
export type UserHooksSpec = z.output<typeof UserHooksSchema>;

/** The hook the spec names at a stage, or null. */
export function hookAt(hooks: UserHooksSpec | undefined, stage: UserHookStage): UserHook | null {
  return hooks?.[stage] ?? null;
}

/** What a hook is told: the deployment and where it stands. Never the spec's secrets (it has none). */
export interface UserHookContext {
  deploymentId: string;
  service: string;
  image: string;
  stage: UserHookStage;
  /** The plan step about to take traffic (beforeStep), else null. */
  step: { index: number; weight: number } | null;
  colors: { live: Color; new: Color };
  /** Production weights at this stage (the ones about to be set at beforeStep and beforePromote). */
  weights: Weights;
  /** 1 for the first call at this stage, 2 after one `wait`… */
  attempt: number;
  /** Why the deployment rolls back (onRollback only). */
  cause?: string;
}

export const UserHookAnswerSchema = z
  .object({
    result: z.enum(['pass', 'fail', 'wait']),
    retryAfterSeconds: z.number().int().min(1).max(3600).optional(),
    reason: z.string().max(1000).optional(),
  })
  .loose();
export type UserHookAnswer = z.output<typeof UserHookAnswerSchema>;

/** What the port got from a call: a body to judge, or why there is none (timeout, HTTP 500, function error). */
export type UserHookReply = { ok: true; body: unknown } | { ok: false; reason: string };

/** The seconds a hook that answers `wait` without a delay is asked again after. */
export const DEFAULT_RETRY_AFTER_SECONDS = 10;

/**
 * An answer from a reply: garbage, a transport failure or an answer that fails its schema is a
 * `fail` whose reason says what was wrong (never a hang, never a pass).
 */
export function parseHookReply(reply: UserHookReply): UserHookAnswer {
  if (!reply.ok) return { result: 'fail', reason: reply.reason };
  const parsed = UserHookAnswerSchema.safeParse(reply.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'answer';
  return {
    result: 'fail',
    reason: `unusable answer (${where}: ${issue?.message ?? 'invalid'}); expected {"result": "pass" | "fail" | "wait"}`,
  };
}

/**
 * The shortest wait between two calls of a hook, whatever it asks: each turn of a wait loop writes
 * Step Functions history events, and the history budget counts at most deadlineSeconds / this
 * many turns per stage (maxHookTurns).
 */
export const HOOK_WAIT_MIN_SECONDS = 5;

/** What the stage does after an answer; a `wait` asks again after `waitSeconds`, at `retryAt`. */
export type HookMove =
  | { kind: 'pass'; reason: string }
  | { kind: 'fail'; reason: string }
  | { kind: 'wait'; retryAt: number; waitSeconds: number; reason: string };

/**
 * Decides the stage's move: `wait` is honoured (no sooner than HOOK_WAIT_MIN_SECONDS) only while
 * the next call still falls before the hook's deadline, deadlineSeconds from the first call; past
 * it, the wait is a fail.
 */
export function decideHookMove(input: {
  answer: UserHookAnswer;
  hook: Pick<UserHook, 'deadlineSeconds'>;
  firstCalledAt: number;
  now: number;
}): HookMove {
  const { answer, hook, firstCalledAt, now } = input;
  const said = answer.reason ? `: ${answer.reason}` : '';
  if (answer.result === 'pass') return { kind: 'pass', reason: `passed${said}` };
  if (answer.result === 'fail') return { kind: 'fail', reason: `failed${said}` };
  const waitSeconds = Math.max(
    answer.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
    HOOK_WAIT_MIN_SECONDS,
  );
  const retryAt = now + waitSeconds * 1000;
  const deadlineAt = firstCalledAt + hook.deadlineSeconds * 1000;
  if (retryAt > deadlineAt) {
    return { kind: 'fail', reason: `still waiting after its deadline of ${hook.deadlineSeconds} s${said}` };
  }
  return { kind: 'wait', retryAt, waitSeconds, reason: `waiting ${waitSeconds} s${said}` };
}

/**
 * The stages whose `wait` has a wait loop of its own in the state machine (a Choice on the Task's
 * `hookWaiting` output, a Wait of the hook's delay, the same Task again): nothing else bounds
 * them but the hook's deadline, so the spec's budgets (history, execution time, lock lease) count
 * them. afterLaunch and afterTestTraffic wait within the launch and test-traffic loops, already
 * counted with their deadlines.
 */
export const HOOK_WAIT_LOOP_STAGES = ['beforeLaunch', 'beforeStep', 'beforePromote'] as const;

/** The most turns a wait loop can make for a hook with this deadline: every call, plus an early turn. */
export function maxHookTurns(deadlineSeconds: number): number {
  return Math.ceil(deadlineSeconds / HOOK_WAIT_MIN_SECONDS) + 1;
}

/** The structural part of a spec that bounds the hook wait loops (so the spec schema can use it). */
export type HookWaitBounds = {
  [K in (typeof HOOK_WAIT_LOOP_STAGES)[number]]?: { deadlineSeconds: number } | undefined;
};

/**
 * Each wait loop a run of the spec may go through: its stage, its deadline and how many times it
 * runs (beforeStep once per plan step).
 */
export function hookWaitLoops(
  hooks: HookWaitBounds | undefined,
  stepCount: number,
): { stage: (typeof HOOK_WAIT_LOOP_STAGES)[number]; deadlineSeconds: number; times: number }[] {
  return HOOK_WAIT_LOOP_STAGES.flatMap((stage) => {
    const hook = hooks?.[stage];
    if (!hook) return [];
    return [{ stage, deadlineSeconds: hook.deadlineSeconds, times: stage === 'beforeStep' ? stepCount : 1 }];
  });
}

/** The message of a hook that fails its stage: names the hook and the stage (the rollback's cause). */
export function hookFailureMessage(
  hook: Pick<UserHook, 'name'>,
  stage: UserHookStage,
  reason: string,
): string {
  return `user hook "${hook.name}" (${stage}) ${reason}`;
}

/** How a hook's target is named in logs and history: the function ARN, or the URL's origin only (paths and queries may hold tokens). */
export function hookTargetLabel(hook: Pick<UserHook, 'functionArn' | 'url'>): string {
  if (hook.functionArn) return hook.functionArn;
  try {
    return new URL(hook.url ?? '').origin;
  } catch {
    return '(invalid url)';
  }
}
