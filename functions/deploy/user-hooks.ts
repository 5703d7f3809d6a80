/**
 * Calling the spec's user hooks from the deployment's steps. A stage waits on `wait` in the state
 * machine, never inside a Task: through a wait loop of its own (beforeLaunch, beforeStep,
 * beforePromote: the Task answers `hookWaiting`, a Choice sends it to a Wait of the hook's delay,
 * then to the same Task again) or through an existing poll loop (afterLaunch: WaitForNewColor →
 * CheckNewColor; afterTestTraffic: TestTrafficWait → EvaluateTestTraffic). Either way the hook's
 * progress (attempts, first call) rides in the loop's state, so its deadline holds across
 * invocations. Every call is recorded in the deployment's history; a fail throws
 * UserHookFailedError, which the Task's Catch turns into a rollback with the hook named in the cause.
 */
import { z } from 'zod';
import { weightsFor, type Weights } from '../../shared/domain/colors';
import { GreenlightError } from '../../shared/domain/errors';
import {
  decideHookMove,
  hookAt,
  hookFailureMessage,
  hookTargetLabel,
  parseHookReply,
  type HookMove,
  type UserHook,
  type UserHookContext,
  type UserHookStage,
} from '../../shared/domain/user-hooks';
import type { UserHooks } from '../../shared/ports/user-hooks';
import { recordEvent, type DeployDeps, type StepContext } from './context';

/** A user hook failed its stage (answered fail, garbage, timed out, or kept waiting too long). */
export class UserHookFailedError extends GreenlightError {}

/** A person aborted the deployment while a user hook kept its stage waiting. */
export class AbortedWhileHookWaitedError extends GreenlightError {}

/** How early a turn may come and still call the hook (see gateInLoop). */
const ON_TIME_MS = 1000;

/** The history event of every hook call. */
export const USER_HOOK_CALLED = 'USER_HOOK_CALLED';

export type HookDeps = Pick<DeployDeps, 'store' | 'clock' | 'logger'> & { userHooks?: UserHooks };

/** A hook's progress through a wait loop of the state machine, carried in the loop's state. */
export const HookProgressSchema = z.object({
  stage: z.string(),
  firstCalledAt: z.number(),
  attempt: z.number().int().min(1),
  retryAt: z.number(),
  /** The Wait before the next turn (a wait loop's SecondsPath). */
  waitSeconds: z.number().int().min(1).max(3600).optional(),
});
export type HookProgress = z.output<typeof HookProgressSchema>;

/**
 * What a Task of a stage with its own wait loop (LaunchNewColor, NextStep, Promote) answers while
 * its hook waits: its Choice sends the execution to a Wait of `userHook.waitSeconds`, then back to
 * the same Task, which gets this answer back as its previous turn.
 */
export interface HookWaiting {
  hookWaiting: true;
  userHook: HookProgress & { waitSeconds: number };
}

/**
 * A Task's previous turn as its input carries it: null or its usual result on the first turn, a
 * HookWaiting on the next ones (a damaged one fails the Task with the field named, never restarts
 * the hook's deadline).
 */
export const PreviousTurnSchema = z
  .object({ hookWaiting: z.literal(true).optional(), userHook: HookProgressSchema.optional() })
  .loose()
  .nullable()
  .optional();

/** The hook's progress a previous turn carries, when it was a HookWaiting. */
export function progressOf(previous: z.output<typeof PreviousTurnSchema>): HookProgress | undefined {
  return previous?.hookWaiting ? previous.userHook : undefined;
}

interface StageInput extends StepContext {
  stage: UserHookStage;
  weights: Weights;
  step?: { index: number; weight: number } | null;
  cause?: string;
}

function contextFor(input: StageInput, attempt: number): UserHookContext {
  const { deployment, spec } = input;
  return {
    deploymentId: deployment.id,
    service: spec.service,
    image: deployment.image,
    stage: input.stage,
    step: input.step ?? null,
    colors: { live: deployment.liveColor, new: deployment.newColor },
    weights: input.weights,
    attempt,
    ...(input.cause !== undefined ? { cause: input.cause } : {}),
  };
}

