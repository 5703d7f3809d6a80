/** The UserHooks port over both kinds of hook: a functionArn goes to Lambda, a url to the webhook adapter. */
import type { UserHook, UserHookContext } from '../domain/user-hooks';
import type { UserHookReply, UserHooks } from '../ports/user-hooks';

export class UserHooksByTarget implements UserHooks {
  constructor(private readonly targets: { lambda: UserHooks | null; webhook: UserHooks }) {}

  call(hook: UserHook, context: UserHookContext): Promise<UserHookReply> {
    if (hook.functionArn) {
      if (!this.targets.lambda) {
        return Promise.resolve({ ok: false, reason: 'Lambda hooks are not available here (webhooks only)' });
      }
      return this.targets.lambda.call(hook, context);
    }
    return this.targets.webhook.call(hook, context);
  }
}
