import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpProbe } from '../../shared/aws/http-probe';
import { judgeProbes } from '../../shared/domain/gate';
import { ProbesSchema, type ProbesConfig } from '../../shared/domain/gate';

/** A real HTTP server on 127.0.0.1 whose answer per path a test chooses; it counts requests in flight. */
class TestServer {
  inFlight = 0;
  maxInFlight = 0;
  requests = 0;
  userAgents = new Set<string>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.userAgents.add(String(req.headers['user-agent']));
    res.on('close', () => (this.inFlight -= 1));
    const n = this.requests;
    const reply = (status: number, body: string, delayMs = 20): void => {
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body);
      }, delayMs);
    };
    switch (req.url) {
      case '/ok':
        return reply(200, '{"status":"ok","version":"v2"}');
      case '/every-fifth-fails':
        return reply(n % 5 === 0 ? 503 : 200, 'hello');
      case '/slow':
        return reply(200, 'late', 400);
      case '/redirect':
        res.writeHead(302, { location: '/ok' });
        return void res.end();
      case '/stalls-mid-body':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.write('partial');
      default:
        return reply(404, 'not found');
    }
  }
}

const config = (url: string, overrides: Partial<ProbesConfig> = {}): ProbesConfig =>
  ProbesSchema.parse({ url, ...overrides });

describe('HttpProbe (fetch against a real local server)', () => {
  let server: TestServer;
  const probe = new HttpProbe();

  beforeEach(async () => {
    server = await new TestServer().start();
  });

  afterEach(() => server.stop());

  it('returns one result per request with status, latency and, when asked, the body', async () => {
    const probes = config(`${server.url}/ok`, { requests: 4, bodyContains: '"version":"v2"' });

    const results = await probe.run(probes);

    expect(results).toHaveLength(4);
    for (const result of results) {
      expect(result).toMatchObject({ status: 200, body: '{"status":"ok","version":"v2"}' });
      expect(result.latencyMs).toBeGreaterThanOrEqual(15);
    }
    expect(judgeProbes(probes, results).verdict).toBe('pass');
    expect(server.userAgents).toEqual(new Set(['greenlight-probe']));
  });

  it('keeps at most `concurrency` probes in flight', async () => {
    const results = await probe.run(config(`${server.url}/ok`, { requests: 12, concurrency: 3 }));

    expect(results).toHaveLength(12);
    expect(server.requests).toBe(12);
    expect(server.maxInFlight).toBe(3);
  });

  it('lets the judge name failed statuses', async () => {
    const probes = config(`${server.url}/every-fifth-fails`, {
      requests: 10,
      concurrency: 1,
      timeoutMs: 1000,
    });

    const verdict = judgeProbes(probes, await probe.run(probes));

    expect(verdict).toEqual({
      verdict: 'fail',
      reasons: ['probes: 2 of 10 failed: 2× status 503 (expected 200)'],
    });
  });

  it('times a probe out after timeoutMs, as a result and not an error', async () => {
    const results = await probe.run(config(`${server.url}/slow`, { requests: 2, timeoutMs: 100 }));

    expect(results).toEqual([
      { status: null, latencyMs: expect.any(Number), error: 'timeout after 100 ms' },
      { status: null, latencyMs: expect.any(Number), error: 'timeout after 100 ms' },
    ]);
    expect(results[0]!.latencyMs).toBeLessThan(390);
  });

  it('times out a response that stalls in the middle of its body', async () => {
    const [result] = await probe.run(
      config(`${server.url}/stalls-mid-body`, { requests: 1, timeoutMs: 150 }),
    );

    expect(result).toMatchObject({ status: null, error: 'timeout after 150 ms' });
  });

  it('judges the redirect itself, without following it', async () => {
    const [result] = await probe.run(config(`${server.url}/redirect`, { requests: 1 }));

    expect(result?.status).toBe(302);
  });

  it('reports a refused connection as a failed probe', async () => {
    const url = server.url;
    await server.stop();
    server = await new TestServer().start();

    const results = await probe.run(config(`${url}/ok`, { requests: 2 }));

    expect(results.map((r) => [r.status, r.error])).toEqual([
      [null, 'ECONNREFUSED'],
      [null, 'ECONNREFUSED'],
    ]);
  });
});
