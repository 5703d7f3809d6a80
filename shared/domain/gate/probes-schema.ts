/** Synthetic HTTP probes' settings, as users write them in the spec. */
import { z } from 'zod';

/** Longest a round of probes may take, so one fits in an evaluation (its Lambda times out at 30 s). */
export const MAX_PROBE_ROUND_MS = 20_000;

/** Synthetic HTTP probes: requests Greenlight sends itself, judged on status, body and latency. */
export const ProbesSchema = z
  .object({
    /** What to request, e.g. the test listener's address and a path (`http://...:8443/health/deep`). */
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).max(2048),
    /** Statuses that count as a passing probe. */
    expectStatus: z.array(z.number().int().min(100).max(599)).min(1).max(20).default([200]),
    /** Text the response body must contain (first 64 KiB). */
    bodyContains: z.string().min(1).max(1024).optional(),
    /** Slowest passing response, headers and body. */
    maxLatencyMs: z.number().int().min(1).max(60_000).default(2000),
    /** Probes per evaluation; fewer results than this is inconclusive. */
    requests: z.number().int().min(1).max(100).default(10),
    /** Probes in flight at once. */
    concurrency: z.number().int().min(1).max(10).default(2),
    /** Time allowed to each probe before it counts as failed. */
    timeoutMs: z.number().int().min(100).max(MAX_PROBE_ROUND_MS).default(3000),
    /** Failed probes an evaluation tolerates before it fails. */
    maxFailures: z.number().int().min(0).max(99).default(0),
  })
  .strict()
  .superRefine((probes, ctx) => {
    const roundMs = Math.ceil(probes.requests / probes.concurrency) * probes.timeoutMs;
    if (roundMs > MAX_PROBE_ROUND_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeoutMs'],
        message: `a round of probes must fit in ${MAX_PROBE_ROUND_MS} ms, got ceil(${probes.requests} requests / ${probes.concurrency} concurrency) × ${probes.timeoutMs} ms = ${roundMs} ms: lower requests or timeoutMs, or raise concurrency`,
      });
    }
    if (probes.maxFailures >= probes.requests) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxFailures'],
        message: `must be less than requests (${probes.requests}), or no probe could ever fail an evaluation`,
      });
    }
  });
export type ProbesConfig = z.output<typeof ProbesSchema>;
