/**
 * The UserHooks port for webhooks: POST the context as JSON, read at most 64 KB of the answer, all
 * within the hook's timeout (one AbortSignal for headers and body, so a webhook that stalls
 * mid-body times out too). The same adapter serves AWS and the rehearsal; only the rehearsal
 * allows plain http (to 127.0.0.1). Nothing here logs or returns the URL beyond its origin: paths
 * and query strings of webhooks often carry tokens.
 */
import { hookTargetLabel, type UserHook, type UserHookContext } from '../domain/user-hooks';
import type { UserHookReply, UserHooks } from '../ports/user-hooks';
import { describeFetchError } from './http-probe';

const MAX_ANSWER_BYTES = 64 * 1024;

export interface WebhookUserHooksOptions {
  /** The rehearsal's local hook servers speak plain http on 127.0.0.1; on AWS only https is called. */
  allowLoopbackHttp?: boolean;
  fetch?: typeof fetch;
  userAgent?: string;
}

export class WebhookUserHooks implements UserHooks {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: WebhookUserHooksOptions = {}) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async call(hook: UserHook, context: UserHookContext): Promise<UserHookReply> {
    if (!hook.url) return { ok: false, reason: 'no url to call' };
    const url = new URL(hook.url);
    if (url.protocol !== 'https:' && !(this.options.allowLoopbackHttp && url.hostname === '127.0.0.1')) {
      return { ok: false, reason: `refused to call ${hookTargetLabel(hook)}: only https:// is called` };
    }
    const timeoutMs = hook.timeoutSeconds * 1000;
    try {
      const response = await this.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': this.options.userAgent ?? 'greenlight-hook',
        },
        body: JSON.stringify(context),
        // A redirect could lead off to a host nobody named in the spec.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await readLimited(response);
      if (response.status < 200 || response.status > 299) {
        return { ok: false, reason: `${hookTargetLabel(hook)} answered HTTP ${response.status}` };
      }
      if (text === null) return { ok: false, reason: `answer longer than ${MAX_ANSWER_BYTES} bytes` };
      try {
        return { ok: true, body: JSON.parse(text) as unknown };
      } catch {
        return { ok: false, reason: 'answer is not JSON' };
      }
    } catch (error) {
      return { ok: false, reason: `${hookTargetLabel(hook)}: ${describeFetchError(error, timeoutMs)}` };
    }
  }
}

/** The body as text, or null past MAX_ANSWER_BYTES (read no further: the answer is refused anyway). */
async function readLimited(response: Response): Promise<string | null> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      await response.body.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
