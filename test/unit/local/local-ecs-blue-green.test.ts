import { AlbProxy, DEFAULT_LISTENER } from '../../../shared/local/alb/proxy';
import { LocalEcsBlueGreen } from '../../../shared/local/ecs/local-ecs-blue-green';

const SERVICE_ARN = 'arn:aws:ecs:local:000000000000:service/local/web';
const ROUTE = {
  targetGroup: 'web-blue-tg',
  alternateTargetGroup: 'web-green-tg',
  productionListenerRule: 'local-listener',
  testListenerRule: 'local-test-listener',
};

describe('the local EcsBlueGreen adapter', () => {
  let proxy: AlbProxy;
  let blueGreen: LocalEcsBlueGreen;

  beforeAll(async () => {
    proxy = await AlbProxy.start();
    await proxy.addListener('local-test-listener');
    proxy.createTargetGroup('web-blue-tg');
    proxy.createTargetGroup('web-green-tg');
    blueGreen = new LocalEcsBlueGreen(proxy, {
      serviceArn: SERVICE_ARN,
      route: ROUTE,
      productionListener: 'local-listener',
    });
  });
  afterAll(() => proxy.stop());

  it("names the service's blue/green pair and its listener rules, and none for another service", async () => {
    await expect(blueGreen.routes(SERVICE_ARN)).resolves.toEqual([ROUTE]);
    await expect(blueGreen.routes('arn:aws:ecs:local:000000000000:service/local/other')).resolves.toEqual([]);
  });

  it("reads each rule's weights from the proxy listener standing for it", async () => {
    proxy.setWeights({ 'web-blue-tg': 66, 'web-green-tg': 34 }, DEFAULT_LISTENER);
    proxy.setWeights({ 'web-blue-tg': 0, 'web-green-tg': 100 }, 'local-test-listener');
    await expect(blueGreen.ruleWeights('local-listener')).resolves.toEqual({
      'web-blue-tg': 66,
      'web-green-tg': 34,
    });
    await expect(blueGreen.ruleWeights('local-test-listener')).resolves.toEqual({
      'web-blue-tg': 0,
      'web-green-tg': 100,
    });
  });

  it('fails on a rule with no local listener, as DescribeRules does on an unknown rule', async () => {
    await expect(blueGreen.ruleWeights('nope')).rejects.toThrow('rule "nope": no such local listener');
  });
});