/** One call, its move decided and recorded. */
async function callAndDecide(
  deps: HookDeps,
  hook: UserHook,
  input: StageInput,
  progress: { firstCalledAt: number; attempt: number },
): Promise<HookMove> {
  const started = deps.clock.now();
  const reply = deps.userHooks
    ? await deps.userHooks.call(hook, contextFor(input, progress.attempt))
    : { ok: false as const, reason: 'no hook caller is configured' };
  const answer = parseHookReply(reply);
  const now = deps.clock.now();
  const move = decideHookMove({ answer, hook, firstCalledAt: progress.firstCalledAt, now });
  await recordEvent(
    deps,
    input.deployment.id,
    USER_HOOK_CALLED,
    `user hook "${hook.name}" (${input.stage}) ${move.reason}`,
    {
      hook: hook.name,
      stage: input.stage,
      target: hookTargetLabel(hook),
      result: answer.result,
      move: move.kind,
      attempt: progress.attempt,
      durationMs: now - started,
    },
  );
  return move;
}

/**
 * The stage's hook, once per turn of a state machine wait loop: `done` when it passed (or there is
 * none), else the progress to carry to the next turn, with the Wait to make before it; throws
 * UserHookFailedError when it fails. A turn that comes more than a second before the hook's retry
 * time (a Wait cut short) does not call it again: it waits out the rest. Every turn after a `wait`
 * reads the record first: an abort ends the wait at once.
 */
export async function gateInLoop(
  deps: HookDeps,
  input: StageInput,
  previous: HookProgress | undefined,
): Promise<{ done: true } | { done: false; progress: HookWaiting['userHook'] }> {
  const hook = hookAt(input.spec.hooks, input.stage);
  if (!hook) return { done: true };
  const now = deps.clock.now();
  const prior = previous?.stage === input.stage ? previous : undefined;
  if (prior) {
    // A wait may last up to the hook's deadline: an abort must not wait for it (nothing else in
    // these loops reads the record's commands).
    const control = (await deps.store.getDeployment(input.deployment.id))?.control;
    if (control?.action === 'abort') {
      throw new AbortedWhileHookWaitedError(
        `aborted by ${control.by} while user hook "${hook.name}" (${input.stage}) waited`,
      );
    }
  }
  // A Wait counts whole seconds on Step Functions' clock, not this function's: a turn within a
  // second of the retry time is on time (else a few ms of skew would cost a turn of its own).
  if (prior && now < prior.retryAt - ON_TIME_MS) {
    return {
      done: false,
      progress: { ...prior, waitSeconds: Math.max(1, Math.ceil((prior.retryAt - now) / 1000)) },
    };
  }
  const progress = { firstCalledAt: prior?.firstCalledAt ?? now, attempt: (prior?.attempt ?? 0) + 1 };
  const move = await callAndDecide(deps, hook, input, progress);
  if (move.kind === 'pass') return { done: true };
  if (move.kind === 'fail') throw new UserHookFailedError(hookFailureMessage(hook, input.stage, move.reason));
  return {
    done: false,
    progress: { stage: input.stage, ...progress, retryAt: move.retryAt, waitSeconds: move.waitSeconds },
  };
}

/**
 * The stage's hook at a Task with a wait loop of its own: null when the Task may do its work (the
 * hook passed, or there is none), else the HookWaiting to answer instead (nothing else done).
 */
export async function gateTurn(
  deps: HookDeps,
  input: StageInput,
  previous: z.output<typeof PreviousTurnSchema>,
): Promise<HookWaiting | null> {
  const turn = await gateInLoop(deps, input, progressOf(previous));
  return turn.done ? null : { hookWaiting: true, userHook: turn.progress };
}

/** A record-only stage (afterPromote, onRollback): the hook is called and its answer recorded; nothing it does changes the outcome. */
export async function tellHook(deps: HookDeps, input: StageInput): Promise<void> {
  const hook = hookAt(input.spec.hooks, input.stage);
  if (!hook) return;
  try {
    const now = deps.clock.now();
    await callAndDecide(deps, hook, input, { firstCalledAt: now, attempt: 1 });
  } catch (error) {
    deps.logger.warn('a record-only user hook could not be called', {
      deploymentId: input.deployment.id,
      hook: hook.name,
      error: error as Error,
    });
  }
}

/** The production weights of a stage where the new color has `weight` % of traffic. */
export const stageWeights = (input: StepContext, weight: number): Weights =>
  weightsFor(input.deployment.newColor, weight);
