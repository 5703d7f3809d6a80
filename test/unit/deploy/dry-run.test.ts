/**
 * The dry run reads and never writes: proven on memory ports (every method called is recorded)
 * and on the production adapters against the mocked AWS account (every command sent is recorded).
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { dryRunDeployment, type DryRunDeps } from '../../../functions/deploy/dry-run';
import { AlbRouter } from '../../../shared/aws/alb-router';
import { AppAutoScaling } from '../../../shared/aws/app-autoscaling';
import { CloudWatchAlarms } from '../../../shared/aws/cloudwatch-alarms';
import { EcsFleet } from '../../../shared/aws/ecs-fleet';
import { InvalidInputError } from '../../../shared/domain/errors';
import { LocalAlarms } from '../../../shared/local/cloudwatch/local-alarms';
import { MOCK_AWS, MOCK_REGION, MockAws } from '../../support/mock-aws';
import { MemoryFleet, MemoryRouter, MemoryScaling } from '../../support/memory-ports';
import { specFor } from '../../fixtures/spec';

/** `target` with every method call recorded as `name.method`. */
function recorded<T extends object>(name: string, target: T, calls: string[]): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(`${name}.${String(key)}`);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

describe('dryRunDeployment on memory ports', () => {
  function world() {
    const router = new MemoryRouter();
    const fleet = new MemoryFleet(router);
    fleet.addService({ cluster: 'local', service: 'web-blue' }, 'web-blue-tg', 'web:41', 2);
    fleet.addService({ cluster: 'local', service: 'web-green' }, 'web-green-tg', 'web:40', 0);
    fleet.definitions.set('web:41', {
      family: 'web',
      containerDefinitions: [
        { name: 'app', image: 'registry/web:1', portMappings: [{ containerPort: 8080 }] },
      ],
    });
    const scaling = new MemoryScaling(fleet);
    const alarms = new LocalAlarms();
    alarms.defined.add('web-5xx');
    const calls: string[] = [];
    const deps: DryRunDeps = {
      alarms: recorded('alarms', alarms, calls),
      router: recorded('router', router, calls),
      fleet: recorded('fleet', fleet, calls),
      scaling: recorded('scaling', scaling, calls),
      deployments: recorded('deployments', { runningDeployment: async () => null }, calls),
    };
    return { deps, calls, router, fleet, scaling };
  }

  it('calls only read methods, and changes nothing on the fleet, the router or the scalable targets', async () => {
    const { deps, calls, router, fleet, scaling } = world();

    const plan = await dryRunDeployment(deps, {
      image: 'registry/web:2',
      spec: specFor({ alarms: ['web-5xx'] }),
    });

    expect(plan).toMatchObject({ wouldStart: true, liveColor: 'blue', newColor: 'green', desiredCount: 2 });
    expect(plan.taskDefinition?.changes).toEqual([
      { path: 'containerDefinitions[app].image', before: 'registry/web:1', after: 'registry/web:2' },
    ]);
    expect([...new Set(calls)].sort()).toEqual([
      'alarms.firing',
      'alarms.missing',
      'deployments.runningDeployment',
      'fleet.describe',
      'fleet.readRevision',
      'router.getWeights',
      'router.stickiness',
      'scaling.read',
    ]);
    expect({ weights: router.history, revisions: fleet.revisions, scalingWrites: scaling.writes }).toEqual({
      weights: [],
      revisions: [],
      scalingWrites: [],
    });
  });

  it('refuses a bad request with the field named, before reading anything', async () => {
    const { deps, calls } = world();

    const error = await dryRunDeployment(deps, { image: 'has space', spec: specFor() }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues.map((i) => i.path)).toEqual(['image']);
    expect(calls).toEqual([]);
  });
});

describe('dryRunDeployment with the production adapters on mocked AWS', () => {
  let aws: MockAws;
  afterEach(() => aws.restore());

  it('sends only Describe calls (no Register, Modify, Update or Put) and diffs the live revision', async () => {
    aws = new MockAws({ now: () => Date.UTC(2026, 0, 1, 12), alarms: { 'web-5xx': 'ALARM' } });
    const config = { region: MOCK_REGION, maxAttempts: 1 };
    const deps: DryRunDeps = {
      alarms: new CloudWatchAlarms({ client: new CloudWatchClient(config) }),
      router: new AlbRouter({ client: new ElasticLoadBalancingV2Client(config) }),
      fleet: new EcsFleet({ client: new ECSClient(config) }),
      scaling: new AppAutoScaling({ client: new ApplicationAutoScalingClient(config) }),
      deployments: { runningDeployment: async () => null },
    };
    const spec = specFor(
      { alarms: ['web-5xx'] },
      {
        place: {
          cluster: MOCK_AWS.cluster,
          listener: MOCK_AWS.listenerArn,
          slots: {
            blue: { service: MOCK_AWS.services.blue, targetGroup: MOCK_AWS.targetGroups.blue },
            green: { service: MOCK_AWS.services.green, targetGroup: MOCK_AWS.targetGroups.green },
          },
          container: MOCK_AWS.container,
        },
      },
    );
    const image = `${MOCK_AWS.imageRepository}:1.4.2`;

    const plan = await dryRunDeployment(deps, { image, spec });

    const apis = Object.keys(aws.counts()).sort();
    expect(apis).toEqual([
      'application-autoscaling:DescribeScalableTargets',
      'cloudwatch:DescribeAlarms',
      'ecs:DescribeServices',
      'ecs:DescribeTaskDefinition',
      'elasticloadbalancing:DescribeListeners',
    ]);
    expect(apis.every((api) => /:(Describe|Get|List)/.test(api))).toBe(true);
    expect(aws.calls.find((c) => c.api === 'ecs:DescribeTaskDefinition')?.input).toEqual({
      taskDefinition: `arn:aws:ecs:${MOCK_REGION}:123456789012:task-definition/web:41`,
    });
    expect(plan.taskDefinition?.changes).toEqual([
      { path: 'containerDefinitions[app].image', before: MOCK_AWS.liveImage, after: image },
    ]);
    expect(plan).toMatchObject({
      wouldStart: false,
      liveColor: 'blue',
      alarms: [{ name: 'web-5xx', state: 'ALARM' }],
      refusals: [
        'ServiceStateError: alarms already in ALARM: web-5xx; resolve them first or deploy with force',
      ],
      scaling: { blue: 'min 2, max 6', green: 'min 0, max 0, scale-in + scale-out + scheduled suspended' },
    });
  });
});
