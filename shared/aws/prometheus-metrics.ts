/**
 * The Metrics port on PromQL (`gate.metrics.source: prometheus`): a Prometheus server's HTTP API,
 * or Amazon Managed Service for Prometheus with SigV4 (service `aps`, action aps:QueryMetrics).
 *
 * Requests are POSTs with a form body (both APIs accept it): the signature then covers the body's
 * hash, and no query-string canonicalisation can differ between signer and server.
 */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import { COLORS, type Color } from '../domain/colors';
import { GreenlightError, InvalidInputError, ThrottlingError } from '../domain/errors';
import {
  fillTemplate,
  periodStart,
  publishedUntil,
  queriesFor,
  type GateMetrics,
  type MetricsModel,
  type PrometheusSource,
  type PublishedWindow,
} from '../domain/gate';
import type { TrafficMetrics } from '../ports/metrics';

/** Prometheus answered with an error, or with data we cannot use. */
export class PrometheusMetricsError extends GreenlightError {}

type Fetch = typeof fetch;

export interface PrometheusMetricsOptions {
  /** AWS credentials for SigV4 (sources with `sigv4`); the Lambda role's by default. */
  credentials?: Provider<AwsCredentialIdentity>;
  fetch?: Fetch;
  /** Per request. */
  timeoutMs?: number;
  /** The signing clock (tests). */
  now?: () => number;
}

interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** The adapter of the `prometheus` source. */
export class PrometheusMetrics implements TrafficMetrics {
  private readonly fetch: Fetch;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private credentials: Provider<AwsCredentialIdentity> | undefined;
  private readonly signers = new Map<string, SignatureV4>();

  constructor(options: PrometheusMetricsOptions = {}) {
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.credentials = options.credentials;
  }

  /**
   * Each color's traffic from `fromMs` (floored to the scrape interval, the source's period) to
   * the end of the last period published at `nowMs`. First a range query of requests per period
   * (`{{range}}` = one period, step = one period) finds the last period with requests: a scrape
   * that has not happened yet and a quiet period look the same, and both make the data end there
   * (the verdict waits; never a pass on missing data). Then instant queries at that end, with
   * `{{range}}` = the window, give the window's requests, errors and latency. An empty result is
   * no traffic (0 requests, null latency): inconclusive.
   */
  async sample(
    targetGroups: Record<Color, string>,
    fromMs: number,
    nowMs: number,
    model?: MetricsModel,
    source?: GateMetrics,
  ): Promise<Record<Color, PublishedWindow>> {
    if (source?.source !== 'prometheus') {
      throw new InvalidInputError('PrometheusMetrics reads gate.metrics with source prometheus', [
        { path: 'gate.metrics.source', message: `expected prometheus, got ${source?.source ?? 'none'}` },
      ]);
    }
    const period = source.periodSeconds;
    const delay = model?.publishDelaySeconds ?? source.publishDelaySeconds;
    const start = periodStart(fromMs, period);
    const end = publishedUntil(fromMs, nowMs, { periodSeconds: period, publishDelaySeconds: delay });
    const entries = await Promise.all(
      COLORS.map(
        async (color) => [color, await this.window(source, color, targetGroups[color], start, end)] as const,
      ),
    );
    return Object.fromEntries(entries) as Record<Color, PublishedWindow>;
  }

