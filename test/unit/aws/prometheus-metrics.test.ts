import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusMetrics, PrometheusMetricsError } from '../../../shared/aws/prometheus-metrics';
import { ThrottlingError } from '../../../shared/domain/errors';
import { PrometheusSourceSchema, type GateMetrics } from '../../../shared/domain/gate';

interface Received {
  method: string;
  path: string;
  params: Record<string, string>;
  headers: http.IncomingHttpHeaders;
}

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const S = 1000;
const targetGroups = { blue: 'web-blue-tg', green: 'web-green-tg' };
let server: http.Server;
let url: string;
let received: Received[] = [];
let answer: (r: Received) => { status: number; body: unknown } = () => ({ status: 500, body: {} });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        params: Object.fromEntries(new URLSearchParams(body)),
        headers: req.headers,
      };
      received.push(r);
      const { status, body: out } = answer(r);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/workspaces/ws-1234`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => (received = []));

const source = (extra: object = {}): GateMetrics =>
  PrometheusSourceSchema.parse({
    source: 'prometheus',
    url,
    periodSeconds: 5,
    publishDelaySeconds: 10,
    queries: {
      requests: 'sum(increase(http_requests_total{color="{{color}}"}[{{range}}]))',
      errors: 'sum(increase(http_requests_total{color="{{color}}",code=~"5.."}[{{range}}]))',
      p99: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{color="{{color}}"}[{{range}}])))',
    },
    ...extra,
  });

const vector = (value: string) => ({
  status: 'success',
  data: { resultType: 'vector', result: [{ metric: {}, value: [0, value] }] },
});

/** blue has requests in every period up to T0+30 s; green only up to T0+20 s. */
function fakePrometheus(r: Received) {
  const color = /color="(\w+)"/.exec(r.params.query ?? '')?.[1];
  if (r.path.endsWith('/query_range')) {
    const last = color === 'blue' ? 30 : 20;
    const values: [number, string][] = [];
    for (let t = Number(r.params.start); t <= Number(r.params.end); t += 5) {
      values.push([t, t <= T0 / 1000 + last ? '12' : '0']);
    }
    return {
      status: 200,
      body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } },
    };
  }
  const q = r.params.query ?? '';
  if (q.startsWith('histogram_quantile'))
    return { status: 200, body: vector(color === 'green' ? '0.2' : 'NaN') };
  if (q.includes('code=~')) return { status: 200, body: vector(color === 'green' ? '3' : '0') };
  return { status: 200, body: vector(color === 'green' ? '47.6' : '72') };
}

describe('PrometheusMetrics', () => {
  it('finds the end of published data per period, then asks for the window at that end', async () => {
    answer = fakePrometheus;
    const metrics = new PrometheusMetrics();

    // from T0+2 s, now T0+42 s, delay 10 s → published until T0+30 s.
    const windows = await metrics.sample(targetGroups, T0 + 2 * S, T0 + 42 * S, undefined, source());

    const green = received.filter((r) => r.params.query?.includes('"green"'));
    // The range query comes first; the instant queries go out together, in any order.
    const sorted = <T>(list: T[]) =>
      [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(green[0]?.path).toBe('/workspaces/ws-1234/api/v1/query_range');
    expect(sorted(green.map((r) => [r.method, r.path, r.params]))).toEqual(
      sorted([
        [
          'POST',
          '/workspaces/ws-1234/api/v1/query_range',
          {
            query: 'sum(increase(http_requests_total{color="green"}[5s]))',
            start: (T0 / 1000 + 5).toFixed(3),
            end: (T0 / 1000 + 30).toFixed(3),
            step: '5s',
          },
        ],
        ...[
          'sum(increase(http_requests_total{color="green"}[20s]))',
          'sum(increase(http_requests_total{color="green",code=~"5.."}[20s]))',
          'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{color="green"}[20s])))',
        ].map((query) => [
          'POST',
          '/workspaces/ws-1234/api/v1/query',
          { query, time: (T0 / 1000 + 20).toFixed(3) },
        ]),
      ]),
    );
    expect(green[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(green[0]?.headers.authorization).toBeUndefined();
    expect(windows.green).toEqual({
      requests: 48,
      errors: 3,
      p50Ms: null,
      p99Ms: 200,
      from: T0,
      until: T0 + 20 * S,
      periodSeconds: 5,
    });
    // NaN (no latency samples) is no latency, never a figure.
    expect(windows.blue).toMatchObject({ requests: 72, errors: 0, p99Ms: null, until: T0 + 30 * S });
  });

  it('treats an empty result (not scraped yet) as no published data', async () => {
    answer = (r) =>
      r.path.endsWith('/query_range')
        ? { status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } } }
        : { status: 200, body: vector('99') };
    const windows = await new PrometheusMetrics().sample(targetGroups, T0, T0 + 42 * S, undefined, source());
    expect(windows.green).toEqual({
      requests: 0,
      errors: 0,
      p50Ms: null,
      p99Ms: null,
      from: T0,
      until: T0,
      periodSeconds: 5,
    });
    // No instant query once the range query says nothing is there.
    expect(received.every((r) => r.path.endsWith('/query_range'))).toBe(true);
  });

  it('signs with SigV4 for service aps in the workspace region', async () => {
    answer = fakePrometheus;
    const metrics = new PrometheusMetrics({
      credentials: async () => ({
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      }),
      now: () => T0,
    });
    await metrics.sample(
      targetGroups,
      T0,
      T0 + 42 * S,
      undefined,
      source({ sigv4: { region: 'eu-west-1' } }),
    );
    const first = received[0]!;
    expect(first.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260101\/eu-west-1\/aps\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    const signed = /SignedHeaders=([^,]+)/.exec(first.headers.authorization ?? '')?.[1]?.split(';');
    expect(signed).toEqual(
      expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-security-token']),
    );
    expect(first.headers['x-amz-date']).toBe('20260101T120000Z');
    expect(first.headers['x-amz-security-token']).toBe('token');
    // The body's hash is signed: a different query means a different signature.
    const signatures = new Set(
      received.map((r) => /Signature=(\w+)/.exec(r.headers.authorization ?? '')?.[1]),
    );
    expect(signatures.size).toBe(received.length);
  });

  it('runs each color its own query set (perColor), p50 included', async () => {
    answer = (r) =>
      r.path.endsWith('/query_range')
        ? {
            status: 200,
            body: {
              status: 'success',
              data: { resultType: 'matrix', result: [{ metric: {}, values: [[T0 / 1000 + 5, '3']] }] },
            },
          }
        : { status: 200, body: vector('0.004') };
    const set = (job: string) => ({
      requests: `sum(increase(req{job="${job}"}[{{range}}]))`,
      errors: `sum(increase(err{job="${job}"}[{{range}}]))`,
      p99: `p99{job="${job}"}`,
      p50: `p50{job="${job}"}`,
    });
    const perColor = source({ queries: undefined, perColor: { blue: set('web-a'), green: set('web-b') } });
    const windows = await new PrometheusMetrics().sample(targetGroups, T0, T0 + 42 * S, undefined, perColor);
    const green = received.filter((r) => r.params.query?.includes('web-b')).map((r) => r.params.query);
    expect(green.sort()).toEqual([
      'p50{job="web-b"}',
      'p99{job="web-b"}',
      'sum(increase(err{job="web-b"}[5s]))',
      'sum(increase(req{job="web-b"}[5s]))',
      'sum(increase(req{job="web-b"}[5s]))',
    ]);
    expect(windows.green).toMatchObject({ p50Ms: 4, p99Ms: 4, until: T0 + 5 * S });
  });

  it('reports a bad query with what Prometheus said, and overload as retryable', async () => {
    answer = () => ({
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' },
    });
    // Both colors ask at once: whichever answer comes first is the error.
    const failure = new PrometheusMetrics().sample(targetGroups, T0, T0 + 42 * S, undefined, source());
    await expect(failure).rejects.toThrow(PrometheusMetricsError);
    await expect(failure).rejects.toThrow(
      /^Prometheus query_range: HTTP 400 bad_data parse error at char 5 \(query sum\(increase\(http_requests_total\{color="(blue|green)"\}\[5s\]\)\)\)$/,
    );
    answer = () => ({ status: 503, body: {} });
    await expect(
      new PrometheusMetrics().sample(targetGroups, T0, T0 + 42 * S, undefined, source()),
    ).rejects.toThrow(ThrottlingError);
  });
});
