/**
 * Per-target-group traffic figures of the local ALB at 1-s resolution (CloudWatch publishes the
 * real ALB's once a minute): requests, 5xx and every latency, bucketed by second, kept 30 minutes.
 */
import type { TrafficWindow } from '../../domain/gate';

const BUCKET_MS = 1000;
const RETENTION_MS = 30 * 60 * 1000;

interface Bucket {
  requests: number;
  errors: number;
  latencies: number[];
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

  /** Counts one answered request at `at` (epoch ms); a status of 500 or more is an error. */
  record(status: number, latencyMs: number, at: number): void {
    const start = Math.floor(at / BUCKET_MS) * BUCKET_MS;
    let bucket = this.buckets.get(start);
    if (!bucket) {
      bucket = { requests: 0, errors: 0, latencies: [] };
      this.buckets.set(start, bucket);
      this.prune(at);
    }
    const error = status >= 500;
    bucket.requests += 1;
    bucket.latencies.push(latencyMs);
    this.lifetime.requests += 1;
    if (error) {
      bucket.errors += 1;
      this.lifetime.errors += 1;
    }
  }

  /** Requests, errors and exact latency percentiles over all buckets overlapping [fromMs, toMs). */
  window(fromMs: number, toMs: number, now: number): TrafficWindow {
    this.prune(now);
    let requests = 0;
    let errors = 0;
    const latencies: number[] = [];
    for (const [start, bucket] of this.buckets) {
      if (start < toMs && start + BUCKET_MS > fromMs) {
        requests += bucket.requests;
        errors += bucket.errors;
        for (const l of bucket.latencies) latencies.push(l);
      }
    }
    latencies.sort((a, b) => a - b);
    return { requests, errors, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
  }

  /** Lifetime request and error counts. */
  totals(): { requests: number; errors: number } {
    return { ...this.lifetime };
  }

  /** Forgets buckets older than the retention, so memory stays bounded on long rehearsals. */
  private prune(at: number): void {
    for (const key of this.buckets.keys()) if (key + BUCKET_MS <= at - RETENTION_MS) this.buckets.delete(key);
  }
}
