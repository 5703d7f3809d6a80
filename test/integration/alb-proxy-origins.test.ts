/**
 * Who answered a request through the local ALB, and where CloudWatch would count it: the
 * target's own 5xx and a connection that never opened per target group; the balancer's own
 * 502/504 after choosing a target, and its 503 without one, per load balancer only.
 */
import { AlbProxy } from '../../shared/local/alb/proxy';
import { request, startStubTarget, waitFor, type StubTarget } from '../fixtures/local-infra';

const FAST_HEALTH = { intervalMs: 50, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 2 };

describe('AlbProxy: the origin of each answer, as CloudWatch attributes it', () => {
  let proxy: AlbProxy;
  const stubs: StubTarget[] = [];

  async function oneTarget(
    handle: Parameters<typeof startStubTarget>[0],
    options: Parameters<typeof AlbProxy.start>[0] = {},
  ): Promise<StubTarget> {
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH, requestTimeoutMs: 200, ...options });
    const target = await startStubTarget(handle);
    stubs.push(target);
    proxy.createTargetGroup('web');
    proxy.registerTarget('web', { id: 'web-0', host: '127.0.0.1', port: target.port });
    await waitFor('web healthy', () => proxy.targetHealth('web').healthy === 1);
    proxy.setWeights({ web: 100 });
    return target;
  }

  /** The group's figures over the last minute: every answer, as CloudWatch has them, the balancer's own 5xx. */
  function figures() {
    const [from, to] = [Date.now() - 60_000, Date.now() + 1000];
    const proxyView = proxy.metrics('web', from, to);
    const cloudwatch = proxy.metrics('web', from, to, 'cloudwatch');
    return {
      proxy: { requests: proxyView.requests, errors: proxyView.errors },
      cloudwatch: { requests: cloudwatch.requests, errors: cloudwatch.errors },
      loadBalancer5xx: proxy.loadBalancerErrors('web', from, to),
    };
  }

  afterEach(async () => {
    await proxy?.stop();
    await Promise.all(stubs.splice(0).map((s) => s.close()));
  });

  it("counts a target's own 500 against its target group", async () => {
    await oneTarget((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });

    const reply = await request(`${proxy.url}/`);

    expect(reply.status).toBe(500);
    expect(figures()).toEqual({
      proxy: { requests: 1, errors: 1 },
      cloudwatch: { requests: 1, errors: 1 },
      loadBalancer5xx: 0,
    });
  });

  it('counts its own 504 for a target that does not answer per load balancer only', async () => {
    await oneTarget(() => undefined);

    const reply = await request(`${proxy.url}/`);

    expect(reply.status).toBe(504);
    expect(figures()).toEqual({
      proxy: { requests: 1, errors: 1 },
      cloudwatch: { requests: 1, errors: 0 },
      loadBalancer5xx: 1,
    });
  });

  it('counts its own 502 for a target that resets the connection per load balancer only', async () => {
    await oneTarget((req) => req.socket.destroy());

    const reply = await request(`${proxy.url}/`);

    expect(reply.status).toBe(502);
    expect(figures()).toEqual({
      proxy: { requests: 1, errors: 1 },
      cloudwatch: { requests: 1, errors: 0 },
      loadBalancer5xx: 1,
    });
  });

  it('counts a connection that never opened against the target group (TargetConnectionErrorCount)', async () => {
    // One health check makes the target healthy; none runs again during the test.
    const target = await oneTarget(undefined, { healthCheck: { intervalMs: 60_000, healthyThreshold: 1 } });
    await target.close();

    const reply = await request(`${proxy.url}/`);

    expect(reply.status).toBe(502);
    expect(figures()).toEqual({
      proxy: { requests: 1, errors: 1 },
      cloudwatch: { requests: 1, errors: 1 },
      loadBalancer5xx: 0,
    });
  });

  it('counts its own 503 without a healthy target per load balancer only, and as no request of the group', async () => {
    const target = await oneTarget(undefined);
    target.healthy = false;
    await waitFor('web unhealthy', () => proxy.targetHealth('web').healthy === 0);

    const reply = await request(`${proxy.url}/`);

    expect(reply.status).toBe(503);
    expect(figures()).toEqual({
      proxy: { requests: 1, errors: 1 },
      cloudwatch: { requests: 0, errors: 0 },
      loadBalancer5xx: 1,
    });
  });
});
