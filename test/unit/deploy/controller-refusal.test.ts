/**
 * `controller: ecs | codedeploy` is validated and mapped, but the workflow does not route it yet:
 * every way in (startDeployment for the API and the pipeline, Prepare) refuses it before anything
 * starts or changes, naming spec.controller, rather than running Greenlight's own deployment.
 */
import { prepare } from '../../../functions/deploy/prepare';
import { startDeployment } from '../../../functions/deploy/start';
import { InvalidInputError } from '../../../shared/domain/errors';
import { LocalExecutions } from '../../../shared/local/sfn/local-executions';
import { specFor } from '../../fixtures/spec';
import { ManualClock, silentLogger } from '../../support/memory-ports';
import { memoryRequest, memoryWorld } from '../../support/memory-world';

// A plan ECS can express (one canary step), so the spec itself is valid.
const ECS = {
  controller: 'ecs' as const,
  plan: { steps: [{ weight: 10, holdSeconds: 300 }] },
  ecs: {
    service: 'web',
    hookFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:greenlight-prod-ecs-hook',
    hookRoleArn: 'arn:aws:iam::123456789012:role/greenlight-prod-ecs-hook-invoke',
  },
};

describe('a controller the workflow does not route yet', () => {
  it('is refused by startDeployment before any execution starts, naming spec.controller', async () => {
    const runs: string[] = [];
    const executions = new LocalExecutions(async (id) => {
      runs.push(id);
      return true;
    });
    const deps = { executions, clock: new ManualClock(), logger: silentLogger() };

    const starting = startDeployment(deps, { image: 'registry/web:2', spec: specFor(ECS) });

    await expect(starting).rejects.toThrow(InvalidInputError);
    await expect(starting).rejects.toMatchObject({ issues: [{ path: 'spec.controller' }] });
    await expect(starting).rejects.toThrow(/^spec\.controller: deployments through ECS built-in strategies/);
    expect(runs).toEqual([]);
  });

  it('is refused by Prepare before the record or the lock exist; controller greenlight prepares', async () => {
    const world = memoryWorld();
    const refused = prepare(world, memoryRequest({ spec: specFor(ECS, { pace: 'memory' }) }));
    await expect(refused).rejects.toMatchObject({ issues: [{ path: 'spec.controller' }] });
    expect(await world.store.getDeployment('d-1')).toBeNull();

    const accepted = prepare(world, memoryRequest({ spec: specFor({}, { pace: 'memory' }) }));
    await expect(accepted).resolves.toMatchObject({ deployment: { liveColor: 'blue' } });
  });
});
