/** Calls a user hook (a Lambda function or a webhook) with a deployment's context. */
import type { UserHook, UserHookContext, UserHookReply } from '../domain/user-hooks';

export type { UserHookReply };

export interface UserHooks {
  /**
   * Calls `hook` once with `context`, within `hook.timeoutSeconds`. Whatever goes wrong (timeout,
   * refused connection, HTTP error, function error, unreadable body) is a reply with a reason,
   * never a thrown error: the caller fails the stage with it.
   */
  call(hook: UserHook, context: UserHookContext): Promise<UserHookReply>;
}
