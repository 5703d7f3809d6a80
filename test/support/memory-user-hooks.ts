/**
 * User hooks in memory (simulated: no function, no server): each stage answers from a script, and
 * every call is kept with its context, so a test sees what a hook was told and when.
 */
import type { UserHook, UserHookContext, UserHookReply, UserHookStage } from '../../shared/domain/user-hooks';
import type { UserHooks } from '../../shared/ports/user-hooks';

export class MemoryUserHooks implements UserHooks {
  readonly calls: { hook: string; context: UserHookContext }[] = [];

  /** Per stage, the replies in order; the last one repeats. */
  constructor(private readonly script: Partial<Record<UserHookStage, UserHookReply[]>> = {}) {}

  async call(hook: UserHook, context: UserHookContext): Promise<UserHookReply> {
    this.calls.push({ hook: hook.name, context });
    const replies = this.script[context.stage] ?? [{ ok: true, body: { result: 'pass' } }];
    const made = this.calls.filter((c) => c.context.stage === context.stage).length;
    return replies[Math.min(made, replies.length) - 1]!;
  }

  stagesCalled(): UserHookStage[] {
    return this.calls.map((c) => c.context.stage);
  }
}

export const answer = (body: unknown): UserHookReply => ({ ok: true, body });
