import { handleApiRequest, type ApiDeps } from '../../../functions/api/api';
import { LocalAlarms } from '../../../shared/local/cloudwatch/local-alarms';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { apiEvent, bodyOf } from '../../fixtures/api-events';
import { specFor } from '../../fixtures/spec';
import {
  ManualClock,
  MemoryFleet,
  MemoryRouter,
  MemoryScaling,
  MemoryStore,
  silentLogger,
} from '../../support/memory-ports';

const NOW = Date.UTC(2026, 11, 2, 12);

function world(options: { dryRun?: boolean } = {}) {
  const started: string[] = [];
  const executions = new LocalExecutions((id) => {
    started.push(id);
    return new Promise<boolean>(() => undefined);
  });
  const router = new MemoryRouter();
  const fleet = new MemoryFleet(router);
  fleet.addService({ cluster: 'local', service: 'web-blue' }, 'web-blue-tg', 'web:41', 2);
  fleet.addService({ cluster: 'local', service: 'web-green' }, 'web-green-tg', null, 0);
  fleet.definitions.set('web:41', {
    family: 'web',
    containerDefinitions: [{ name: 'app', image: 'registry/web:1' }],
  });
  const store = new MemoryStore();
  const deps: ApiDeps = {
    executions,
    store,
    deployments: { runningDeployment: async () => null },
    clock: new ManualClock(NOW),
    logger: silentLogger(),
    ...(options.dryRun === false
      ? {}
      : { dryRun: { alarms: new LocalAlarms(), router, fleet, scaling: new MemoryScaling(fleet) } }),
  };
  const post = (body: unknown) => handleApiRequest(deps, apiEvent('POST /deployments', { body }));
  return { post, started, store };
}

describe('deploy API: POST /deployments with "dryRun": true', () => {
  it('answers 200 with the plan, starts no execution and writes nothing', async () => {
    const { post, started, store } = world();

    const reply = await post({ dryRun: true, image: 'registry/web:2', spec: specFor() });

    expect(reply.statusCode).toBe(200);
    expect(bodyOf(reply)).toMatchObject({
      dryRun: true,
      plan: {
        wouldStart: true,
        liveColor: 'blue',
        newColor: 'green',
        taskDefinition: {
          from: 'web:41',
          changes: [
            { path: 'containerDefinitions[app].image', before: 'registry/web:1', after: 'registry/web:2' },
          ],
        },
      },
    });
    expect(started).toEqual([]);
    expect(await store.listOpenDeployments()).toEqual([]);
    expect(await store.acquireLock('local/web', 'someone-else', 1000, NOW)).toMatchObject({ acquired: true });
  });

  it('names the bad field: dryRun that is not a boolean, or a spec field', async () => {
    const { post, started } = world();

    const flag = await post({ dryRun: 'yes', image: 'registry/web:2', spec: specFor() });
    const spec = await post({
      dryRun: true,
      image: 'registry/web:2',
      spec: { ...specFor(), bakeSeconds: -1 },
    });

    expect(flag.statusCode).toBe(400);
    expect(bodyOf(flag)).toMatchObject({ issues: [{ path: 'dryRun' }] });
    expect(spec.statusCode).toBe(400);
    expect(bodyOf(spec)).toMatchObject({ issues: [{ path: 'spec.bakeSeconds' }] });
    expect(started).toEqual([]);
  });

  it('starts the deployment as usual with "dryRun": false', async () => {
    const { post, started } = world();

    const reply = await post({ dryRun: false, image: 'registry/web:2', spec: specFor() });

    expect(reply.statusCode).toBe(202);
    expect(started).toHaveLength(1);
  });

  it('answers 404 when the API has no read access to the account for dry runs', async () => {
    const { post } = world({ dryRun: false });

    const reply = await post({ dryRun: true, image: 'registry/web:2', spec: specFor() });

    expect(reply.statusCode).toBe(404);
  });
});