  private async window(
    source: PrometheusSource,
    color: Color,
    targetGroup: string,
    start: number,
    end: number,
  ): Promise<PublishedWindow> {
    const period = source.periodSeconds;
    const none: PublishedWindow = {
      requests: 0,
      errors: 0,
      p50Ms: null,
      p99Ms: null,
      from: start,
      until: start,
      periodSeconds: period,
    };
    if (end <= start) return none;
    const set = queriesFor(source, color);
    const perPeriod = await this.call(source, 'query_range', {
      query: fillTemplate(set.requests, { color, targetGroup, rangeSeconds: period }),
      start: seconds(start + period * 1000),
      end: seconds(end),
      step: `${period}s`,
    });
    // The point at t covers the period ending at t.
    const withRequests = perPeriod
      .flatMap((series) => series.values ?? [])
      .filter(([, value]) => Number(value) > 0)
      .map(([at]) => at * 1000);
    if (withRequests.length === 0) return none;
    const until = Math.min(end, Math.max(...withRequests));
    const context = { color, targetGroup, rangeSeconds: Math.round((until - start) / 1000) };
    const instant = (template: string) =>
      this.call(source, 'query', { query: fillTemplate(template, context), time: seconds(until) });
    const [requests, errors, p99, p50] = await Promise.all([
      instant(set.requests),
      instant(set.errors),
      instant(set.p99),
      set.p50 === undefined ? Promise.resolve([]) : instant(set.p50),
    ]);
    const scale = source.latencyUnit === 'seconds' ? 1000 : 1;
    return {
      requests: Math.round(total(requests)),
      errors: Math.round(total(errors)),
      p99Ms: worst(p99, scale),
      p50Ms: worst(p50, scale),
      from: start,
      until,
      periodSeconds: period,
    };
  }

  private async call(
    source: PrometheusSource,
    endpoint: 'query' | 'query_range',
    params: Record<string, string>,
  ): Promise<Sample[]> {
    const url = new URL(`${source.url.replace(/\/+$/, '')}/api/v1/${endpoint}`);
    const body = new URLSearchParams(params).toString();
    let headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (source.sigv4) headers = await this.sign(source.sigv4.region, url, headers, body);
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ThrottlingError(
        `Prometheus ${endpoint}: ${url.host} did not answer (${(error as Error).message})`,
        {
          cause: error,
        },
      );
    }
    const text = await response.text();
    let parsed: {
      status?: string;
      errorType?: string;
      error?: string;
      data?: { resultType?: string; result?: unknown };
    };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = {};
    }
    if (response.status === 429 || response.status === 503 || response.status >= 500) {
      throw new ThrottlingError(
        `Prometheus ${endpoint}: HTTP ${response.status} ${parsed.error ?? ''}`.trim(),
      );
    }
    if (!response.ok || parsed.status !== 'success') {
      // The query is the user's: saying what Prometheus said about it is the useful message.
      throw new PrometheusMetricsError(
        `Prometheus ${endpoint}: HTTP ${response.status} ${parsed.errorType ?? ''} ${parsed.error ?? text.slice(0, 200)} (query ${params.query})`.trim(),
      );
    }
    const result = parsed.data?.result;
    const type = parsed.data?.resultType;
    if (type === 'scalar' && Array.isArray(result)) {
      return [{ metric: {}, value: result as [number, string] }];
    }
    if ((type !== 'vector' && type !== 'matrix') || !Array.isArray(result)) {
      throw new PrometheusMetricsError(
        `Prometheus ${endpoint}: expected a vector or matrix, got ${type ?? 'nothing'} (query ${params.query})`,
      );
    }
    return result as Sample[];
  }

  private async sign(
    region: string,
    url: URL,
    headers: Record<string, string>,
    body: string,
  ): Promise<Record<string, string>> {
    let signer = this.signers.get(region);
    if (!signer) {
      if (!this.credentials) {
        // Loaded on first use only: a server without SigV4 never needs the AWS credential chain.
        const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
        this.credentials = defaultProvider();
      }
      signer = new SignatureV4({
        service: 'aps',
        region,
        credentials: this.credentials,
        sha256: Hash.bind(null, 'sha256'),
      });
      this.signers.set(region, signer);
    }
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: {},
        headers: { ...headers, host: url.host },
        body,
      },
      { signingDate: new Date(this.now()) },
    );
    // fetch sets Host itself from the URL (the same value that was signed).
    const { host: _host, ...rest } = signed.headers;
    return rest;
  }
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** Sum over every series of an instant vector (an unaggregated query still counts all of it). */
function total(samples: Sample[]): number {
  return samples.reduce((sum, s) => {
    const value = Number(s.value?.[1]);
    return Number.isFinite(value) ? sum + value : sum;
  }, 0);
}

/** The worst (highest) latency of the series; NaN (histogram_quantile without data) is none. */
function worst(samples: Sample[], scale: number): number | null {
  const values = samples.map((s) => Number(s.value?.[1])).filter((v) => Number.isFinite(v));
  return values.length === 0 ? null : Math.max(...values) * scale;
}
