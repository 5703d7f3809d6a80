/**
 * The Probe port over Node's global fetch: the production adapter (run inside the evaluating
 * Lambda functions) and, as is, the rehearsal's (against the local proxy's test listener).
 *
 * On AWS the probing functions (evaluate, evaluate-test-traffic) must be able to reach the URL:
 * an internet-facing test listener works as is; an internal ALB (or a green target's private IP)
 * needs the functions attached to the VPC, in subnets and a security group the listener accepts.
 */
import { performance } from 'node:perf_hooks';
import type { ProbeResult } from '../domain/gate';
import type { ProbesConfig } from '../domain/gate';
import type { Probe } from '../ports/probe';

/** Bodies are read to the end (latency covers them) but only this much is kept for `bodyContains`. */
const MAX_BODY_BYTES = 64 * 1024;

export interface HttpProbeOptions {
  /** Sent with every probe, so access logs can tell probes from users. */
  userAgent?: string;
  fetch?: typeof fetch;
}

export class HttpProbe implements Probe {
  private readonly userAgent: string;
  private readonly fetch: typeof fetch;

  constructor(options: HttpProbeOptions = {}) {
    this.userAgent = options.userAgent ?? 'greenlight-probe';
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** `config.requests` probes through a pool of `config.concurrency` workers; never throws per probe. */
  async run(config: ProbesConfig): Promise<ProbeResult[]> {
    const results: ProbeResult[] = new Array<ProbeResult>(config.requests);
    let next = 0;
    const worker = async () => {
      while (next < config.requests) {
        const index = next++;
        results[index] = await this.once(config);
      }
    };
    const workers = Math.min(config.concurrency, config.requests);
    await Promise.all(Array.from({ length: workers }, worker));
    return results;
  }

  private async once(config: ProbesConfig): Promise<ProbeResult> {
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    try {
      // One signal for headers and body: a target that stalls mid-body times out too.
      const response = await this.fetch(config.url, {
        method: 'GET',
        headers: { 'user-agent': this.userAgent, accept: '*/*' },
        // The status the listener answers is what is judged: a redirect is not followed.
        redirect: 'manual',
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      const body = await readBody(response, config.bodyContains !== undefined);
      return {
        status: response.status,
        latencyMs: elapsed(),
        ...(body !== null ? { body } : {}),
      };
    } catch (error) {
      return { status: null, latencyMs: elapsed(), error: describeFetchError(error, config.timeoutMs) };
    }
  }
}

/** Reads the body to its end; returns its first MAX_BODY_BYTES as text when `keep`, else null. */
async function readBody(response: Response, keep: boolean): Promise<string | null> {
  if (!response.body) return keep ? '' : null;
  const kept: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    if (keep && size < MAX_BODY_BYTES) {
      const part = chunk.subarray(0, MAX_BODY_BYTES - size);
      kept.push(part);
      size += part.length;
    }
  }
  return keep ? Buffer.concat(kept).toString('utf8') : null;
}

/** A short reason: `timeout after 3000 ms`, `ECONNREFUSED`, `ENOTFOUND`, or the message. */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  if (e?.cause?.code) return e.cause.code;
  return e?.cause?.message ?? e?.message ?? String(error);
}
