/**
 * The CLI's client of the deploy HTTP API. Requests to AWS are SigV4-signed for `execute-api` with
 * the default credential chain (environment, shared config and SSO, container and instance roles),
 * as the API's IAM authorizer requires; a plain-http loopback URL (the local API) is sent unsigned.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

type Credentials = ConstructorParameters<typeof SignatureV4>[0]['credentials'];

export interface ApiClientOptions {
  /** Base URL of the API, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  url: string;
  /** Signing region when the URL does not name one (custom domains); else AWS_REGION. */
  region?: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Defaults to the AWS SDK's default credential chain, read only when a request is signed. */
  credentials?: Credentials;
  timeoutMs?: number;
}

export interface ApiReply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** The API answered with an error status; `body` is its `{error, message, issues?}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; issues?: { path: string; message: string }[] },
  ) {
    super(body.message ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

/** The API could not be reached (connection refused, DNS, TLS, timeout): no HTTP answer at all. */
export class ApiUnreachableError extends Error {
  override name = 'ApiUnreachableError';
}

/**
 * What stopped a fetch, as specific as Node tells it: undici's bare "fetch failed" keeps the
 * system error (ECONNREFUSED, ENOTFOUND, a certificate error) in `cause`.
 */
export function unreachableCause(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown; cause?: unknown } | null;
  if (e?.name === 'TimeoutError') return 'no answer before the timeout';
  const cause = e?.cause as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  const parts = [cause?.code, cause?.message].filter((p): p is string => typeof p === 'string' && p !== '');
  if (parts.length === 0 && typeof e?.message === 'string') parts.push(e.message);
  // The code is often repeated in the message ("connect ECONNREFUSED 127.0.0.1:9"): say it once.
  const [code, message] = parts;
  return code && message?.includes(code) ? message : parts.join(': ') || String(error);
}

/** The URL cannot be used (not http(s), plain http to a remote host, no region to sign for). */
export class ApiUsageError extends Error {
  override name = 'ApiUsageError';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The region of an execute-api hostname (`<id>.execute-api.<region>.amazonaws.com`), if it is one. */
export function regionOfUrl(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(url.hostname)?.[1];
}

export class ApiClient {
  private readonly base: URL;
  private readonly signer: SignatureV4 | null;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: ApiClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new ApiUsageError(`--api: expected the API's URL (https://...), got "${options.url}"`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new ApiUsageError(`--api: expected an http(s) URL, got "${options.url}"`);
    }
    const local = base.protocol === 'http:';
    // Credentials are never signed over plain http, where the request could be read or replayed.
    if (local && !LOOPBACK.has(base.hostname)) {
      throw new ApiUsageError(
        `--api: plain http is only for a local API on 127.0.0.1; use the API's https URL (got "${options.url}")`,
      );
    }
    this.base = base;
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (local) {
      this.signer = null;
      return;
    }
    const env = options.env ?? process.env;
    const region = regionOfUrl(base) ?? options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) {
      throw new ApiUsageError(
        `--api: cannot tell the AWS region from "${base.hostname}": pass --region or set AWS_REGION`,
      );
    }
    this.signer = new SignatureV4({
      service: 'execute-api',
      region,
      credentials: options.credentials ?? defaultProvider(),
      sha256: Hash.bind(null, 'sha256'),
    });
  }

  /** Whether requests are SigV4-signed (false for the local API). */
  get signed(): boolean {
    return this.signer !== null;
  }

  /** Sends one request; resolves for 2xx, throws ApiError with the API's error body otherwise. */
  async request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: { body?: unknown; headers?: Record<string, string>; query?: Record<string, string> } = {},
  ): Promise<ApiReply> {
    const url = new URL(this.base.href.replace(/\/+$/, '') + path);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let headers: Record<string, string> = {
      host: url.host,
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    };
    if (this.signer) {
      const signed = await this.signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body,
      });
      headers = signed.headers;
    }
    // fetch sets Host itself, to the same value that was signed.
    const { host: _host, ...sent } = headers;
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers: sent,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      // The URL without its query: the one part that could carry something the user did not mean to print.
      throw new ApiUnreachableError(
        `the deploy API at ${url.origin}${url.pathname} could not be reached (${unreachableCause(error)}${
          (error as { name?: unknown })?.name === 'TimeoutError' ? `, ${this.timeoutMs / 1000} s` : ''
        }): check --api / GREENLIGHT_API_URL and the network`,
        { cause: error },
      );
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // Not JSON (e.g. a proxy's error page): kept as text for the message.
    }
    if (!response.ok) {
      const errorBody =
        parsed && typeof parsed === 'object'
          ? (parsed as ApiError['body'])
          : { message: `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}` };
      throw new ApiError(response.status, errorBody);
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}
