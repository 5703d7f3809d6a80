/**
 * Calling the spec's user hooks from the deployment's steps. Two ways a stage waits on `wait`:
 * inside its Task (beforeLaunch, beforeStep, beforePromote: the state machine has no wait loop
 * there) within IN_TASK_WAIT_BUDGET_SECONDS, or through the state machine's own poll loop
 * (afterLaunch: WaitForNewColor → CheckNewColor; afterTestTraffic: TestTrafficWait →
 * EvaluateTestTraffic), carrying the hook's progress in the loop's state. Every call is recorded
 * in the deployment's history; a fail throws UserHookFailedError, which the Task's Catch turns
 * into a rollback with the hook named in the cause.
 */
import { z } from 'zod';
import { weightsFor, type Weights } from '../../shared/domain/colors';
import { GreenlightError } from '../../shared/domain/errors';
import {
  decideHookMove,
  hookAt,
  hookFailureMessage,
  hookTargetLabel,
  IN_TASK_WAIT_BUDGET_SECONDS,
  parseHookReply,
  type HookMove,
  type UserHook,
  type UserHookContext,
  type UserHookStage,
} from '../../shared/domain/user-hooks';
import { realSleep } from '../../shared/ports/clock';
import type { UserHooks } from '../../shared/ports/user-hooks';
import { recordEvent, type DeployDeps, type StepContext } from './context';

/** A user hook failed its stage (answered fail, garbage, timed out, or kept waiting too long). */
export class UserHookFailedError extends GreenlightError {}

/** The history event of every hook call. */
export const USER_HOOK_CALLED = 'USER_HOOK_CALLED';

export type HookDeps = Pick<DeployDeps, 'store' | 'clock' | 'logger'> & { userHooks?: UserHooks };

/** A hook's progress through a wait loop of the state machine, carried in the loop's state. */
export const HookProgressSchema = z.object({
  stage: z.string(),
  firstCalledAt: z.number(),
  attempt: z.number().int().min(1),
  retryAt: z.number(),
});
export type HookProgress = z.output<typeof HookProgressSchema>;

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
  budgetEndsAt?: number,
): Promise<HookMove> {
  const started = deps.clock.now();
  const reply = deps.userHooks
    ? await deps.userHooks.call(hook, contextFor(input, progress.attempt))
    : { ok: false as const, reason: 'no hook caller is configured' };
  const answer = parseHookReply(reply);
  const now = deps.clock.now();
  const move = decideHookMove({
    answer,
    hook,
    firstCalledAt: progress.firstCalledAt,
    now,
    ...(budgetEndsAt !== undefined ? { budgetEndsAt } : {}),
  });
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
 * The stage's hook, waited on inside this Task: returns when it passes (or there is none), throws
 * UserHookFailedError when it fails.
 */
export async function gateInTask(deps: HookDeps, input: StageInput): Promise<void> {
  const hook = hookAt(input.spec.hooks, input.stage);
  if (!hook) return;
  const firstCalledAt = deps.clock.now();
  const budgetEndsAt = firstCalledAt + IN_TASK_WAIT_BUDGET_SECONDS * 1000;
  for (let attempt = 1; ; attempt++) {
    const move = await callAndDecide(deps, hook, input, { firstCalledAt, attempt }, budgetEndsAt);
    if (move.kind === 'pass') return;
    if (move.kind === 'fail')
      throw new UserHookFailedError(hookFailureMessage(hook, input.stage, move.reason));
    const ms = Math.max(0, move.retryAt - deps.clock.now());
    await (deps.clock.sleep ? deps.clock.sleep(ms) : realSleep(ms));
  }
}

/**
 * The stage's hook, once per turn of a state machine wait loop: `done` when it passed (or there is
 * none), else the progress to carry to the next turn; throws UserHookFailedError when it fails. A
 * turn that comes before the hook's retry time does not call it again.
 */
export async function gateInLoop(
  deps: HookDeps,
  input: StageInput,
  previous: HookProgress | undefined,
): Promise<{ done: true } | { done: false; progress: HookProgress }> {
  const hook = hookAt(input.spec.hooks, input.stage);
  if (!hook) return { done: true };
  const now = deps.clock.now();
  const prior = previous?.stage === input.stage ? previous : undefined;
  if (prior && now < prior.retryAt) return { done: false, progress: prior };
  const progress = { firstCalledAt: prior?.firstCalledAt ?? now, attempt: (prior?.attempt ?? 0) + 1 };
  const move = await callAndDecide(deps, hook, input, progress);
  if (move.kind === 'pass') return { done: true };
  if (move.kind === 'fail') throw new UserHookFailedError(hookFailureMessage(hook, input.stage, move.reason));
  return { done: false, progress: { stage: input.stage, ...progress, retryAt: move.retryAt } };
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
