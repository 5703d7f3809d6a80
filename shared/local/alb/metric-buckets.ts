/**
 * Per-target-group traffic figures of the local ALB at 1-s resolution (CloudWatch publishes the
 * real ALB's once a minute): requests, 5xx and every latency, bucketed by second, kept 30 minutes
 * by default. Each answer is counted with its origin, so the figures can also be read the way
 * CloudWatch attributes them (per target group or per load balancer only).
 */
import type { TrafficWindow } from '../../domain/gate';

const BUCKET_MS = 1000;
export const DEFAULT_RETENTION_MS = 30 * 60 * 1000;

/**
 * Who produced an answer, which decides where CloudWatch counts it:
 * - `target`: the target's own response (a 5xx is HTTPCode_Target_5XX_Count, per target group);
 * - `connection`: no connection to the target could be opened, the balancer answered 502
 *   (TargetConnectionErrorCount, per target group);
 * - `load-balancer`: a target was chosen, then reset, cut the response short (502) or timed out
 *   (504): HTTPCode_ELB_502/504_Count, per load balancer only; still a request of the target group;
 * - `no-target`: the target group had no healthy target, the balancer answered 503
 *   (HTTPCode_ELB_503_Count, per load balancer only; no target chosen, so no RequestCount either).
 */
export type ResponseOrigin = 'target' | 'connection' | 'load-balancer' | 'no-target';

/** How a window is counted: every answer (the proxy's view) or as CloudWatch attributes them. */
export type WindowView = 'proxy' | 'cloudwatch';

interface Bucket {
  requests: number;
  errors: number;
  /** 5xx the balancer produced itself after choosing a target (origin `load-balancer`). */
  loadBalancerErrors: number;
  /** 503s with no healthy target (origin `no-target`): requests and errors both. */
  noTarget: number;
  /** The balancer's own 5xx (both origins above) by status, as CloudWatch's HTTPCode_ELB_50x_Count. */
  loadBalancerStatuses: Record<string, number>;
  latencies: number[];
  noTargetLatencies: number[];
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1] ?? null;
}

/** One target group's answered requests in 1-s buckets, plus lifetime totals. */
export class MetricBuckets {
  private readonly buckets = new Map<number, Bucket>();
  private readonly lifetime = { requests: 0, errors: 0 };

  /** `retentionMs`: how long buckets are kept, in the time of the `at` values recorded. */
  constructor(private readonly retentionMs: number = DEFAULT_RETENTION_MS) {}

  /** Counts one answered request at `at` (epoch ms); a status of 500 or more is an error. */
  record(status: number, latencyMs: number, at: number, origin: ResponseOrigin = 'target'): void {
    const start = Math.floor(at / BUCKET_MS) * BUCKET_MS;
    let bucket = this.buckets.get(start);
    if (!bucket) {
      bucket = {
        requests: 0,
        errors: 0,
        loadBalancerErrors: 0,
        noTarget: 0,
        loadBalancerStatuses: {},
        latencies: [],
        noTargetLatencies: [],
      };
      this.buckets.set(start, bucket);
      this.prune(at);
    }
    const error = status >= 500;
    bucket.requests += 1;
    if (origin === 'no-target') {
      bucket.noTarget += 1;
      bucket.noTargetLatencies.push(latencyMs);
    } else bucket.latencies.push(latencyMs);
    if (origin === 'load-balancer' && error) bucket.loadBalancerErrors += 1;
    if ((origin === 'load-balancer' || origin === 'no-target') && error) {
      bucket.loadBalancerStatuses[status] = (bucket.loadBalancerStatuses[status] ?? 0) + 1;
    }
    this.lifetime.requests += 1;
    if (error) {
      bucket.errors += 1;
      this.lifetime.errors += 1;
    }
  }

  /**
   * Requests, errors and exact latency percentiles over all buckets overlapping [fromMs, toMs).
   * The `cloudwatch` view leaves out what CloudWatch has only per load balancer: the balancer's
   * own 502/504 are no error of the target group, its 503s without a target no request of it.
   */
  window(fromMs: number, toMs: number, now: number, view: WindowView = 'proxy'): TrafficWindow {
    this.prune(now);
    let requests = 0;
    let errors = 0;
    const latencies: number[] = [];
    for (const [, bucket] of this.overlapping(fromMs, toMs)) {
      if (view === 'proxy') {
        requests += bucket.requests;
        errors += bucket.errors;
        for (const l of bucket.noTargetLatencies) latencies.push(l);
      } else {
        requests += bucket.requests - bucket.noTarget;
        errors += bucket.errors - bucket.noTarget - bucket.loadBalancerErrors;
      }
      for (const l of bucket.latencies) latencies.push(l);
    }
    latencies.sort((a, b) => a - b);
    return { requests, errors, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
  }

  /** 5xx the balancer produced itself (origins `load-balancer` and `no-target`) in [fromMs, toMs). */
  loadBalancerErrors(fromMs: number, toMs: number, now: number): number {
    this.prune(now);
    let errors = 0;
    for (const [, bucket] of this.overlapping(fromMs, toMs))
      errors += bucket.loadBalancerErrors + bucket.noTarget;
    return errors;
  }

  /** The balancer's own 5xx in [fromMs, toMs) by status ("502", "503", "504"...). */
  loadBalancerErrorsByStatus(fromMs: number, toMs: number, now: number): Record<string, number> {
    this.prune(now);
    const counts: Record<string, number> = {};
    for (const [, bucket] of this.overlapping(fromMs, toMs)) {
      for (const [status, n] of Object.entries(bucket.loadBalancerStatuses))
        counts[status] = (counts[status] ?? 0) + n;
    }
    return counts;
  }

  /** Lifetime request and error counts. */
  totals(): { requests: number; errors: number } {
    return { ...this.lifetime };
  }

  private *overlapping(fromMs: number, toMs: number): Generator<[number, Bucket]> {
    for (const entry of this.buckets) {
      if (entry[0] < toMs && entry[0] + BUCKET_MS > fromMs) yield entry;
    }
  }

  /** Forgets buckets older than the retention, so memory stays bounded on long rehearsals. */
  private prune(at: number): void {
    for (const key of this.buckets.keys())
      if (key + BUCKET_MS <= at - this.retentionMs) this.buckets.delete(key);
  }
}
