import { InvalidInputError } from '../../shared/domain/errors';
import { AlbProxy } from '../../shared/local/alb/proxy';
import { LocalRouter } from '../../shared/local/alb/local-router';
import { request, startStubTarget, waitFor, type StubTarget } from '../fixtures/local-infra';

const FAST_HEALTH = { intervalMs: 50, timeoutMs: 500, healthyThreshold: 2, unhealthyThreshold: 2 };
const TARGET_GROUPS = { blue: 'blue-tg', green: 'green-tg' };

describe('AlbProxy listeners and LocalRouter routes', () => {
  let proxy: AlbProxy;
  let router: LocalRouter;
  const stubs: StubTarget[] = [];

  beforeEach(async () => {
    proxy = await AlbProxy.start({ healthCheck: FAST_HEALTH });
    router = new LocalRouter(proxy, { listener: 'prod' });
    for (const name of Object.values(TARGET_GROUPS)) {
      const stub = await startStubTarget();
      stubs.push(stub);
      proxy.createTargetGroup(name);
      proxy.registerTarget(name, { id: `${name}-0`, host: '127.0.0.1', port: stub.port });
      await waitFor(`${name} healthy`, () => proxy.targetHealth(name).healthy === 1);
    }
  });

  afterEach(async () => {
    await proxy.stop();
    await Promise.all(stubs.splice(0).map((s) => s.close()));
  });

  const groupsSeen = async (url: string, count: number) => {
    const seen: string[] = [];
    for (let i = 0; i < count; i += 1)
      seen.push(String((await request(`${url}/`)).headers['x-greenlight-target-group']));
    return seen;
  };

  it('gives a second listener its own port and its own weights over the same target groups', async () => {
    // Prepare
    const testUrl = await proxy.addListener('test');
    const prod = { listener: 'prod', targetGroups: TARGET_GROUPS };
    const test = { listener: 'test', targetGroups: TARGET_GROUPS };

    // Act
    await router.setWeights(prod, { blue: 100, green: 0 });
    await router.setWeights(test, { blue: 0, green: 100 });

    // Assess
    expect(testUrl).not.toBe(proxy.url);
    expect(proxy.listenerNames()).toEqual(['default', 'test']);
    expect(await router.getWeights(prod)).toEqual({ blue: 100, green: 0 });
    expect(await router.getWeights(test)).toEqual({ blue: 0, green: 100 });
    expect(new Set(await groupsSeen(proxy.url, 6))).toEqual(new Set(['blue-tg']));
    expect(new Set(await groupsSeen(testUrl, 6))).toEqual(new Set(['green-tg']));
    // Target-group metrics count every listener's traffic, as CloudWatch's do.
    expect(proxy.totals('green-tg').requests).toBe(6);
  });

  it('answers 503 on a listener with no forward action yet', async () => {
    const testUrl = await proxy.addListener('test');

    expect((await request(`${testUrl}/`)).status).toBe(503);
  });

  it('refuses a route on an unknown listener or a rule, naming the field, and a duplicate listener', async () => {
    await proxy.addListener('test');

    await expect(router.getWeights({ listener: 'nope', targetGroups: TARGET_GROUPS })).rejects.toThrow(
      'route.listener: the local proxy has no listener "nope" (known: "prod", "test")',
    );
    await expect(
      router.setWeights(
        { listener: 'test', rule: 'r-1', targetGroups: TARGET_GROUPS },
        { blue: 0, green: 100 },
      ),
    ).rejects.toThrow(InvalidInputError);
    await expect(proxy.addListener('test')).rejects.toThrow('listener "test" already exists');
  });
});
