import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { InvalidInputError } from '../../shared/domain/errors';
import { AlbProxy } from '../../shared/local/alb/proxy';
import { LocalMetrics } from '../../shared/local/alb/local-metrics';
import { LocalRouter } from '../../shared/local/alb/local-router';
import {
  killDemoApps,
  request,
  runLoad,
  sleep,
  startDemoApp,
  startStubTarget,
  waitFor,
  type StubTarget,
} from '../fixtures/local-infra';

const FAST_HEALTH = { intervalMs: 50, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 2 };

describe('AlbProxy', () => {
  let proxy: AlbProxy;
  const stubs: StubTarget[] = [];

  async function stub(handle?: Parameters<typeof startStubTarget>[0]): Promise<StubTarget> {
    const target = await startStubTarget(handle);
    stubs.push(target);
    return target;
  }

  async function healthyGroup(name: string, targets: StubTarget[]): Promise<void> {
    proxy.createTargetGroup(name);
    targets.forEach((t, i) =>
      proxy.registerTarget(name, { id: `${name}-${i}`, host: '127.0.0.1', port: t.port }),
    );
    await waitFor(`${name} healthy`, () => proxy.targetHealth(name).healthy === targets.length);
  }

  async function sequential(count: number, path = '/'): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const reply = await request(proxy.url + path);
      seen.push(
        reply.status === 200 ? String(reply.headers['x-greenlight-target']) : `status ${reply.status}`,
      );
    }
    return seen;
  }

  afterEach(async () => {
    await proxy?.stop();
    await Promise.all(stubs.splice(0).map((s) => s.close()));
    await killDemoApps();
  });

  it('splits requests in exact proportions with smooth weighted round robin', async () => {
    // Prepare
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH });
    await healthyGroup('a', [await stub()]);
    await healthyGroup('b', [await stub()]);
    proxy.setWeights({ a: 25, b: 75 });

    // Act
    const seen = await sequential(100);

    // Assess
    expect(seen.filter((t) => t === 'a-0')).toHaveLength(25);
    expect(seen.filter((t) => t === 'b-0')).toHaveLength(75);
    // Smooth: the minority group is spread out, never more than 3 "b" in a row.
    expect(
      Math.max(
        ...seen
          .join(',')
          .split('a-0')
          .map((run) => run.split('b-0').length - 1),
      ),
    ).toBeLessThanOrEqual(3);
    expect(proxy.getWeights()).toEqual({ a: 25, b: 75 });
  });

  it('sends no traffic to a target before it passed the healthy threshold', async () => {
    // Prepare
    proxy = await AlbProxy.start({ healthCheck: { ...FAST_HEALTH, intervalMs: 1000, healthyThreshold: 2 } });
    const [first, second] = [await stub(), await stub()];
    await healthyGroup('web', [first]);
    proxy.setWeights({ web: 100 });

    // Act
    proxy.registerTarget('web', { id: 'late', host: '127.0.0.1', port: second.port });
    const whileInitial = await sequential(20);
    const healthWhileInitial = proxy.targetHealth('web');
    await waitFor('late target healthy', () => proxy.targetHealth('web').healthy === 2);
    const afterHealthy = await sequential(20);

    // Assess
    expect(healthWhileInitial).toEqual({ healthy: 1, unhealthy: 0, transitioning: 1 });
    expect(whileInitial.every((t) => t === 'web-0')).toBe(true);
    expect(second.served).toBe(10);
    expect(afterHealthy.filter((t) => t === 'late')).toHaveLength(10);
  });

  it('takes a target failing its health checks out of rotation and answers 503 when none is left', async () => {
    // Prepare
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH });
    const [sick, fine] = [await stub(), await stub()];
    await healthyGroup('web', [sick, fine]);
    proxy.setWeights({ web: 100 });

    // Act
    sick.healthy = false;
    await waitFor('sick target unhealthy', () => proxy.targetHealth('web').unhealthy === 1);
    const servedBySick = sick.served;
    const withOneHealthy = await sequential(10);
    fine.healthy = false;
    await waitFor('no healthy target', () => proxy.targetHealth('web').healthy === 0);
    const before = proxy.totals('web');
    const withNoneHealthy = await sequential(3);

    // Assess
    expect(withOneHealthy.every((t) => t === 'web-1')).toBe(true);
    expect(sick.served).toBe(servedBySick);
    expect(withNoneHealthy).toEqual(['status 503', 'status 503', 'status 503']);
    expect(proxy.totals('web')).toEqual({ requests: before.requests + 3, errors: before.errors + 3 });
  });

  it('rejects invalid weights with an InvalidInputError naming the problem, keeping the old weights', async () => {
    // Prepare
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH });
    proxy.createTargetGroup('blue');
    proxy.createTargetGroup('green');
    proxy.setWeights({ blue: 100, green: 0 });

    // Act
    const invalid: Record<string, number>[] = [
      { blue: 50, green: 40 },
      { blue: 50.5, green: 49.5 },
      { blue: 101, green: -1 },
      { blue: 50, ghost: 50 },
      {},
    ];
    const attempts = invalid.map((weights) => {
      try {
        proxy.setWeights(weights);
        return null;
      } catch (err) {
        return err as Error;
      }
    });

    // Assess
    attempts.forEach((err) => expect(err).toBeInstanceOf(InvalidInputError));
    expect(attempts.map((err) => err?.message)).toEqual([
      'weights must sum to 100, got blue=50 + green=40 = 90',
      'weights.blue: expected an integer from 0 to 100, got 50.5',
      'weights.blue: expected an integer from 0 to 100, got 101',
      'weights.ghost: target group "ghost" does not exist',
      'weights: at least one target group is required',
    ]);
    expect(proxy.getWeights()).toEqual({ blue: 100, green: 0 });
  });

  it('retries once, body included, when the target closed a reused keep-alive socket', async () => {
    // Prepare: a target that answers the first request of each connection and drops the second,
    // which is the keep-alive race (the target closes an idle socket as the proxy reuses it).
    let dropped = 0;
    const sockets = new Set<net.Socket>();
    const raw = net.createServer((socket) => {
      sockets.add(socket);
      let buffered = '';
      let served = 0;
      socket.on('data', (chunk) => {
        buffered += chunk.toString();
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.slice(end + 4, end + 4 + length);
        buffered = '';
        if (served === 1) {
          dropped += 1;
          socket.destroy();
          return;
        }
        served += 1;
        const reply = `echo:${body}`;
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${reply.length}\r\n\r\n${reply}`);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH });
    proxy.createTargetGroup('web');
    proxy.registerTarget('web', { id: 'raw', host: '127.0.0.1', port: (raw.address() as AddressInfo).port });
    await waitFor('raw target healthy', () => proxy.targetHealth('web').healthy === 1);
    proxy.setWeights({ web: 100 });

    // Act
    const replies: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const reply = await request(proxy.url + '/', { method: 'POST', body: `payload-${i}` });
      replies.push(`${reply.status} ${reply.body}`);
    }
    sockets.forEach((socket) => socket.destroy());
    await new Promise((r) => raw.close(r));

    // Assess
    expect(replies).toEqual([0, 1, 2, 3, 4, 5].map((i) => `200 echo:payload-${i}`));
    expect(dropped).toBeGreaterThanOrEqual(5);
    expect(proxy.totals('web')).toEqual({ requests: 6, errors: 0 });
  });

  it('retries on another target when a target refuses connections before health checks notice', async () => {
    // Prepare: one health check makes targets healthy, and no further check runs during the test.
    proxy = await AlbProxy.start({ healthCheck: { intervalMs: 60_000, healthyThreshold: 1 } });
    const [gone, alive] = [await stub(), await stub()];
    await healthyGroup('web', [gone, alive]);
    proxy.setWeights({ web: 100 });

    // Act
    await gone.close();
    const seen = await sequential(10);

    // Assess
    expect(proxy.targets('web').map((t) => t.state)).toEqual(['healthy', 'healthy']);
    expect(seen).toEqual(Array(10).fill('web-1'));
  });

  it('answers 504 when a target does not answer in time and counts it as an error', async () => {
    // Prepare
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH, requestTimeoutMs: 200 });
    await healthyGroup('web', [await stub(() => undefined)]);
    proxy.setWeights({ web: 100 });

    // Act
    const reply = await request(proxy.url + '/');

    // Assess
    expect(reply.status).toBe(504);
    expect(reply.headers['x-greenlight-target-group']).toBe('web');
    expect(proxy.totals('web')).toEqual({ requests: 1, errors: 1 });
  });

  it('drains a deregistered target: no new requests, resolves once its in-flight requests are done', async () => {
    // Prepare
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH });
    let release = () => undefined as void;
    const held = new Promise<void>((r) => (release = r));
    const [busy, other] = [await stub((_req, res) => void held.then(() => res.end('late'))), await stub()];
    await healthyGroup('web', [busy, other]);
    proxy.setWeights({ web: 100 });
    const inFlight = request(proxy.url + '/');
    await waitFor('request in flight on the busy target', () => busy.served === 1);

    // Act
    let drained = false;
    const deregistered = proxy.deregisterTarget('web', 'web-0').then(() => (drained = true));
    const whileDraining = await sequential(4);
    const stateWhileDraining = proxy.targets('web').map((t) => `${t.id}:${t.state}:${t.inFlight}`);
    const drainedBeforeRelease = drained;
    release();
    const late = await inFlight;
    await deregistered;

    // Assess
    expect(drainedBeforeRelease).toBe(false);
    expect(stateWhileDraining).toEqual(['web-0:draining:1', 'web-1:healthy:0']);
    expect(whileDraining).toEqual(Array(4).fill('web-1'));
    expect(late).toMatchObject({ status: 200, body: 'late' });
    expect(proxy.targets('web').map((t) => t.id)).toEqual(['web-1']);
  });

  it('stops waiting for in-flight requests after the deregistration delay', async () => {
    // Prepare
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH, deregistrationDelayMs: 100 });
    await healthyGroup('web', [await stub(() => undefined)]);
    proxy.setWeights({ web: 100 });
    const stuck = request(proxy.url + '/').catch(() => null);
    await waitFor('request in flight', () => proxy.targets('web')[0]?.inFlight === 1);

    // Act
    const startedAt = Date.now();
    await proxy.deregisterTarget('web', 'web-0');
    const waitedMs = Date.now() - startedAt;

    // Assess
    expect(waitedMs).toBeGreaterThanOrEqual(90);
    expect(waitedMs).toBeLessThan(2000);
    expect(proxy.targetHealth('web')).toEqual({ healthy: 0, unhealthy: 0, transitioning: 0 });
    await proxy.stop();
    await stuck;
  });

  it('loses no request while weights shift and the old target group drains and stops', async () => {
    // Prepare
    proxy = await AlbProxy.start({ healthCheck: { ...FAST_HEALTH, intervalMs: 100 } });
    const blueApps = await Promise.all([startDemoApp({ VERSION: 'v1' }), startDemoApp({ VERSION: 'v1' })]);
    const greenApps = await Promise.all([startDemoApp({ VERSION: 'v2' }), startDemoApp({ VERSION: 'v2' })]);
    for (const [group, apps] of [
      ['blue', blueApps],
      ['green', greenApps],
    ] as const) {
      proxy.createTargetGroup(group);
      apps.forEach((app, i) =>
        proxy.registerTarget(group, { id: `${group}-${i}`, host: '127.0.0.1', port: app.port }),
      );
    }
    await waitFor(
      'all targets healthy',
      () => proxy.targetHealth('blue').healthy + proxy.targetHealth('green').healthy === 4,
    );
    proxy.setWeights({ blue: 100, green: 0 });
    let done = false;

    // Act: drain and stop one blue task while blue still takes half the traffic, the other after.
    const load = runLoad(proxy.url + '/', 20, () => done);
    const drainAndStop = async (i: number) => {
      await proxy.deregisterTarget('blue', `blue-${i}`);
      blueApps[i]?.child.kill('SIGTERM');
      return blueApps[i]?.exited;
    };
    await sleep(500);
    proxy.setWeights({ blue: 50, green: 50 });
    await sleep(300);
    const firstExit = await drainAndStop(0);
    await sleep(400);
    proxy.setWeights({ blue: 0, green: 100 });
    const secondExit = await drainAndStop(1);
    const exitCodes = [firstExit, secondExit];
    await sleep(1000);
    done = true;
    const result = await load;

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.requests).toBeGreaterThan(200);
    expect(exitCodes).toEqual([0, 0]);
    expect(result.groups).toContain('blue');
    expect(result.groups.slice(-50).every((g) => g === 'green')).toBe(true);
    expect(proxy.targetHealth('blue')).toEqual({ healthy: 0, unhealthy: 0, transitioning: 0 });
    expect(proxy.totals('blue').errors + proxy.totals('green').errors).toBe(0);
    expect(proxy.totals('blue').requests + proxy.totals('green').requests).toBe(result.requests);
  });

  it('reports request counts, errors and latency percentiles per target group over a window', async () => {
    // Prepare
    proxy = await AlbProxy.start({ healthCheck: { ...FAST_HEALTH, intervalMs: 100 } });
    const [failing, fine] = await Promise.all([
      startDemoApp({ VERSION: 'bad', ERROR_RATE: '1' }),
      startDemoApp({ VERSION: 'good', ERROR_RATE: '0', LATENCY_MS: '30' }),
    ]);
    proxy.createTargetGroup('bad');
    proxy.createTargetGroup('good');
    proxy.registerTarget('bad', { id: 'bad-0', host: '127.0.0.1', port: failing.port });
    proxy.registerTarget('good', { id: 'good-0', host: '127.0.0.1', port: fine.port });
    await waitFor(
      'targets healthy',
      () => proxy.targetHealth('bad').healthy + proxy.targetHealth('good').healthy === 2,
    );
    proxy.setWeights({ bad: 50, good: 50 });
    const from = Date.now();

    // Act
    const seen = await sequential(40);
    const to = Date.now() + 1;

    // Assess
    expect(seen.filter((t) => t === 'good-0')).toHaveLength(20);
    const bad = proxy.metrics('bad', from, to);
    const good = proxy.metrics('good', from, to);
    expect(bad).toMatchObject({ requests: 20, errors: 20 });
    expect(good).toMatchObject({ requests: 20, errors: 0 });
    expect(good.p50Ms).toBeGreaterThanOrEqual(29);
    expect(good.p99Ms).toBeGreaterThanOrEqual(good.p50Ms as number);
    expect(proxy.metrics('good', from - 60_000, from - 1000)).toEqual({
      requests: 0,
      errors: 0,
      p50Ms: null,
      p99Ms: null,
    });
  });

  it('computes p99 by nearest rank over the raw latencies of the window', async () => {
    // Prepare: 100 requests of which the slowest one or two take ≥ 300 ms.
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH });
    const slowPaths = new Set(['/slow']);
    await healthyGroup('web', [
      await stub((req, res) => setTimeout(() => res.end('ok'), slowPaths.has(req.url ?? '') ? 300 : 0)),
    ]);
    proxy.setWeights({ web: 100 });

    // Act
    const measure = async (slow: number) => {
      const from = Date.now();
      await sequential(slow, '/slow');
      await sequential(100 - slow);
      return proxy.metrics('web', from, Date.now() + 1);
    };
    const oneSlow = await measure(1);
    await sleep(1000); // the next window must not overlap the first one's buckets
    const twoSlow = await measure(2);

    // Assess
    expect(oneSlow.requests).toBe(100);
    expect(oneSlow.p99Ms).toBeLessThan(250);
    expect(twoSlow.requests).toBe(100);
    expect(twoSlow.p99Ms).toBeGreaterThanOrEqual(250);
    expect(twoSlow.p50Ms).toBeLessThan(250);
  });

  it('keeps 1-second buckets for 30 minutes of its clock', async () => {
    // Prepare
    let clock = 1_000_000;
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH, now: () => clock });
    await healthyGroup('web', [await stub()]);
    proxy.setWeights({ web: 100 });

    // Act
    await sequential(5);
    clock += 1500;
    await sequential(3);
    const firstSecond = proxy.metrics('web', 1_000_000, 1_001_000);
    const secondSecond = proxy.metrics('web', 1_001_000, 1_002_000);
    const bothByOverlap = proxy.metrics('web', 1_000_999, 1_001_001);
    clock += 31 * 60 * 1000;
    await sequential(1);
    const afterRetention = proxy.metrics('web', 0, clock + 1);

    // Assess
    expect(firstSecond.requests).toBe(5);
    expect(secondSecond.requests).toBe(3);
    expect(bothByOverlap.requests).toBe(8);
    expect(afterRetention.requests).toBe(1);
    expect(proxy.totals('web')).toEqual({ requests: 9, errors: 0 });
  });

  it('stops idempotently and refuses unknown target groups', async () => {
    // Prepare
    proxy = await AlbProxy.start();

    // Act
    const unknown = () => proxy.targetHealth('nope');
    await proxy.stop();
    await proxy.stop();

    // Assess
    expect(unknown).toThrow(InvalidInputError);
    await expect(request(proxy.url + '/', { agent: new http.Agent() })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('LocalRouter', () => {
  const route = { listener: 'local-listener', targetGroups: { blue: 'tg-blue', green: 'tg-green' } };
  let proxy: AlbProxy;

  beforeEach(async () => {
    proxy = await AlbProxy.start();
    proxy.createTargetGroup('tg-blue');
    proxy.createTargetGroup('tg-green');
  });

  afterEach(() => proxy.stop());

  it('maps blue/green weights onto the proxy target groups and reads them back', async () => {
    // Prepare
    const router = new LocalRouter(proxy, { listener: 'local-listener' });

    // Act
    await router.setWeights(route, { blue: 30, green: 70 });

    // Assess
    expect(proxy.getWeights()).toEqual({ 'tg-blue': 30, 'tg-green': 70 });
    expect(await router.getWeights(route)).toEqual({ blue: 30, green: 70 });
    expect(await router.targetHealth('tg-green')).toEqual({ healthy: 0, unhealthy: 0, transitioning: 0 });
  });

  it('rejects bad weights and a foreign listener with InvalidInputError, leaving weights unchanged', async () => {
    // Prepare
    const router = new LocalRouter(proxy, { listener: 'local-listener' });
    await router.setWeights(route, { blue: 100, green: 0 });

    // Act
    const badSum = router.setWeights(route, { blue: 60, green: 60 });
    const foreign = router.getWeights({ ...route, listener: 'arn:aws:elasticloadbalancing:listener/x' });

    // Assess
    await expect(badSum).rejects.toThrow(
      new InvalidInputError('weights: blue + green must equal 100, got 60 + 60 = 120'),
    );
    await expect(foreign).rejects.toThrow(InvalidInputError);
    await expect(foreign).rejects.toThrow('route.listener');
    expect(proxy.getWeights()).toEqual({ 'tg-blue': 100, 'tg-green': 0 });
  });
});

describe('LocalMetrics', () => {
  it('samples each color from its target group over the window', async () => {
    // Prepare
    const proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH });
    const target = await startStubTarget((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    proxy.createTargetGroup('tg-blue');
    proxy.createTargetGroup('tg-green');
    proxy.registerTarget('tg-green', { id: 'g', host: '127.0.0.1', port: target.port });
    await waitFor('green healthy', () => proxy.targetHealth('tg-green').healthy === 1);
    proxy.setWeights({ 'tg-blue': 0, 'tg-green': 100 });
    const from = Date.now();
    await request(proxy.url + '/');
    await request(proxy.url + '/');

    // Act
    const now = Date.now() + 1;
    const sample = await new LocalMetrics(proxy).sample({ blue: 'tg-blue', green: 'tg-green' }, from, now);
    await proxy.stop();
    await target.close();

    // Assess: lag-free 1-s data, and labelled so.
    expect(sample.blue).toEqual({
      requests: 0,
      errors: 0,
      p50Ms: null,
      p99Ms: null,
      from,
      until: now,
      periodSeconds: 1,
    });
    expect(sample.green).toMatchObject({ requests: 2, errors: 2 });
    expect(sample.green.p99Ms).toEqual(expect.any(Number));
  });
});
